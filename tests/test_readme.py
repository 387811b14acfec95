"""The README's front door stays true: CI runs its test command verbatim."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.S)[:2]


def test_first_screen_has_run_and_test_commands() -> None:
    run, test = _commands()
    assert "pip install ." in run and "pointsmall demo" in run and run.rstrip().endswith("pointsmall")
    assert "pip install '.[test]'" in test and "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    _, test = _commands()
    assert test.strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
