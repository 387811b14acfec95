"""The headless command line, on a real SQLite file, as a script or a cron job runs it."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from pointsmall import cli


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+pysqlite:///{tmp_path / 'cli.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def demo_db(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, _ = run(capsys, "--db", url, "db", "upgrade")
    assert code == 0 and "schema" in out
    code, out, err = run(capsys, "--db", url, "demo", "--members", "150", "--seed", "2")
    assert code == 0, err
    assert "150 members" in out and "cashier / 123456" in out
    return url


def _phones(url: str, n: int) -> list[str]:
    conn = sqlite3.connect(url.split("///", 1)[1])
    try:
        return [r[0] for r in conn.execute("SELECT phone FROM members ORDER BY balance DESC LIMIT ?", (n,))]
    finally:
        conn.close()


def test_check_is_clean_after_the_demo_and_fails_after_tampering(demo_db, capsys):
    code, out, _ = run(capsys, "check", "--db", demo_db)  # --db also works after the command
    assert code == 0 and "OK" in out and "150 members" in out
    conn = sqlite3.connect(demo_db.split("///", 1)[1])
    with conn:
        conn.execute("UPDATE members SET balance = balance + 7 WHERE rowid = (SELECT min(rowid) FROM members)")
    conn.close()
    code, out, _ = run(capsys, "--db", demo_db, "check")
    assert code == 1 and "problem" in out and "balance" in out


def test_expire_twice_expires_once(demo_db, capsys):
    later = (date.today() + timedelta(days=45)).isoformat()
    code, out, _ = run(capsys, "--db", demo_db, "expire", "--as-of", later)
    assert code == 0 and "expired" in out and not out.startswith("expired 0 points")
    code, out, _ = run(capsys, "--db", demo_db, "expire", "--as-of", later)
    assert code == 0 and out.startswith("expired 0 points of 0 members")
    assert run(capsys, "--db", demo_db, "check")[0] == 0


def test_tier_evaluation_runs_once_a_month(demo_db, capsys):
    code, out, _ = run(capsys, "--db", demo_db, "tiers", "evaluate")
    assert code == 0 and "evaluation" in out and "150 members" in out
    code, out, _ = run(capsys, "--db", demo_db, "tiers", "evaluate")
    assert code == 0 and "already ran" in out
    assert run(capsys, "--db", demo_db, "check")[0] == 0


def test_points_import_dry_run_then_real_then_again(demo_db, capsys, tmp_path):
    first, second = _phones(demo_db, 2)
    sheet = tmp_path / "调整.csv"
    sheet.write_bytes(f"手机号,积分,原因,备注\n{first},-10,更正,收银错误\n{second},25,补偿,顾客投诉补偿\n".encode("gbk"))
    code, out, _ = run(capsys, "--db", demo_db, "points", "import", str(sheet), "--dry-run")
    assert code == 0 and "would change +15 points for 2 member(s)" in out
    assert f"{first[:3]}****{first[-4:]}" in out and "→" in out
    code, out, _ = run(capsys, "--db", demo_db, "points", "import", str(sheet))
    assert code == 0 and "changed +15 points" in out
    code, out, _ = run(capsys, "--db", demo_db, "points", "import", str(sheet))
    assert code == 0 and "already imported" in out
    assert run(capsys, "--db", demo_db, "check")[0] == 0


def test_user_errors_exit_2_with_a_message_not_a_traceback(demo_db, capsys, tmp_path, monkeypatch):
    code, _, err = run(capsys, "--db", demo_db, "demo", "--members", "10")
    assert code == 2 and "already has members" in err
    code, _, err = run(capsys, "--db", demo_db, "expire", "--as-of", "2026-13-01")
    assert code == 2 and "not a date" in err
    code, _, err = run(capsys, "--db", demo_db, "points", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,points,reason,note\n13000000000,5,goodwill,nobody has this phone\n", encoding="utf-8")
    code, out, err = run(capsys, "--db", demo_db, "points", "import", str(bad))
    assert code == 2 and "nothing was imported" in err and "ERROR: No member has the phone" in out
    code, out, _ = run(capsys, "--db", demo_db, "points", "import", str(bad), "--dry-run")
    assert code == 1 and "ERROR" in out
    monkeypatch.setenv(cli.PASSWORD_ENV, "s3cret-pass")
    code, out, _ = run(capsys, "--db", demo_db, "staff", "add", "--username", "lily", "--role", "cashier",
                       "--display-name", "收银员莉莉")
    assert code == 0 and "created cashier account lily" in out
    code, _, err = run(capsys, "--db", demo_db, "staff", "add", "--username", "lily", "--role", "cashier")
    assert code == 2 and "taken" in err
    monkeypatch.setenv(cli.PASSWORD_ENV, "123")
    code, _, err = run(capsys, "--db", demo_db, "staff", "add", "--username", "tom", "--role", "operator")
    assert code == 2 and "at least 6" in err
    code, _, err = run(capsys, "--db", demo_db, "staff", "add", "--username", "tom", "--role", "boss")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "--db", "nosuchdialect://x", "check")
    assert code == 2 and "cannot open the database" in err


def test_staff_add_asks_for_the_password_twice(url, capsys, monkeypatch):
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    answers = iter(["first-secret", "other-secret"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    code, _, err = run(capsys, "--db", url, "staff", "add", "--username", "amy", "--role", "supervisor")
    assert code == 2 and "differ" in err
    answers = iter(["same-secret", "same-secret"])
    code, out, _ = run(capsys, "--db", url, "staff", "add", "--username", "amy", "--role", "supervisor")
    assert code == 0 and "supervisor account amy" in out


def test_without_a_command_the_gui_is_meant(capsys):
    assert cli.build_parser().parse_args(["--db", "x", "check"]).command == "check"
    for argv in ([], ["--self-test"], ["--db", "sqlite:///x.db"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "desktop client" in err
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "demo" in out


def test_python_dash_m_runs_the_command_line(url):
    done = subprocess.run([sys.executable, "-m", "pointsmall", "--db", url, "check"], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert "0 members" in done.stdout and "OK" in done.stdout
