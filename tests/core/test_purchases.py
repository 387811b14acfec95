"""Points for purchases: the earning formula, campaigns, repeats and refunds."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pointsmall import adjustments, campaigns, members, purchases, rules
from pointsmall.errors import Conflict, NotFound, ValidationError
from pointsmall.models import Purchase, Refund

from .support import assert_clean, at, count, entries, lots, member_row, new_member, row_counts

SHANGHAI = ZoneInfo("Asia/Shanghai")


def award(db, actor, member, receipt, amount_fen, now=None):
    return purchases.award_for_purchase(db, actor, member_id=member.id, receipt_no=receipt,
                                        amount_fen=amount_fen, now=now)


def refund(db, actor, receipt, refund_no, amount_fen, now=None):
    return purchases.refund_purchase(db, actor, receipt_no=receipt, refund_no=refund_no,
                                     amount_fen=amount_fen, now=now)


# -- the earning formula -----------------------------------------------------

@pytest.mark.parametrize(("amount_fen", "points"), [
    (12_345, 123),  # ¥123.45 -> 123.45 points, rounded down
    (199, 1),
    (100, 1),
    (99, 0),
    (1, 0),
])
def test_regular_members_earn_one_point_per_yuan_rounded_down(db, cashier, amount_fen, points):
    m = new_member(db, cashier)
    result = award(db, cashier, m, "R-1", amount_fen)
    assert (result.points, result.balance, result.repeated) == (points, points, False)
    assert len(entries(db, m.id)) == (1 if points else 0)  # no zero-point ledger entry
    assert count(db, Purchase) == 1
    assert_clean(db)


def test_the_tier_multiplier_applies_with_the_tier_before_the_purchase(db, cashier):
    m = new_member(db, cashier)
    first = award(db, cashier, m, "R-1", 100_000)  # ¥1,000 crosses Silver's threshold
    assert (first.points, first.tier_before.code, first.tier_after.code, first.tier_up) == (
        1000, "regular", "silver", True)
    second = award(db, cashier, m, "R-2", 12_345)  # Silver: 123.45 x 1.2 = 148.14
    assert (second.points, second.tier_up) == (148, False)
    third = award(db, cashier, m, "R-3", 400_000)  # ¥5,000 in total: Gold from now on
    assert (third.points, third.tier_after.code) == (4800, "gold")
    fourth = award(db, cashier, m, "R-4", 12_345)  # Gold: 123.45 x 1.5 = 185.175
    assert fourth.points == 185
    assert fourth.balance == 1000 + 148 + 4800 + 185
    assert_clean(db)


def test_the_base_rate_is_configurable(db, cashier, operator):
    rules.update_rules(db, operator, base_rate_permille=2500)
    m = new_member(db, cashier)
    assert award(db, cashier, m, "R-1", 12_345).points == 308  # 123.45 x 2.5 = 308.625


def test_amounts_are_validated(db, cashier):
    m = new_member(db, cashier)
    before = row_counts(db)
    for bad in (0, -100, 10_000_001, 12.5, True):
        with pytest.raises(ValidationError):
            award(db, cashier, m, "R-1", bad)
    for receipt in ("", "has space", "x" * 65):
        with pytest.raises(ValidationError):
            award(db, cashier, m, receipt, 100)
    assert row_counts(db) == before


# -- campaigns ---------------------------------------------------------------

@pytest.fixture
def double_eleven(db, operator):
    return campaigns.save_campaign(db, operator, name="双11", starts_on=date(2025, 11, 1),
                                   ends_on=date(2025, 11, 11), multiplier_permille=5000, tier_codes=("gold",))


def make_gold(db, cashier, member, receipt="GOLD"):
    result = award(db, cashier, member, receipt, 500_000, now=at(date(2025, 10, 1)))
    assert result.tier_after.code == "gold"
    return result


def test_double_eleven_gold_members_earn_five_times(db, cashier, double_eleven):
    gold, silver = new_member(db, cashier), new_member(db, cashier)
    make_gold(db, cashier, gold)
    assert award(db, cashier, silver, "S-0", 100_000, now=at(date(2025, 10, 1))).tier_after.code == "silver"

    inside = award(db, cashier, gold, "R-1", 10_000, now=at(date(2025, 11, 11)))
    assert (inside.points, inside.campaigns) == (750, ("双11",))  # 100 x 1.5 x 5
    first_day = award(db, cashier, gold, "R-2", 10_000, now=datetime(2025, 11, 1, 0, 5, tzinfo=SHANGHAI))
    assert first_day.points == 750
    # Another tier on the same day earns its usual points.
    other_tier = award(db, cashier, silver, "S-1", 10_000, now=at(date(2025, 11, 11)))
    assert (other_tier.points, other_tier.campaigns) == (120, ())


@pytest.mark.parametrize("when", [
    datetime(2025, 10, 31, 23, 59, tzinfo=SHANGHAI),  # the evening before
    datetime(2025, 11, 12, 0, 30, tzinfo=SHANGHAI),  # 16:30 UTC on the 11th, but the 12th at the store
])
def test_campaigns_do_not_apply_outside_their_window_in_store_time(db, cashier, double_eleven, when):
    gold = new_member(db, cashier)
    make_gold(db, cashier, gold)
    result = award(db, cashier, gold, "R-1", 10_000, now=when)
    assert (result.points, result.campaigns) == (150, ())
    assert_clean(db)


def test_campaigns_multiply_together_and_inactive_ones_do_not_count(db, cashier, operator, double_eleven):
    campaigns.save_campaign(db, operator, name="店庆", starts_on=date(2025, 11, 10), ends_on=date(2025, 11, 20),
                            multiplier_permille=2000)  # every tier
    campaigns.save_campaign(db, operator, name="停用", starts_on=date(2025, 11, 1), ends_on=date(2025, 11, 30),
                            multiplier_permille=3000, active=False)
    gold, regular = new_member(db, cashier), new_member(db, cashier)
    make_gold(db, cashier, gold)
    both = award(db, cashier, gold, "R-1", 10_001, now=at(date(2025, 11, 11)))
    assert both.points == 1500  # 100.01 x 1.5 x 5 x 2 = 1500.15, rounded down once at the end
    assert set(both.campaigns) == {"双11", "店庆"}
    assert award(db, cashier, regular, "R-2", 10_000, now=at(date(2025, 11, 11))).points == 200
    assert award(db, cashier, regular, "R-3", 10_000, now=at(date(2025, 11, 21))).points == 100


def test_editing_a_campaign_changes_what_it_applies_to(db, cashier, operator, double_eleven):
    gold = new_member(db, cashier)
    make_gold(db, cashier, gold)
    campaigns.save_campaign(db, operator, campaign_id=double_eleven.id, name="双11", starts_on=date(2025, 11, 1),
                            ends_on=date(2025, 11, 11), multiplier_permille=5000, tier_codes=("gold",),
                            active=False)
    assert award(db, cashier, gold, "R-1", 10_000, now=at(date(2025, 11, 11))).points == 150


# -- one receipt earns once --------------------------------------------------

def test_the_same_receipt_twice_gives_the_first_result(db, cashier):
    m = new_member(db, cashier)
    first = award(db, cashier, m, "R-1", 12_345)
    before = row_counts(db)
    again = award(db, cashier, m, "R-1", 12_345)
    assert again.repeated and not first.repeated
    assert (again.points, again.balance, again.receipt_no) == (123, 123, "R-1")
    assert row_counts(db) == before  # nothing new: no entry, no purchase, no audit record
    assert member_row(db, m.id).balance == 123


def test_the_same_receipt_with_another_amount_or_member_is_a_conflict(db, cashier):
    m, other = new_member(db, cashier), new_member(db, cashier)
    award(db, cashier, m, "R-1", 12_345)
    before = row_counts(db)
    with pytest.raises(Conflict) as err:
        award(db, cashier, m, "R-1", 12_300)
    assert "R-1" in err.value.message and "123" in err.value.message
    with pytest.raises(Conflict):
        award(db, cashier, other, "R-1", 12_345)
    assert row_counts(db) == before
    assert (member_row(db, m.id).balance, member_row(db, other.id).balance) == (123, 0)


def test_award_for_an_unknown_member_is_not_found(db, cashier):
    import uuid

    before = row_counts(db)
    with pytest.raises(NotFound):
        purchases.award_for_purchase(db, cashier, member_id=uuid.uuid4(), receipt_no="R-1", amount_fen=100)
    assert row_counts(db) == before


# -- refunds -----------------------------------------------------------------

def test_refund_in_full_takes_back_every_point(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 12_345)
    result = refund(db, supervisor, "R-1", "F-1", 12_345)
    assert (result.points_reversed, result.balance, result.flagged_for_review, result.repeated) == (
        123, 0, False, False)
    kinds = [(e.kind, e.points, e.balance_after) for e in entries(db, m.id)]
    assert kinds == [("earn", 123, 123), ("refund_reversal", -123, 0)]
    assert_clean(db)


def test_partial_refunds_are_proportional_and_add_up_to_exactly_the_points_earned(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 10_000)  # 100 points
    steps = [(3_333, 33), (3_333, 33), (3_334, 34)]
    for i, (amount, points) in enumerate(steps):
        assert refund(db, supervisor, "R-1", f"F-{i}", amount).points_reversed == points
    assert member_row(db, m.id).balance == 0
    assert_clean(db)


@pytest.mark.parametrize("parts", [[1, 1, 1], [1, 2], [2, 1], [1, 1, 1, 1, 1, 1, 1]])
def test_cumulative_partial_refunds_never_drift(db, cashier, supervisor, parts):
    """With 7 points on a ¥N purchase, no split of the refund takes back more or less than 7."""
    m = new_member(db, cashier)
    unit = 750 // sum(parts)
    total = unit * sum(parts)  # ¥7.xx: 7 points
    purchases.award_for_purchase(db, cashier, member_id=m.id, receipt_no="R-1", amount_fen=total)
    earned = total // 100
    assert earned == 7
    taken = [refund(db, supervisor, "R-1", f"F-{i}", unit * p).points_reversed for i, p in enumerate(parts)]
    assert sum(taken) == earned
    assert all(t >= 0 for t in taken)
    assert member_row(db, m.id).balance == 0
    assert_clean(db)


def test_refund_over_the_purchase_is_refused(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 10_000)
    with pytest.raises(ValidationError):
        refund(db, supervisor, "R-1", "F-0", 10_001)
    refund(db, supervisor, "R-1", "F-1", 6_666)
    before = row_counts(db)
    with pytest.raises(ValidationError) as err:
        refund(db, supervisor, "R-1", "F-2", 3_335)
    assert "33.34" in err.value.message  # what is left to refund
    assert row_counts(db) == before
    assert count(db, Refund) == 1


def test_refund_of_an_unknown_receipt_is_not_found(db, supervisor):
    with pytest.raises(NotFound):
        refund(db, supervisor, "NOPE", "F-1", 100)


def test_the_same_refund_twice_is_recorded_once(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 10_000)
    first = refund(db, supervisor, "R-1", "F-1", 10_000)
    before = row_counts(db)
    again = refund(db, supervisor, "R-1", "F-1", 10_000)  # a retried click after the full refund
    assert again.repeated and (again.points_reversed, again.balance) == (100, 0)
    assert not first.repeated
    assert row_counts(db) == before
    with pytest.raises(Conflict):
        refund(db, supervisor, "R-1", "F-1", 5_000)
    assert count(db, Refund) == 1


def test_refund_after_the_points_were_spent_goes_negative_and_flags_the_member(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 30_000)
    adjustments.adjust_points(db, supervisor, member_id=m.id, points=-250, reason_category="correction",
                              note="spent at the counter")
    result = refund(db, supervisor, "R-1", "F-1", 30_000)
    assert (result.points_reversed, result.balance, result.flagged_for_review) == (300, -250, True)
    row = member_row(db, m.id)
    assert (row.balance, row.needs_review) == (-250, True)  # never floored at zero
    assert "F-1" in row.review_reason and "R-1" in row.review_reason
    assert_clean(db)
    with pytest.raises(ValidationError):
        members.resolve_review(db, supervisor, m.id, note="checked")
    # Points that arrive later first repay the debt; the rest opens a lot.
    adjustments.adjust_points(db, supervisor, member_id=m.id, points=300, reason_category="goodwill",
                              note="customer paid the points back")
    assert [lot.remaining for lot in lots(db, m.id) if lot.remaining] == [50]
    assert_clean(db)
    view = members.resolve_review(db, supervisor, m.id, note="customer paid back")
    assert (view.needs_review, view.review_reason, view.balance) == (False, None, 50)
    assert_clean(db)


def test_refund_reduces_growth_but_does_not_downgrade_at_once(db, cashier, supervisor):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 100_000)
    refund(db, supervisor, "R-1", "F-1", 50_000)
    view = members.get_member(db, supervisor, m.id)
    assert (view.tier.code, view.progress.growth) == ("silver", 50_000)


def test_longest_receipt_and_refund_numbers_are_recorded(db, cashier, supervisor):
    """Bug: the reversal's reference was "<receipt>/<refund>", up to 129
    characters in a 128-character column, so on PostgreSQL a refund with two
    64-character numbers crashed with a DataError instead of being recorded."""
    m = new_member(db, cashier)
    receipt, refund_no = "R" * 64, "F" * 64
    award(db, cashier, m, receipt, 10_000)
    result = refund(db, supervisor, receipt, refund_no, 10_000)
    assert result.points_reversed == 100
    reversal = entries(db, m.id)[-1]
    assert reversal.reference == refund_no and receipt in reversal.note
    assert_clean(db)


def test_times_in_any_timezone_keep_the_audit_chain_intact(db, cashier, supervisor):
    """Bug: the audit hash covered occurred_at as given (+08:00), but the
    database gives it back in UTC, so a ``now`` in the store's timezone made
    ``pointsmall check`` report the records as altered."""
    m = new_member(db, cashier)
    when = datetime(2025, 6, 1, 9, 30, 0, 123456, tzinfo=SHANGHAI)
    award(db, cashier, m, "R-1", 10_000, now=when)
    refund(db, supervisor, "R-1", "F-1", 5_000, now=when + timedelta(hours=1))
    award(db, cashier, m, "R-2", 10_000, now=datetime(2025, 6, 1, 2, tzinfo=timezone(timedelta(hours=-5))))
    assert_clean(db)
    earn = entries(db, m.id)[0]
    assert earn.occurred_at == when and earn.business_day == date(2025, 6, 1)
