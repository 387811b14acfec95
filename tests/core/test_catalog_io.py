"""Bulk catalog import and export: CSV in every encoding a Chinese office uses, XLSX, dry runs, all or nothing."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from pointsmall import audit, catalog, catalog_io
from pointsmall.catalog_io import Action, ImportRefused, yuan_to_fen
from pointsmall.errors import PermissionDenied, ValidationError

from .mall_support import mall, new_item, new_sku  # noqa: F401  (mall is a fixture)
from .support import row_counts

ZH_HEADER = "编码,名称,分类,类型,积分,现金,面值,有效天数,不限量,每单限兑,每日限兑,每人限兑,最低等级,上架"


def csv_bytes(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def items_by_sku(mall, *skus: str) -> dict[str, catalog.ItemView]:  # type: ignore[no-untyped-def]
    with mall.db.read() as session:
        return {i.sku: i for i in catalog.list_items(session) if i.sku in skus}


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_yuan_become_fen_exactly():
    assert [yuan_to_fen(t, "cash") for t in ("0", "12.5", "19.99", "¥1,234.50", "￥5", " 0.01 ", "100.10")] == [
        0, 1250, 1999, 123450, 500, 1, 10010]
    for bad in ("1.005", "abc", "1e400", "NaN", "12.3.4"):
        with pytest.raises(ValidationError):
            yuan_to_fen(bad, "cash")


def test_a_chinese_csv_with_a_bom_is_dry_run_then_imported(mall):
    a, b, c = new_sku(), new_sku(), new_sku()
    data = csv_bytes([ZH_HEADER,
                      f"{a.lower()},保温杯,家居,实物,800,12.30,,,否,2,1,,,是",
                      f"{b},¥50 无门槛券,优惠券,优惠券,1000,,50,30,是,,,3,金卡,是",
                      f"{c},洗车服务,服务,服务,\"1,500\",0,,,是,,,,silver,否"])
    before = row_counts(mall.db)
    dry = catalog_io.import_catalog(mall.db, mall.operator, "目录.csv", data, dry_run=True)
    assert [(r.row, r.sku, r.action, r.error) for r in dry.rows] == [
        (2, a, "create", None), (3, b, "create", None), (4, c, "create", None)]
    assert not dry.applied and row_counts(mall.db) == before
    real = catalog_io.import_catalog(mall.db, mall.operator, "目录.csv", data)
    assert real.applied and real.count(Action.CREATE) == 3
    got = items_by_sku(mall, a, b, c)
    assert (got[a].name, got[a].kind, got[a].price_points, got[a].cash_fen, got[a].per_order_limit,
            got[a].daily_limit, got[a].unlimited, got[a].active) == ("保温杯", "goods", 800, 1230, 2, 1, False, True)
    assert (got[b].kind, got[b].face_value_fen, got[b].validity_days, got[b].member_limit, got[b].min_tier_rank,
            got[b].unlimited) == ("coupon", 5000, 30, 3, 2, True)
    assert (got[c].kind, got[c].price_points, got[c].min_tier_rank, got[c].active) == ("service", 1500, 1, False)
    assert got[a].stock == 0  # stock comes only from stock entries


def test_reimporting_is_unchanged_and_a_changed_row_is_an_update(mall):
    a, b = new_sku(), new_sku()
    lines = ["sku,name,category,price_points,cash", f"{a},雨伞,家居,300,0", f"{b},毛巾,家居,100,1.5"]
    catalog_io.import_catalog(mall.db, mall.operator, "c.csv", csv_bytes(lines))
    again = catalog_io.import_catalog(mall.db, mall.operator, "c.csv", csv_bytes(lines), dry_run=True)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]
    lines[2] = f"{b},毛巾,家居,120,1.50"
    before_audit = row_counts(mall.db)["audit_log"]
    report = catalog_io.import_catalog(mall.db, mall.operator, "c.csv", csv_bytes(lines))
    assert [r.action for r in report.rows] == ["unchanged", "update"]
    assert row_counts(mall.db)["audit_log"] == before_audit + 1  # only the changed item is written
    assert items_by_sku(mall, b)[b].price_points == 120


def test_a_column_left_out_keeps_the_items_value(mall):
    item = new_item(mall, stock=4, daily_limit=2, description="原描述", min_tier_rank=1)
    report = catalog_io.import_catalog(mall.db, mall.operator, "p.csv", csv_bytes(["编码,积分", f"{item.sku},250"]))
    assert [r.action for r in report.rows] == ["update"]
    after = items_by_sku(mall, item.sku)[item.sku]
    assert (after.price_points, after.name, after.daily_limit, after.description, after.min_tier_rank, after.stock) == (
        250, item.name, 2, "原描述", 1, 4)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_gbk_gb18030_and_plain_utf8_files(mall, encoding):
    sku = new_sku()
    name = "䶮字杯" if encoding == "gb18030" else "茶杯"  # 䶮 is in GB18030 but not in GBK
    data = csv_bytes([ZH_HEADER.split(",积分")[0] + ",积分", f"{sku},{name},茶具,实物,66"], encoding)
    catalog_io.import_catalog(mall.db, mall.operator, "gbk.csv", data)
    assert items_by_sku(mall, sku)[sku].name == name


def test_semicolon_and_tab_separated_files(mall):
    a, b = new_sku(), new_sku()
    catalog_io.import_catalog(mall.db, mall.operator, "a.csv", csv_bytes(["sku;name;category;price_points",
                                                                           f"{a};A;x;5"]))
    catalog_io.import_catalog(mall.db, mall.operator, "b.txt", csv_bytes(["sku\tname\tcategory\tprice_points",
                                                                           f"{b}\tB\tx\t6"]))
    assert {k: v.price_points for k, v in items_by_sku(mall, a, b).items()} == {a: 5, b: 6}


def test_an_xlsx_with_numbers_booleans_and_english_headers(mall):
    a, b = new_sku(), new_sku()
    data = xlsx_bytes([["SKU", "Name", "Category", "Kind", "Price Points", "Cash", "Face Value", "Validity Days",
                        "Unlimited", "Active", "Min Tier"],
                       [a, "电影票", "娱乐", "coupon", 2000, 12.5, 40, 7, True, True, "Gold"],
                       [], [b, "水杯", "家居", "goods", 300.0, None, None, None, False, False, None]])
    report = catalog_io.import_catalog(mall.db, mall.operator, "book.xlsx", data)
    assert [(r.row, r.action) for r in report.rows] == [(2, "create"), (4, "create")]
    got = items_by_sku(mall, a, b)
    assert (got[a].cash_fen, got[a].face_value_fen, got[a].validity_days, got[a].unlimited, got[a].min_tier_rank) == (
        1250, 4000, 7, True, 2)
    assert (got[b].price_points, got[b].active, got[b].cash_fen) == (300, False, 0)


def test_export_and_import_round_trip_unchanged_in_both_formats(mall):
    new_item(mall, stock=3, cash_fen=1999, daily_limit=1, min_tier_rank=3, description="含\"引号\", 逗号")
    new_item(mall, kind="coupon", face_value_fen=5005, validity_days=10, unlimited=True, active=False)
    for name in ("catalog.csv", "catalog.xlsx"):
        data = catalog_io.export_catalog(mall.db, mall.operator, name)
        report = catalog_io.import_catalog(mall.db, mall.operator, name, data, dry_run=True)
        assert report.rows and {r.action for r in report.rows} == {"unchanged"}, report.errors
    csv_text = catalog_io.export_catalog(mall.db, mall.operator, "c.csv")
    assert csv_text.startswith(b"\xef\xbb\xbf") and b"19.99" in csv_text
    sheet = load_workbook(io.BytesIO(catalog_io.export_catalog(mall.db, mall.operator, "c.xlsx"))).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["sku", "name", "category"] and header[-1] == "stock"


def test_export_keeps_formula_like_text_as_text_and_imports_it_back_unchanged(mall):
    """An item named "=HYPERLINK(...)" must not run as a formula when the export is opened in Excel."""
    evil = new_item(mall, name="=HYPERLINK(\"http://x\",\"点我\")", description="@SUM(1+1)")
    csv_data = catalog_io.export_catalog(mall.db, mall.operator, "c.csv")
    assert b"'=HYPERLINK" in csv_data and b"'@SUM" in csv_data
    sheet = load_workbook(io.BytesIO(catalog_io.export_catalog(mall.db, mall.operator, "c.xlsx"))).active
    rows = list(sheet.iter_rows(min_row=2))
    name_cell = next(r[1] for r in rows if r[0].value == evil.sku)
    assert name_cell.data_type == "s" and name_cell.value == evil.name
    for name in ("c.csv", "c.xlsx"):
        data = catalog_io.export_catalog(mall.db, mall.operator, name)
        report = catalog_io.import_catalog(mall.db, mall.operator, name, data, dry_run=True)
        assert {r.action for r in report.rows} == {"unchanged"}, report.errors


def test_rows_in_error_are_reported_and_a_real_run_imports_nothing(mall):
    good, known = new_sku(), new_item(mall).sku
    lines = [ZH_HEADER,
             f"{good},好商品,家居,实物,100,,,,否,,,,,是",
             f"{new_sku()},坏价格,家居,实物,abc,,,,否,,,,,是",
             f"{new_sku()},坏类型,家居,抽奖,100,,,,否,,,,,是",
             f"{new_sku()},坏等级,家居,实物,100,,,,否,,,,platinum,是",
             f"{new_sku()},三位小数,家居,实物,100,1.005,,,否,,,,,是",
             f"{new_sku()},缺面值,券,优惠券,100,,,30,否,,,,,是",
             f"{known},改已有,家居,实物,100,,,,也许,,,,,是",
             f"{good},重复,家居,实物,100,,,,否,,,,,是",
             f"{new_sku()},,家居,实物,100,,,,否,,,,,是",
             ",无编码,家居,实物,100,,,,否,,,,,是"]
    data = csv_bytes(lines)
    dry = catalog_io.import_catalog(mall.db, mall.operator, "bad.csv", data, dry_run=True)
    assert [(r.row, r.action, r.field) for r in dry.rows] == [
        (2, "create", None), (3, "error", "price"), (4, "error", "kind"), (5, "error", "min_tier"),
        (6, "error", "cash"), (7, "error", "face_value"), (8, "error", "unlimited"), (9, "error", "sku"),
        (10, "error", "name"), (11, "error", "sku")]
    messages = {r.row: r.error for r in dry.rows}
    assert messages[3] == "The price must be a whole number."
    assert messages[4] == "An item is goods, a coupon or a service."
    assert messages[5] == "Unknown tier platinum; use a tier code such as gold."
    assert messages[6] == "The cash must be an amount in yuan, such as 12.50."
    assert messages[9] == f"The item code {good} is also on row 2."
    assert dry.rows[8].sku == lines[9].split(",")[0] and dry.rows[9].sku == ""
    before = row_counts(mall.db)
    with pytest.raises(ImportRefused) as exc:
        catalog_io.import_catalog(mall.db, mall.operator, "bad.csv", data)
    assert exc.value.message == "9 row(s) have errors; nothing was imported."
    assert not exc.value.report.applied and len(exc.value.report.rows) == 10
    assert row_counts(mall.db) == before and items_by_sku(mall, good) == {}


def test_a_failure_while_applying_rolls_the_whole_file_back(mall, monkeypatch):
    skus = [new_sku() for _ in range(3)]
    data = csv_bytes(["sku,name,category,price_points"] + [f"{s},物品,家居,10" for s in skus])
    calls = []
    real_record = audit.record

    def failing_record(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    before = row_counts(mall.db)
    with pytest.raises(RuntimeError):
        catalog_io.import_catalog(mall.db, mall.operator, "c.csv", data)
    assert row_counts(mall.db) == before and items_by_sku(mall, *skus) == {}


@pytest.mark.parametrize("name, data, message", [
    ("c.csv", b"", "The file is empty."),
    ("c.csv", b"\r\n,,\r\n", "The file is empty."),
    ("c.csv", "名称,分类\n杯,家居\n".encode(), "The file needs an item code column (sku or 编码)."),
    ("c.csv", "sku,prce\nA,1\n".encode(), "Unknown column(s): prce."),
    ("c.csv", "sku,编码\nA,B\n".encode(), "Column(s) given twice: sku."),
    ("c.csv", b"\xff\xfe\x00\x00sku", "The file is neither UTF-8 nor GBK/GB18030 text."),
    ("c.xlsx", b"PK\x03\x04 not really a workbook", "The file is not a readable .xlsx workbook."),
    ("c.xls", b"sku\n", "Import a .csv or .xlsx file."),
])
def test_a_file_that_cannot_be_read_is_refused(mall, name, data, message):
    with pytest.raises(ValidationError) as exc:
        catalog_io.import_catalog(mall.db, mall.operator, name, data, dry_run=True)
    assert exc.value.message == message


def test_only_catalog_managers_import_and_export(mall):
    data = csv_bytes(["sku,name,category,price_points", f"{new_sku()},x,y,1"])
    for actor in (mall.cashier, mall.supervisor):
        with pytest.raises(PermissionDenied):
            catalog_io.import_catalog(mall.db, actor, "c.csv", data, dry_run=True)
        with pytest.raises(PermissionDenied):
            catalog_io.export_catalog(mall.db, actor, "c.csv")
    assert catalog_io.import_catalog(mall.db, mall.admin, "c.csv", data).applied
    with pytest.raises(ValidationError):
        catalog_io.export_catalog(mall.db, mall.operator, "c.pdf")

