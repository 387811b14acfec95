"""Refresh the Qt translation files: lupdate the sources, lrelease the .qm.

    python packaging/update_translations.py          # update .ts and build .qm
    python packaging/update_translations.py --check  # exit 1 if a string is untranslated

Source strings are English; translators fill assets/translations/*.ts (Qt
Linguist, or any XML editor); the compiled .qm files are committed so that
`pip install .` ships them without Qt's tools at install time.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import error_templates  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "assets" / "translations"
LANGUAGES = ["zh_CN"]


def tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        raise SystemExit(f"{name} not found: install PySide6-Essentials")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ui").rglob("*.py"))


def lupdate(ts: Path) -> None:
    subprocess.run([tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources(), "-ts", str(ts)], cwd=ROOT, check=True,
                   capture_output=True)


def untranslated(ts: Path) -> list[str]:
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") == "unfinished" or not (translation.text or "").strip():
            missing.append((message.findtext("source") or "").strip())
    return missing


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not args.check:
        error_templates.main()
    status = 0
    for language in LANGUAGES:
        ts = TRANSLATIONS / f"pointsmall_{language}.ts"
        lupdate(ts)
        missing = untranslated(ts)
        if missing:
            print(f"{ts.name}: {len(missing)} untranslated:", *missing[:40], sep="\n  ")
            status = 1
        if not args.check:
            subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True,
                           capture_output=True)
    return status if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
