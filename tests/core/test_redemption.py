"""Redeeming catalog items: every rule and refusal, lots, stock, idempotency, cancellation."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pointsmall import catalog, members, redemption, tiers, vouchers
from pointsmall.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pointsmall.models import PointEntry, Redemption, RedemptionCancellation
from pointsmall.redemption import Refusal

from .mall_support import (  # noqa: F401  (mall is a fixture)
    Mall,
    assert_clean,
    award,
    balance,
    draft,
    freeze_time,
    mall,
    member_with,
    new_item,
    open_lots,
    stock,
    stock_moves,
)
from .support import new_member

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 on 10 December in Shanghai


def redemptions_of(mall: Mall, member_id) -> int:  # type: ignore[no-untyped-def]
    with mall.db.read() as session:
        return session.scalar(select(func.count()).select_from(Redemption)
                              .where(Redemption.member_id == member_id)) or 0


def refused(mall: Mall, member, item, quantity: int = 1) -> str:  # type: ignore[no-untyped-def]
    """Try to redeem; assert it was refused without changing anything; return the message."""
    before = (balance(mall, member.id), stock(mall, item.id), redemptions_of(mall, member.id))
    with pytest.raises(Refusal) as exc:
        redemption.redeem(mall.db, mall.cashier, member_id=member.id, item_id=item.id, quantity=quantity)
    assert (balance(mall, member.id), stock(mall, item.id), redemptions_of(mall, member.id)) == before
    return exc.value.message


def redeem(mall: Mall, member, item, quantity: int = 1, **kw):  # type: ignore[no-untyped-def]
    return redemption.redeem(mall.db, mall.cashier, member_id=member.id, item_id=item.id, quantity=quantity, **kw)


# -- a redemption -------------------------------------------------------------

def test_a_redemption_debits_the_soonest_expiring_lots_and_takes_stock_with_an_entry(mall):
    m = member_with(mall)
    award(mall, m.id, 200, date(2025, 6, 10))  # to 2027-06-30, recorded first
    award(mall, m.id, 100, date(2025, 3, 10))  # to 2027-03-31
    award(mall, m.id, 50, date(2025, 4, 10))  # to 2027-04-30
    item = new_item(mall, stock=5, price_points=60, cash_fen=990)
    result = redeem(mall, m, item, 2)
    assert (result.points, result.cash_fen, result.quantity, result.balance, result.stock_left) == (120, 1980, 2, 230, 3)
    assert (result.item_name, result.member_name, result.repeated) == (item.name, m.name, False)
    assert vouchers.normalise_code(result.voucher_display) == result.voucher_code
    assert open_lots(mall, m.id) == [(date(2027, 4, 30), 30), (date(2027, 6, 30), 200)]
    assert stock(mall, item.id) == 3
    assert stock_moves(mall, item.id)[-1] == ("redemption", -2, 3, "")
    with mall.db.read() as session:
        entry = session.scalars(select(PointEntry).where(PointEntry.member_id == m.id)
                                .order_by(PointEntry.seq.desc()).limit(1)).one()
        assert (entry.kind, entry.points, entry.balance_after, entry.reference, entry.staff_id) == (
            "redeem", -120, 230, item.sku, mall.cashier.staff_id)
    assert_clean(mall.db)


def test_an_unlimited_item_takes_no_stock_and_has_no_stock_left(mall):
    m = member_with(mall, 300)
    item = new_item(mall, unlimited=True)
    result = redeem(mall, m, item, 3)
    assert (result.balance, result.stock_left) == (0, None)
    assert stock_moves(mall, item.id) == []
    assert_clean(mall.db)


def test_a_coupon_voucher_is_valid_for_its_days_from_the_store_day(mall, monkeypatch):
    freeze_time(monkeypatch, NOW)
    m = member_with(mall, 1000)
    coupon = new_item(mall, stock=10, kind="coupon", price_points=1000, face_value_fen=5000, validity_days=30)
    result = redeem(mall, m, coupon)
    assert result.voucher_expires_on == date(2027, 1, 8)  # 10 December is the first of its 30 days
    goods = new_item(mall, stock=1, price_points=1)
    award(mall, m.id, 1)
    assert redeem(mall, m, goods).voucher_expires_on is None


# -- refusals, in the member's words ----------------------------------------

def test_not_enough_points_says_how_many_more(mall):
    m = member_with(mall, 200)
    item = new_item(mall, stock=5, price_points=520)
    assert refused(mall, m, item) == "Not enough points: 320 more are needed."
    cheaper = new_item(mall, stock=5, price_points=70)
    assert refused(mall, m, cheaper, 3) == "Not enough points: 10 more are needed."


def test_the_daily_limit_counts_the_store_day_and_resets_the_next(mall, monkeypatch):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=10, daily_limit=1)
    freeze_time(monkeypatch, datetime(2026, 12, 10, 15, 30, tzinfo=timezone.utc))  # 23:30 in Shanghai
    redeem(mall, m, item)
    assert refused(mall, m, item) == "Each member can redeem at most 1 a day."
    other = member_with(mall, 1000)
    redeem(mall, other, item)  # the limit is per member
    freeze_time(monkeypatch, datetime(2026, 12, 10, 16, 30, tzinfo=timezone.utc))  # 00:30 the next day there
    redeem(mall, m, item)
    assert refused(mall, m, item) == "Each member can redeem at most 1 a day."


def test_the_daily_limit_counts_pieces_not_redemptions(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=10, daily_limit=3)
    redeem(mall, m, item, 2)
    assert refused(mall, m, item, 2) == "Each member can redeem at most 3 a day."
    redeem(mall, m, item, 1)


def test_the_per_member_total_limit_spans_days(mall, monkeypatch):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=10, member_limit=2)
    freeze_time(monkeypatch, NOW)
    redeem(mall, m, item)
    freeze_time(monkeypatch, NOW + timedelta(days=40))
    assert refused(mall, m, item, 2) == "Each member can redeem at most 2 in total."
    redeem(mall, m, item)
    assert refused(mall, m, item) == "Each member can redeem at most 2 in total."


def test_the_per_order_limit(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=10, per_order_limit=2)
    assert refused(mall, m, item, 3) == "At most 2 per redemption."
    redeem(mall, m, item, 2)


def test_a_cancelled_redemption_no_longer_counts_towards_the_limits(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=10, daily_limit=1, member_limit=1)
    first = redeem(mall, m, item)
    assert refused(mall, m, item) == "Each member can redeem at most 1 a day."
    redemption.cancel(mall.db, mall.supervisor, first.redemption_id, "顾客改主意 changed their mind")
    redeem(mall, m, item)


def test_the_minimum_tier_names_the_tier_and_a_manual_tier_counts(mall):
    m = member_with(mall, 500)
    item = new_item(mall, stock=5, min_tier_rank=2)
    with pytest.raises(Refusal) as exc:
        redeem(mall, m, item)
    assert exc.value.message == "Only Gold members and above can redeem this."
    assert exc.value.params["tier"] == "金卡会员"  # the Chinese template shows 金卡会员及以上可兑
    tiers.set_manual_tier(mall.db, mall.operator, m.id, "gold", reason="开业活动 opening promotion",
                          until=date.today() + timedelta(days=30))
    redeem(mall, m, item)
    diamond = new_item(mall, stock=5, min_tier_rank=3)
    assert refused(mall, m, diamond) == "Only Diamond members and above can redeem this."


def test_the_availability_window_is_shown_in_store_days(mall, monkeypatch):
    """Bug: the window's days were the UTC dates of its instants, a day early for a Shanghai midnight."""
    freeze_time(monkeypatch, NOW)
    m = member_with(mall, 1000)
    # Opens at midnight on 1 January in Shanghai (16:00 UTC on 31 December).
    soon = new_item(mall, stock=5, available_from=datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc))
    assert refused(mall, m, soon) == "This item can be redeemed from 2027-01-01."
    # Ended at 04:00 on 1 December in Shanghai (20:00 UTC on 30 November): the last day was 1 December.
    gone = new_item(mall, stock=5, available_until=datetime(2026, 11, 30, 20, 0, tzinfo=timezone.utc))
    assert refused(mall, m, gone) == "This item could be redeemed until 2026-12-01."
    # Ended exactly at midnight, Shanghai: the last day was the day before.
    midnight = new_item(mall, stock=5, available_until=datetime(2026, 12, 9, 16, 0, tzinfo=timezone.utc))
    assert refused(mall, m, midnight) == "This item could be redeemed until 2026-12-09."
    inside = new_item(mall, stock=5, available_from=NOW - timedelta(hours=1), available_until=NOW + timedelta(hours=1))
    redeem(mall, m, inside)


