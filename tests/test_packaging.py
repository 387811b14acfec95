"""`pip install .` (not editable) gives a working app with its files shipped.

Builds the wheel, installs it into an empty target directory, and runs the
installed `pointsmall --self-test` from outside the checkout, so migrations,
assets and translations must come from the installed package.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build from a copy: setuptools leaves build/ in the source tree, and a stale
    # build/lib there would put deleted modules into later wheels.
    source = tmp_path_factory.mktemp("source") / "pointsmall"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", ".venv", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "docs"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, cwd=out)
    (built,) = out.glob("pointsmall-*.whl")
    return built


def test_wheel_ships_migrations_assets_and_translations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pointsmall/migrations/env.py" in names
    assert any(n.startswith("pointsmall/migrations/versions/0001") for n in names)
    assert "assets/style.qss" in names
    assert {f"assets/badges/{t}.png" for t in ("regular", "silver", "gold", "diamond")} <= names
    assert "assets/translations/pointsmall_zh_CN.qm" in names
    assert any(n.startswith("assets/icons/") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_app_passes_self_test(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True)
    env = dict(os.environ, PYTHONPATH=str(target), QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    probe = subprocess.run([sys.executable, "-c", "import ui, pointsmall; print(ui.__file__, pointsmall.__file__)"],
                           check=True, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert str(target) in probe.stdout and str(ROOT) not in probe.stdout
    result = subprocess.run([str(target / "bin" / "pointsmall"), "--self-test"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
