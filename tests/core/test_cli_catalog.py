"""``pointsmall catalog import/export`` on a real SQLite file, as an operator's script runs them."""
from __future__ import annotations

from pathlib import Path

import pytest

from pointsmall import cli
from ui import main as entry


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+pysqlite:///{tmp_path / 'cli.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_import_dry_run_then_real_then_export(url, capsys, tmp_path):
    source = tmp_path / "目录.csv"
    source.write_bytes("编码,名称,分类,类型,积分,面值,有效天数\nCUP-1,保温杯,家居,实物,800,,\n"
                       "Q50,¥50 券,券,优惠券,1000,50,30\n".encode("gb18030"))
    code, out, _ = run(capsys, "--db", url, "catalog", "import", str(source), "--dry-run")
    assert code == 0 and "CUP-1" in out and "dry run, nothing changed: 2 create, 0 update, 0 unchanged" in out
    code, out, _ = run(capsys, "--db", url, "catalog", "import", str(source))
    assert code == 0 and "imported: 2 create" in out
    target = tmp_path / "out.xlsx"
    code, out, _ = run(capsys, "--db", url, "catalog", "export", str(target))
    assert code == 0 and out.strip() == f"wrote 2 items to {target}"
    code, out, _ = run(capsys, "--db", url, "catalog", "import", str(target), "--dry-run")
    assert code == 0 and "0 create, 0 update, 2 unchanged" in out


def test_rows_in_error_exit_1_on_a_dry_run_and_2_on_a_real_one(url, capsys, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("sku,name,category,price_points\nA1,好,x,10\nB2,坏,x,abc\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", url, "catalog", "import", str(source), "--dry-run")
    assert code == 1 and "ERROR: The price must be a whole number." in out and "A1" in out
    code, out, err = run(capsys, "--db", url, "catalog", "import", str(source))
    assert code == 2 and "ERROR" in out and "1 row(s) have errors; nothing was imported." in err
    code, _, err = run(capsys, "--db", url, "catalog", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys, "--db", url, "catalog", "export", str(tmp_path / "out.pdf"))
    assert code == 2 and "Export to a .csv or .xlsx file." in err


def test_the_pointsmall_command_hands_catalog_to_the_command_line(url, capsys, tmp_path):
    assert "catalog" in entry.SUBCOMMANDS
    assert entry.main(["--db", url, "catalog", "export", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbfsku,name")