def test_an_inactive_item_is_refused(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5, active=False)
    assert refused(mall, m, item) == "This item is no longer offered."


def test_out_of_stock_and_only_n_left(mall):
    m = member_with(mall, 1000)
    empty = new_item(mall)
    assert refused(mall, m, empty) == "Out of stock."
    few = new_item(mall, stock=2)
    assert refused(mall, m, few, 3) == "Only 2 left."
    redeem(mall, m, few, 2)
    assert refused(mall, m, few) == "Out of stock."


def test_a_frozen_member_is_refused(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5)
    members.set_status(mall.db, mall.supervisor, m.id, "frozen", "挂失 card reported lost")
    assert refused(mall, m, item) == "This member's account is frozen; points cannot change."


def test_the_quantity_must_be_1_to_999(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5)
    for quantity in (0, -1, 1000, True):
        with pytest.raises(ValidationError):
            redeem(mall, m, item, quantity)


def test_unknown_member_or_item(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5)
    with pytest.raises(NotFound):
        redemption.redeem(mall.db, mall.cashier, member_id=item.id, item_id=item.id)
    with pytest.raises(NotFound):
        redemption.redeem(mall.db, mall.cashier, member_id=m.id, item_id=m.id)


def test_an_operator_may_not_redeem(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5)
    with pytest.raises(PermissionDenied):
        redemption.redeem(mall.db, mall.operator, member_id=m.id, item_id=item.id)


