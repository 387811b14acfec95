"""Bulk point adjustments from CSV files, on both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pointsmall import bulk_import, check, members, purchases
from pointsmall.bulk_import import ImportRejected, import_adjustments
from pointsmall.errors import PermissionDenied, ValidationError
from pointsmall.models import ImportBatch, PointEntry


@pytest.fixture
def people(db, cashier):
    """Three members; the first has 200 points from a purchase."""
    a = members.create_member(db, cashier, name="张三", phone="13800138000")
    b = members.create_member(db, cashier, name="李四", phone="13900139000")
    c = members.create_member(db, cashier, name="王五", phone="13700137000")
    purchases.award_for_purchase(db, cashier, member_id=a.id, receipt_no="R-1", amount_fen=20_000)
    return a, b, c


def _balance(db, cashier, member_id):
    return members.get_member(db, cashier, member_id).balance


def _entries(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(PointEntry))


def test_utf8_dry_run_reports_each_row_and_writes_nothing(db, operator, cashier, people):
    a, b, _ = people
    data = ("phone,points,reason_category,note\n"
            "13800138000,-50,correction,till mistake\n"
            "139 0013 9000,+100,goodwill,complaint 123\n"
            "13800138000,30,promotion,spring event\n").encode("utf-8")
    before = _entries(db)
    report = import_adjustments(db, operator, data, "spring.csv", dry_run=True)
    assert report.ok and report.dry_run and not report.applied
    assert [(r.row, r.member_name, r.phone, r.points, r.balance_before, r.balance_after) for r in report.rows] == [
        (2, "张三", "138****8000", -50, 200, 150),
        (3, "李四", "139****9000", 100, 0, 100),
        (4, "张三", "138****8000", 30, 150, 180),
    ]
    assert report.total_points == 80 and report.members == 2
    assert _entries(db) == before
    assert _balance(db, cashier, a.id) == 200


def test_utf8_bom_with_chinese_headers_is_applied(db, operator, cashier, people):
    a, b, c = people
    data = ("手机号,积分,原因,备注\n"
            "13800138000,-200,更正,收银错误\n"
            "13900139000,88,补偿,顾客投诉补偿\n").encode("utf-8-sig")
    report = import_adjustments(db, operator, data, "调整.csv")
    assert report.applied and report.ok
    assert _balance(db, cashier, a.id) == 0
    assert _balance(db, cashier, b.id) == 88
    with db.read() as session:
        kinds = session.execute(select(PointEntry.kind, PointEntry.reason_category, PointEntry.idem_key)
                                .where(PointEntry.kind == "import").order_by(PointEntry.idem_key)).all()
    assert [(k, r) for k, r, _ in kinds] == [("import", "correction"), ("import", "goodwill")]
    assert all(key.startswith(f"import:{report.content_hash}:") for _, _, key in kinds)
    assert check.run_check(db).ok


def test_gbk_file_keyed_by_card_code(db, operator, cashier, people):
    a, b, c = people
    card_b = members.get_member(db, cashier, b.id).card_code
    data = (f"卡号,积分,原因,备注\n{card_b},500,活动,双十一活动赠送积分\n"
            "\n"  # blank lines are skipped
            f"{c.card_code},20,其他,老会员回馈\n").encode("gbk")
    report = import_adjustments(db, operator, data, "gbk.csv")
    assert report.applied
    assert [r.row for r in report.rows] == [2, 4]
    assert _balance(db, cashier, b.id) == 500
    assert _balance(db, cashier, c.id) == 20
    with db.read() as session:
        notes = set(session.scalars(select(PointEntry.note).where(PointEntry.kind == "import")))
    assert notes == {"双十一活动赠送积分", "老会员回馈"}


def test_one_bad_row_means_nothing_is_written(db, operator, cashier, people):
    a, b, _ = people
    data = ("phone,points,reason_category,note\n"
            "13800138000,10,goodwill,fine row\n"          # 2 ok
            "13600136000,10,goodwill,nobody\n"            # 3 unknown phone
            "13900139000,ten,goodwill,bad number\n"       # 4
            "13900139000,0,goodwill,zero\n"               # 5
            "13900139000,-5,correction,too much\n"        # 6 would go negative
            "13800138000,10,birthday,category\n"          # 7 unknown category
            "13800138000,10,goodwill,fine row\n"          # 8 duplicate of 2
            "1.38001E+10,10,goodwill,excel mangled\n"     # 9
            ).encode("utf-8")
    before = _entries(db)
    with pytest.raises(ImportRejected) as caught:
        import_adjustments(db, operator, data, "bad.csv")
    report = caught.value.report
    templates = {r.row: r.error.template for r in report.errors}
    assert templates == {
        3: bulk_import.UNKNOWN_PHONE, 4: bulk_import.BAD_POINTS, 5: bulk_import.ZERO_POINTS,
        6: bulk_import.NEGATIVE, 7: bulk_import.UNKNOWN_CATEGORY, 8: bulk_import.DUPLICATE,
        9: bulk_import.BAD_PHONE_EXCEL,
    }
    assert report.rows[0].error is None and report.rows[0].balance_after == 210
    assert dict(report.errors[-2].error.params) == {"row": 2}
    assert "1 row" not in caught.value.message and "7 row(s)" in caught.value.message
    assert _entries(db) == before
    assert _balance(db, cashier, a.id) == 200
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    # The dry run shows the same problems without raising.
    dry = import_adjustments(db, operator, data, "bad.csv", dry_run=True)
    assert {r.row for r in dry.errors} == set(templates)


def test_second_run_of_the_same_file_changes_nothing(db, operator, cashier, people):
    a, _, _ = people
    data = "phone,points,reason_category,note\n13800138000,40,promotion,event bonus\n".encode("utf-8")
    first = import_adjustments(db, operator, data, "once.csv")
    assert first.applied and first.already_imported_on is None
    entries = _entries(db)
    second = import_adjustments(db, operator, data, "renamed-copy.csv")
    assert not second.applied and second.already_imported_on is not None
    assert _entries(db) == entries
    assert _balance(db, cashier, a.id) == 240
    dry = import_adjustments(db, operator, data, "once.csv", dry_run=True)
    assert dry.already_imported_on == second.already_imported_on
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 1
    assert check.run_check(db).ok


def test_cashier_may_not_import(db, cashier, people):
    data = "phone,points,reason_category,note\n13800138000,40,promotion,event bonus\n".encode("utf-8")
    with pytest.raises(PermissionDenied):
        import_adjustments(db, cashier, data, "x.csv", dry_run=True)


def test_files_that_cannot_be_read_are_refused_clearly(db, operator):
    with pytest.raises(ValidationError, match="neither UTF-8 nor GBK"):
        import_adjustments(db, operator, b"phone,points\n\x81\x20\xff\xfe,1\n", "x.csv")
    with pytest.raises(ValidationError, match="Excel workbook"):
        import_adjustments(db, operator, b"PK\x03\x04rest-of-a-zip", "x.xlsx")
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        import_adjustments(db, operator, b"phone,points\n" + b"13800138000,1\n" * 400_000, "big.csv")
    with pytest.raises(ValidationError, match="name the columns"):
        import_adjustments(db, operator, "名字,分\n张三,1\n".encode("utf-8"), "x.csv")
    too_many = "phone,points,reason,note\n" + "13800138000,1,other,note\n" * (bulk_import.MAX_ROWS + 1)
    with pytest.raises(ValidationError, match="more than 20000 rows"):
        import_adjustments(db, operator, too_many.encode("utf-8"), "many.csv", dry_run=True)
