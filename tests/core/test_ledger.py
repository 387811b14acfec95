"""The ledger: entries, lots spent soonest-expiring first, expiry, append-only tables."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from pointsmall import adjustments, ledger, members, purchases
from pointsmall.errors import InsufficientPoints
from pointsmall.models import APPEND_ONLY_TABLES, LotDraw, PointEntry

from .support import assert_clean, at, entries, lots, member_row, new_member, row_counts


def award(db, actor, member, receipt, amount_fen, day):
    return purchases.award_for_purchase(db, actor, member_id=member.id, receipt_no=receipt,
                                        amount_fen=amount_fen, now=at(day))


def spend(db, supervisor, member, points):
    return adjustments.adjust_points(db, supervisor, member_id=member.id, points=-points,
                                     reason_category="correction", note="spent at the counter")


def draws_of(db, entry_id):
    with db.read() as session:
        return {lot: pts for lot, pts in session.execute(
            select(LotDraw.lot_id, LotDraw.points).where(LotDraw.entry_id == entry_id))}


def test_lot_expiry_is_the_end_of_the_month_two_years_on():
    assert ledger.lot_expiry(date(2025, 1, 15), 24) == date(2027, 1, 31)
    assert ledger.lot_expiry(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert ledger.lot_expiry(date(2025, 12, 31), 1) == date(2026, 1, 31)


def test_entries_record_who_where_when_and_the_balance_after(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 12_345, date(2025, 3, 10))
    spend(db, supervisor, m, 23)
    earn, adjust = entries(db, m.id)
    assert (earn.seq, earn.kind, earn.points, earn.balance_after, earn.reference) == (1, "earn", 123, 123, "R-1")
    assert (earn.staff_id, earn.store_id, earn.business_day) == (cashier.staff_id, "S001", date(2025, 3, 10))
    assert (adjust.seq, adjust.kind, adjust.points, adjust.balance_after) == (2, "adjust", -23, 100)
    assert (adjust.staff_id, adjust.reason_category, adjust.note) == (supervisor.staff_id, "correction",
                                                                      "spent at the counter")
    lot, = lots(db, m.id)
    assert (lot.id, lot.entry_id, lot.points, lot.remaining, lot.expires_on) == (
        earn.id, earn.id, 123, 100, date(2027, 3, 31))
    assert_clean(db)


def test_the_expiry_follows_the_business_day_in_store_time(db, cashier):
    m = new_member(db, cashier)
    # 16:30 UTC on 31 January is already 1 February in Shanghai.
    purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-1", amount_fen=10_000,
                                 now=datetime(2025, 1, 31, 16, 30, tzinfo=timezone.utc))
    assert lots(db, m.id)[0].expires_on == date(2027, 2, 28)


def test_lots_are_spent_soonest_expiring_first(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "LATE", 20_000, date(2025, 6, 10))  # 200 points to 2027-06-30, recorded first
    award(db, cashier, m, "EARLY", 10_000, date(2025, 3, 10))  # 100 points to 2027-03-31
    award(db, cashier, m, "MIDDLE", 5_000, date(2025, 4, 10))  # 50 points to 2027-04-30
    first = spend(db, supervisor, m, 120)
    by_expiry = lots(db, m.id)
    assert [(lot.expires_on, lot.remaining) for lot in by_expiry] == [
        (date(2027, 3, 31), 0), (date(2027, 4, 30), 30), (date(2027, 6, 30), 200)]
    assert draws_of(db, first.entry_id) == {by_expiry[0].id: 100, by_expiry[1].id: 20}
    second = spend(db, supervisor, m, 100)
    assert draws_of(db, second.entry_id) == {by_expiry[1].id: 30, by_expiry[2].id: 70}
    assert [lot.remaining for lot in lots(db, m.id)] == [0, 0, 130]
    assert member_row(db, m.id).balance == 130
    assert_clean(db)


def test_a_spend_beyond_the_balance_is_refused_and_changes_nothing(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 10_000, date(2025, 3, 10))
    before = row_counts(db)
    with pytest.raises(InsufficientPoints) as err:
        spend(db, supervisor, m, 101)
    assert "100" in err.value.message and "1 more" in err.value.message
    assert row_counts(db) == before
    assert [lot.remaining for lot in lots(db, m.id)] == [100]
    spend(db, supervisor, m, 100)  # exactly the balance is fine
    assert member_row(db, m.id).balance == 0
    assert_clean(db)


def test_a_refund_takes_from_the_purchases_own_lot_first(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "EARLY", 10_000, date(2025, 3, 10))  # expires first
    award(db, cashier, m, "LATE", 20_000, date(2025, 6, 10))
    result = purchases.refund_purchase(db, supervisor, receipt_no="LATE", refund_no="F-1", amount_fen=10_000)
    assert result.points_reversed == 100
    early, late = lots(db, m.id)
    assert (early.remaining, late.remaining) == (100, 100)
    assert draws_of(db, entries(db, m.id)[-1].id) == {late.id: 100}
    assert_clean(db)


def test_a_refund_whose_lot_was_partly_spent_takes_the_rest_soonest_expiring_first(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "A", 10_000, date(2025, 3, 10))  # 100 to 2027-03
    award(db, cashier, m, "B", 10_000, date(2025, 4, 10))  # 100 to 2027-04
    award(db, cashier, m, "C", 20_000, date(2025, 2, 10))  # 200 to 2027-02: spent first
    spend(db, supervisor, m, 250)  # C: 200, A: 50
    purchases.refund_purchase(db, supervisor, receipt_no="A", refund_no="F-1", amount_fen=10_000)
    c, a, b = lots(db, m.id)
    assert (c.remaining, a.remaining, b.remaining) == (0, 0, 50)
    assert draws_of(db, entries(db, m.id)[-1].id) == {a.id: 50, b.id: 50}
    assert member_row(db, m.id).balance == 50
    assert_clean(db)


def test_expiry_expires_only_lots_past_their_last_day_and_only_once(db, cashier, supervisor, operator):
    m = new_member(db, cashier)
    other = new_member(db, cashier)
    award(db, cashier, m, "OLD", 10_000, date(2023, 1, 10))  # 100 points, last day 2025-01-31
    award(db, cashier, m, "NEW", 20_000, date(2023, 6, 10))  # 200 points, last day 2025-06-30
    award(db, cashier, other, "O-1", 5_000, date(2023, 1, 20))  # 50 points, last day 2025-01-31
    spend(db, supervisor, m, 30)  # from the old lot
    assert ledger.expire_lots(db, operator, as_of=date(2025, 1, 31)).points == 0  # the last day is still valid

    report = ledger.expire_lots(db, operator, as_of=date(2025, 2, 1))
    assert (report.members, report.points) == (2, 70 + 50)
    assert member_row(db, m.id).balance == 200
    assert member_row(db, other.id).balance == 0
    expiry = entries(db, m.id)[-1]
    assert (expiry.kind, expiry.points, expiry.balance_after) == ("expire", -70, 200)
    assert [lot.remaining for lot in lots(db, m.id)] == [0, 200]

    before = row_counts(db)
    again = ledger.expire_lots(db, operator, as_of=date(2025, 2, 1))
    assert (again.members, again.points) == (0, 0)
    assert row_counts(db) == before
    assert_clean(db)


def test_expiry_in_small_batches_reaches_every_member(db, cashier, operator):
    people = [new_member(db, cashier) for _ in range(5)]
    for i, m in enumerate(people):
        award(db, cashier, m, f"R-{i}", 1_000 * (i + 1), date(2023, 1, 10))
    report = ledger.expire_lots(db, operator, as_of=date(2025, 2, 1), batch=2)
    assert (report.members, report.points) == (5, sum(10 * (i + 1) for i in range(5)))
    assert all(member_row(db, m.id).balance == 0 for m in people)
    assert_clean(db)


def test_next_expiring_shows_the_soonest_date_with_its_points(db, cashier, supervisor):
    m = new_member(db, cashier)
    assert members.get_member(db, supervisor, m.id).expiring is None
    award(db, cashier, m, "R-1", 10_000, date(2025, 3, 5))
    award(db, cashier, m, "R-2", 20_000, date(2025, 3, 25))  # same month: same last day
    award(db, cashier, m, "R-3", 40_000, date(2025, 5, 1))
    with db.read() as session:
        assert ledger.next_expiring(session, m.id) == ledger.ExpiringPoints(100 + 200, date(2027, 3, 31))
    spend(db, supervisor, m, 310)
    view = members.get_member(db, supervisor, m.id)
    assert view.expiring == ledger.ExpiringPoints(390, date(2027, 5, 31))


def test_entries_for_lists_newest_first_with_their_expiry(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 10_000, date(2025, 3, 10))
    spend(db, supervisor, m, 10)
    with db.read() as session:
        listed = ledger.entries_for(session, m.id)
        assert ledger.count_entries(session, m.id) == 2
    assert [(e.kind, e.points, e.expires_on) for e in listed] == [
        ("adjust", -10, None), ("earn", 100, date(2027, 3, 31))]


# -- append-only -------------------------------------------------------------

@pytest.fixture
def history(db, cashier, supervisor):
    """At least one row in every append-only table."""
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 100_000, date(2025, 3, 10))  # a tier change too
    purchases.refund_purchase(db, supervisor, receipt_no="R-1", refund_no="F-1", amount_fen=10_000)
    return m


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_raw_update_and_delete_are_refused_by_the_database(db, history, table):
    column = {"point_entries": "points", "lot_draws": "points", "purchases": "amount_fen",
              "refunds": "amount_fen", "tier_changes": "reason", "audit_log": "after"}[table]
    value = "'x'" if column in ("reason", "after") else "0"
    before = row_counts(db)
    assert before[table] > 0
    for statement in (f"UPDATE {table} SET {column} = {value}", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.write() as session:
                session.execute(text(statement))
    assert row_counts(db) == before
    assert_clean(db)


def test_point_entries_cannot_be_edited_through_the_orm_either(db, history):
    with pytest.raises(DBAPIError, match="append-only"):
        with db.write() as session:
            entry = session.scalars(select(PointEntry).limit(1)).one()
            entry.points += 1000
    assert_clean(db)