def test_eligibility_gives_each_items_reason_for_the_grid(mall):
    m = member_with(mall, 150)
    ok = new_item(mall, stock=5, price_points=100)
    dear = new_item(mall, stock=5, price_points=400)
    gold = new_item(mall, stock=5, min_tier_rank=2)
    empty = new_item(mall)
    result = redemption.eligibility(mall.db, mall.cashier, m.id, [ok, dear, gold, empty])
    assert [(e.allowed, e.refusal.message if e.refusal else None) for e in result] == [
        (True, None), (False, "Not enough points: 250 more are needed."),
        (False, "Only Gold members and above can redeem this."), (False, "Out of stock.")]


# -- the same request twice -------------------------------------------------

def test_a_repeated_request_id_redeems_once(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5)
    first = redeem(mall, m, item, request_id="till-1-0001")
    again = redeem(mall, m, item, request_id="till-1-0001")
    assert again.repeated and not first.repeated
    assert (again.redemption_id, again.voucher_code) == (first.redemption_id, first.voucher_code)
    assert (balance(mall, m.id), stock(mall, item.id), redemptions_of(mall, m.id)) == (900, 4, 1)
    with pytest.raises(Conflict):
        redeem(mall, m, item, 2, request_id="till-1-0001")
    with pytest.raises(ValidationError):
        redeem(mall, m, item, request_id="x" * 65)  # would not fit the column on PostgreSQL
    assert_clean(mall.db)


# -- cancellation -------------------------------------------------------------

