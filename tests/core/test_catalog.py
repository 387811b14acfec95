"""The catalog: items and their rules, stock entries with reasons, and check over stock."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from pointsmall import catalog, check, redemption
from pointsmall.catalog import ItemDraft
from pointsmall.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .mall_support import (  # noqa: F401  (mall is a fixture)
    assert_clean,
    draft,
    mall,
    member_with,
    new_item,
    new_sku,
    stock,
    stock_moves,
)
from .support import drop_append_only_trigger, new_member


def test_an_item_is_saved_normalised_and_starts_with_no_stock(mall):
    sku = new_sku()
    item = catalog.save_item(mall.db, mall.operator, ItemDraft(
        sku=f"  {sku.lower()} ", name="  ¥50 无门槛券 ", category=" 优惠券 ", kind="coupon", price_points=1000,
        face_value_fen=5000, validity_days=30, description="  全场通用  ", daily_limit=1))
    assert (item.sku, item.name, item.category, item.description) == (sku, "¥50 无门槛券", "优惠券", "全场通用")
    assert (item.kind, item.price_points, item.face_value_fen, item.validity_days, item.stock) == (
        "coupon", 1000, 5000, 30, 0)
    with mall.db.read() as session:
        assert catalog.get_item(session, item.id) == item
    assert_clean(mall.db)


def test_an_item_code_is_ascii_as_a_scanner_types_it(mall):
    """Bug: any Unicode letter or digit was taken, so a code typed in full width never matched a scan."""
    sku = new_sku()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in f"{sku.lower()}-9")
    assert catalog.save_item(mall.db, mall.operator, draft(sku=full_width)).sku == f"{sku}-9"
    with pytest.raises(ValidationError):
        catalog.save_item(mall.db, mall.operator, draft(sku="保温杯01"))


def test_saving_an_existing_item_keeps_its_stock(mall):
    item = new_item(mall, stock=7)
    changed = catalog.save_item(mall.db, mall.operator, draft(sku=item.sku, name="新名字", price_points=80), item.id)
    assert (changed.id, changed.name, changed.price_points, changed.stock) == (item.id, "新名字", 80, 7)
    goods = catalog.save_item(mall.db, mall.operator, draft(sku=item.sku, face_value_fen=100, validity_days=3),
                              item.id)
    assert (goods.face_value_fen, goods.validity_days) == (None, None)  # only coupons have them


@pytest.mark.parametrize("changes, field", [
    (dict(sku=""), "sku"), (dict(sku="有中文"), "sku"), (dict(sku="A" * 33), "sku"), (dict(sku="A B"), "sku"),
    (dict(name="  "), "name"), (dict(name="名" * 65), "name"),
    (dict(category=""), "category"), (dict(category="类" * 33), "category"),
    (dict(kind="lottery"), "kind"),
    (dict(price_points=0), "price"), (dict(price_points=-5), "price"), (dict(price_points=10_000_001), "price"),
    (dict(price_points=1.5), "price"), (dict(cash_fen=-1), "cash"),
    (dict(kind="coupon", validity_days=30), "face_value"),
    (dict(kind="coupon", face_value_fen=500), "validity_days"),
    (dict(kind="coupon", face_value_fen=500, validity_days=0), "validity_days"),
    (dict(daily_limit=0), "daily"), (dict(per_order_limit=-1), "per order"), (dict(member_limit=0), "per member"),
    (dict(min_tier_rank=11), "min_tier_rank"),
    (dict(available_from=datetime(2027, 1, 2, tzinfo=timezone.utc),
          available_until=datetime(2027, 1, 1, tzinfo=timezone.utc)), "available_until"),
])
def test_an_invalid_item_is_refused_with_the_field(mall, changes, field):
    with pytest.raises(ValidationError) as exc:
        catalog.save_item(mall.db, mall.operator, draft(**changes))
    assert exc.value.field == field


def test_an_item_code_is_unique(mall):
    item = new_item(mall)
    with pytest.raises(Conflict) as exc:
        catalog.save_item(mall.db, mall.operator, draft(sku=item.sku.lower()))
    assert exc.value.message == f"The item code {item.sku} is already used by {item.name}."
    with pytest.raises(NotFound):
        catalog.save_item(mall.db, mall.operator, draft(), mall.operator.staff_id)


def test_only_catalog_managers_edit_the_catalog(mall):
    with pytest.raises(PermissionDenied):
        catalog.save_item(mall.db, mall.cashier, draft())
    with pytest.raises(PermissionDenied):
        catalog.save_item(mall.db, mall.supervisor, draft())
    catalog.save_item(mall.db, mall.admin, draft())


def test_listing_filters_by_category_activity_and_text(mall):
    cat = f"类{new_sku()}"
    a = new_item(mall, category=cat, name="蓝色雨伞 umbrella", price_points=300)
    b = new_item(mall, category=cat, name="红色 100% 棉袜", price_points=50, active=False)
    with mall.db.read() as session:
        assert [i.id for i in catalog.list_items(session, category=cat)] == [b.id, a.id]  # by price
        assert [i.id for i in catalog.list_items(session, category=cat, active_only=True)] == [a.id]
        assert [i.id for i in catalog.list_items(session, category=cat, text="雨伞")] == [a.id]
        assert [i.id for i in catalog.list_items(session, category=cat, text="100%")] == [b.id]
        assert [i.id for i in catalog.list_items(session, text=a.sku.lower())] == [a.id]
        assert cat in catalog.categories(session)


# -- stock ----------------------------------------------------------------------

def test_restock_write_off_and_correction_are_entries_with_reasons(mall):
    item = new_item(mall)
    catalog.record_stock(mall.db, mall.operator, item.id, "restock", 10, "到货 delivery")
    catalog.record_stock(mall.db, mall.supervisor, item.id, "write_off", 2, "破损 broken")  # sign from the kind
    catalog.record_stock(mall.db, mall.supervisor, item.id, "restock", -3, "到货 delivery 2")
    view = catalog.record_stock(mall.db, mall.operator, item.id, "correction", -1, "盘点 stock count")
    assert view.stock == 10
    assert stock_moves(mall, item.id) == [("restock", 10, 10, "到货 delivery"), ("write_off", -2, 8, "破损 broken"),
                                          ("restock", 3, 11, "到货 delivery 2"), ("correction", -1, 10, "盘点 stock count")]
    with mall.db.read() as session:
        entries = catalog.stock_entries(session, item.id)
    assert [e.seq for e in entries] == [4, 3, 2, 1]
    assert entries[0].staff_id == mall.operator.staff_id and entries[1].staff_id == mall.supervisor.staff_id
    assert_clean(mall.db)


def test_stock_never_goes_below_zero(mall):
    item = new_item(mall, stock=3)
    for kind, quantity in (("write_off", 4), ("correction", -4)):
        with pytest.raises(ValidationError) as exc:
            catalog.record_stock(mall.db, mall.operator, item.id, kind, quantity, "丢失 lost")
        assert exc.value.message == "Only 3 left in stock."
    catalog.record_stock(mall.db, mall.operator, item.id, "write_off", 3, "丢失 lost")
    assert stock(mall, item.id) == 0
    assert len(stock_moves(mall, item.id)) == 2


@pytest.mark.parametrize("kind, quantity, reason", [
    ("restock", 0, "到货"), ("restock", 1_000_001, "到货"), ("restock", 1.0, "到货"), ("restock", True, "到货"),
    ("restock", 5, ""), ("restock", 5, " x "), ("restock", 5, "因" * 201),
    ("redemption", -1, "到货"), ("cancellation", 1, "到货"),
])
def test_a_stock_change_needs_a_quantity_a_reason_and_a_kind_staff_may_record(mall, kind, quantity, reason):
    """Bug: a reason over 200 characters crashed on PostgreSQL (the column is String(200))."""
    item = new_item(mall, stock=1)
    with pytest.raises(ValidationError):
        catalog.record_stock(mall.db, mall.operator, item.id, kind, quantity, reason)
    assert stock_moves(mall, item.id) == [("restock", 1, 1, "首批到货 first delivery")]


def test_stock_changes_are_refused_for_cashiers_unknown_and_unlimited_items(mall):
    item = new_item(mall, stock=1)
    with pytest.raises(PermissionDenied):
        catalog.record_stock(mall.db, mall.cashier, item.id, "restock", 1, "到货 delivery")
    with pytest.raises(NotFound):
        catalog.record_stock(mall.db, mall.operator, mall.operator.staff_id, "restock", 1, "到货 delivery")
    unlimited = new_item(mall, unlimited=True)
    with pytest.raises(ValidationError) as exc:
        catalog.record_stock(mall.db, mall.operator, unlimited.id, "restock", 1, "到货 delivery")
    assert exc.value.message == "This item has unlimited stock."
    catalog.record_stock(mall.db, mall.operator, item.id, "restock", 1, "长" * 200)


# -- check --------------------------------------------------------------------

def _redeemed_item(db, cashier, supervisor, operator):  # type: ignore[no-untyped-def]
    from pointsmall import purchases

    member = new_member(db, cashier)
    purchases.award_for_purchase(db, cashier, member_id=member.id, receipt_no="R-STOCK", amount_fen=100_000)
    item = catalog.save_item(db, operator, draft())
    catalog.record_stock(db, operator, item.id, "restock", 5, "到货 delivery")
    kept = redemption.redeem(db, cashier, member_id=member.id, item_id=item.id, quantity=2)
    undone = redemption.redeem(db, cashier, member_id=member.id, item_id=item.id)
    redemption.cancel(db, supervisor, undone.redemption_id, "取消 cancelled")
    report = check.run_check(db)
    assert report.ok, report.problems
    return item, kept


def test_check_detects_a_tampered_stock_count(db, cashier, supervisor, operator):
    item, _ = _redeemed_item(db, cashier, supervisor, operator)
    with db.write() as session:
        session.execute(text("UPDATE catalog_items SET stock = stock + 1 WHERE sku = :sku"), {"sku": item.sku})
    problems = check.run_check(db).problems
    assert problems == [f"item {item.sku}: stock 4 but its 4 entries (seq 4) sum to 3"]


def test_check_detects_a_redemption_that_did_not_move_stock(db, cashier, supervisor, operator):
    item, kept = _redeemed_item(db, cashier, supervisor, operator)
    drop_append_only_trigger(db, "stock_entries")
    with db.write() as session:
        session.execute(text("UPDATE stock_entries SET quantity = -1, stock_after = 4 WHERE kind = 'redemption' "
                             "AND quantity = -2"))
        session.execute(text("UPDATE catalog_items SET stock = 4 WHERE sku = :sku"), {"sku": item.sku})
    problems = check.run_check(db).problems
    assert problems == [f"redemption {kept.redemption_id} of 2: took 1 from stock, gave back 0"]