def test_cancelling_returns_points_to_lots_with_their_original_expiry_and_the_stock_once(mall):
    m = member_with(mall)
    award(mall, m.id, 200, date(2025, 6, 10))
    award(mall, m.id, 100, date(2025, 3, 10))
    award(mall, m.id, 50, date(2025, 4, 10))
    item = new_item(mall, stock=5, price_points=120)
    done = redeem(mall, m, item)
    assert open_lots(mall, m.id) == [(date(2027, 4, 30), 30), (date(2027, 6, 30), 200)]
    result = redemption.cancel(mall.db, mall.supervisor, done.redemption_id, "  拿错了 wrong item  ")
    assert (result.points_returned, result.balance, result.stock_left) == (120, 350, 5)
    # 100 back to a lot ending 2027-03-31 and 20 to one ending 2027-04-30, beside the 30 left there.
    assert open_lots(mall, m.id) == [(date(2027, 3, 31), 100), (date(2027, 4, 30), 30), (date(2027, 4, 30), 20),
                                     (date(2027, 6, 30), 200)]
    assert stock_moves(mall, item.id)[-2:] == [("redemption", -1, 4, ""), ("cancellation", 1, 5, "拿错了 wrong item")]
    with pytest.raises(Conflict) as exc:
        redemption.cancel(mall.db, mall.supervisor, done.redemption_id, "again")
    assert exc.value.message == "This redemption was already cancelled."
    assert (balance(mall, m.id), stock(mall, item.id)) == (350, 5)
    with mall.db.read() as session:
        kinds = list(session.scalars(select(PointEntry.kind).where(PointEntry.member_id == m.id)
                                     .order_by(PointEntry.seq)))
        cancelled = session.get(RedemptionCancellation, done.redemption_id)
        assert cancelled is not None and cancelled.staff_id == mall.supervisor.staff_id
    assert kinds == ["earn", "earn", "earn", "redeem", "redeem_cancel"]
    assert_clean(mall.db)


def test_the_returned_points_spend_first_again(mall):
    m = member_with(mall)
    award(mall, m.id, 100, date(2025, 3, 10))
    award(mall, m.id, 100, date(2025, 9, 10))
    item = new_item(mall, stock=5, price_points=150)
    done = redeem(mall, m, item)
    redemption.cancel(mall.db, mall.supervisor, done.redemption_id, "退回 returned")
    redeem(mall, m, new_item(mall, stock=1, price_points=120))
    assert open_lots(mall, m.id) == [(date(2027, 9, 30), 30), (date(2027, 9, 30), 50)]


def test_a_cashier_may_not_cancel(mall):
    m = member_with(mall, 100)
    done = redeem(mall, m, new_item(mall, stock=1))
    with pytest.raises(PermissionDenied) as exc:
        redemption.cancel(mall.db, mall.cashier, done.redemption_id, "顾客要求 asked by the member")
    assert exc.value.message == "Your role (cashier) may not cancel redemptions."
    assert balance(mall, m.id) == 0


def test_a_cancellation_needs_a_reason_that_fits(mall):
    """Bug: a reason over 200 characters crashed on PostgreSQL (the column is String(200))."""
    m = member_with(mall, 100)
    item = new_item(mall, stock=1)
    done = redeem(mall, m, item)
    for reason in ("", "   ", "x", "原" * 201):
        with pytest.raises(ValidationError):
            redemption.cancel(mall.db, mall.supervisor, done.redemption_id, reason)
    redemption.cancel(mall.db, mall.supervisor, done.redemption_id, "原" * 200)
    assert (balance(mall, m.id), stock(mall, item.id)) == (100, 1)


def test_a_redemption_can_be_cancelled_only_within_the_cancel_days(mall, monkeypatch):
    m = member_with(mall, 300)
    item = new_item(mall, stock=5)
    freeze_time(monkeypatch, NOW)
    old = redeem(mall, m, item)
    recent = redeem(mall, m, item)
    freeze_time(monkeypatch, NOW + timedelta(days=7, seconds=1))
    with pytest.raises(ValidationError) as exc:
        redemption.cancel(mall.db, mall.supervisor, old.redemption_id, "太晚 too late")
    assert exc.value.message == "Redemptions can only be cancelled within 7 days."
    freeze_time(monkeypatch, NOW + timedelta(days=6, hours=23))
    redemption.cancel(mall.db, mall.supervisor, recent.redemption_id, "还来得及 in time")
    assert balance(mall, m.id) == 200


def test_a_redemption_whose_voucher_was_used_cannot_be_cancelled(mall):
    m = member_with(mall, 1000)
    coupon = new_item(mall, stock=5, kind="coupon", price_points=500, face_value_fen=2000, validity_days=30)
    done = redeem(mall, m, coupon)
    vouchers.write_off(mall.db, mall.cashier, done.voucher_display)
    with pytest.raises(Conflict) as exc:
        redemption.cancel(mall.db, mall.supervisor, done.redemption_id, "想退 wants a refund")
    assert exc.value.message == "The voucher of this redemption was already used; it cannot be cancelled."
    assert (balance(mall, m.id), stock(mall, coupon.id)) == (500, 4)


def test_cancelling_returns_the_stock_the_redemption_took_even_if_the_item_changed_since(mall):
    """Bug: cancelling looked at whether the item is unlimited now, not whether the redemption took stock.

    An item switched to unlimited kept the piece, and one switched from
    unlimited got a piece back that was never taken (and check then failed).
    """
    m = member_with(mall, 1000)
    limited = new_item(mall, stock=3)
    took = redeem(mall, m, limited)
    catalog.save_item(mall.db, mall.operator, draft(sku=limited.sku, unlimited=True), limited.id)
    assert redemption.cancel(mall.db, mall.supervisor, took.redemption_id, "改为不限量后取消").stock_left is None
    assert stock(mall, limited.id) == 3
    unlimited = new_item(mall, unlimited=True)
    free = redeem(mall, m, unlimited)
    catalog.save_item(mall.db, mall.operator, draft(sku=unlimited.sku), unlimited.id)
    catalog.record_stock(mall.db, mall.operator, unlimited.id, "restock", 2, "改为限量 now counted")
    assert redemption.cancel(mall.db, mall.supervisor, free.redemption_id, "取消 cancelled").stock_left == 2
    assert stock_moves(mall, unlimited.id) == [("restock", 2, 2, "改为限量 now counted")]
    assert_clean(mall.db)


def test_cancel_unknown_redemption(mall):
    with pytest.raises(NotFound):
        redemption.cancel(mall.db, mall.supervisor, new_item(mall).id, "不存在 unknown")


def test_history_of_a_member_and_a_store(mall):
    m = member_with(mall, 1000)
    item = new_item(mall, stock=5, kind="coupon", face_value_fen=500, validity_days=7)
    used = redeem(mall, m, item)
    undone = redeem(mall, m, item)
    kept = redeem(mall, m, item)
    vouchers.write_off(mall.db, mall.cashier, used.voucher_code)
    redemption.cancel(mall.db, mall.supervisor, undone.redemption_id, "取消 cancelled")
    rows = redemption.history(mall.db, mall.cashier, member_id=m.id)
    assert [(r.id, r.cancelled, r.written_off) for r in rows] == [
        (kept.redemption_id, False, False), (undone.redemption_id, True, False), (used.redemption_id, False, True)]
    assert rows[0].voucher_code == kept.voucher_display and rows[0].member_name == m.name
    store = redemption.history(mall.db, mall.cashier, store_id=mall.cashier.store_id, limit=500)
    assert {r.id for r in rows} <= {r.id for r in store}
    assert_clean(mall.db)


def test_an_unrelated_member_keeps_their_balance(mall):
    a, b = member_with(mall, 300), new_member(mall.db, mall.cashier)
    redeem(mall, a, new_item(mall, stock=1, price_points=300))
    assert (balance(mall, a.id), balance(mall, b.id)) == (0, 0)
