"""Tiers: growth value, immediate upgrades, progress, monthly evaluation, manual tiers."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pointsmall import adjustments, members, purchases, rules, tiers
from pointsmall.errors import ValidationError
from pointsmall.models import Member, Tier, TierChange, TierEvaluation

from .support import assert_clean, at, audit_count, count, member_row, new_member, row_counts


def award(db, actor, member, receipt, amount_fen, day=None):
    return purchases.award_for_purchase(db, actor, member_id=member.id, receipt_no=receipt,
                                        amount_fen=amount_fen, now=at(day) if day else None)


def tier_code(db, member_id, today=None):
    with db.read() as session:
        m = session.get(Member, member_id)
        return tiers.effective_tier(m, tiers.list_tiers(session), today or date.today()).code


def earned_code(db, member_id):
    with db.read() as session:
        m = session.get(Member, member_id)
        return session.get(Tier, m.tier_id).code


def changes(db, member_id):
    with db.read() as session:
        rows = session.execute(
            select(TierChange.kind, TierChange.to_tier_id).where(TierChange.member_id == member_id)
            .order_by(TierChange.occurred_at, TierChange.id)).all()
        codes = {t.id: t.code for t in tiers.list_tiers(session)}
    return [(kind, codes[to]) for kind, to in rows]


# -- upgrades ----------------------------------------------------------------

def test_upgrade_happens_the_moment_the_threshold_is_crossed(db, cashier):
    m = new_member(db, cashier)
    below = award(db, cashier, m, "R-1", 99_999)
    assert (below.tier_after.code, below.tier_up) == ("regular", False)
    crossing = award(db, cashier, m, "R-2", 1)
    assert (crossing.tier_before.code, crossing.tier_after.code, crossing.tier_up) == ("regular", "silver", True)
    assert changes(db, m.id) == [("upgrade", "silver")]
    assert members.get_member(db, cashier, m.id).tier.code == "silver"


def test_a_big_purchase_jumps_straight_to_the_tier_it_reaches(db, cashier):
    m = new_member(db, cashier)
    result = award(db, cashier, m, "R-1", 600_000)
    assert (result.tier_before.code, result.tier_after.code) == ("regular", "gold")
    assert changes(db, m.id) == [("upgrade", "gold")]


def test_spend_outside_the_rolling_window_does_not_count(db, cashier):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 60_000, date(2024, 1, 10))
    result = award(db, cashier, m, "R-2", 60_000, date(2025, 3, 10))  # the first is 14 months old
    assert result.tier_after.code == "regular"
    result = award(db, cashier, m, "R-3", 40_000, date(2025, 4, 10))
    assert result.tier_after.code == "silver"


# -- progress ----------------------------------------------------------------

def test_progress_says_how_much_more_to_spend(db, cashier):
    m = new_member(db, cashier)
    fresh = members.get_member(db, cashier, m.id).progress
    assert (fresh.basis, fresh.growth, fresh.current.code, fresh.next.code, fresh.needed, fresh.percent) == (
        "spend", 0, "regular", "silver", 100_000, 0)
    award(db, cashier, m, "R-1", 468_000)  # ¥4,680: "再消费 ¥320 升级金卡"
    p = members.get_member(db, cashier, m.id).progress
    assert (p.current.code, p.next.code, p.needed, p.percent) == ("silver", "gold", 32_000, 92)
    assert p.manual_until is None


def test_progress_at_the_top_tier(db, cashier):
    m = new_member(db, cashier)
    result = award(db, cashier, m, "R-1", 2_500_000)
    assert result.tier_after.code == "diamond"
    p = members.get_member(db, cashier, m.id).progress
    assert (p.current.code, p.next, p.needed, p.percent, p.growth) == ("diamond", None, 0, 100, 2_500_000)


# -- the monthly evaluation ---------------------------------------------------

def test_evaluation_downgrades_one_step_and_is_a_no_op_the_second_time(db, cashier, operator):
    lapsed, kept = new_member(db, cashier), new_member(db, cashier)
    award(db, cashier, lapsed, "L-1", 500_000, date(2025, 1, 15))
    award(db, cashier, kept, "K-1", 500_000, date(2025, 1, 15))
    award(db, cashier, kept, "K-2", 400_000, date(2026, 1, 10))  # exactly Gold's retention in the window
    assert earned_code(db, lapsed.id) == earned_code(db, kept.id) == "gold"

    report = tiers.evaluate(db, operator, as_of=date(2026, 3, 1))
    assert (report.period, report.evaluated, report.downgraded, report.upgraded) == ("2026-03", 2, 1, 0)
    assert earned_code(db, lapsed.id) == "silver"  # one step, not straight to regular
    assert earned_code(db, kept.id) == "gold"
    assert changes(db, lapsed.id) == [("upgrade", "gold"), ("downgrade", "silver")]

    before = row_counts(db)
    again = tiers.evaluate(db, operator, as_of=date(2026, 3, 28))
    assert again.already_done and (again.downgraded, again.evaluated) == (0, 0)
    assert row_counts(db) == before
    assert earned_code(db, lapsed.id) == "silver"

    next_month = tiers.evaluate(db, operator, as_of=date(2026, 4, 1))
    assert next_month.downgraded == 1
    assert earned_code(db, lapsed.id) == "regular"
    assert earned_code(db, kept.id) == "gold"
    assert count(db, TierEvaluation) == 2
    assert_clean(db)


def test_evaluation_upgrades_members_whose_threshold_was_lowered(db, cashier, operator):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 300_000, date(2026, 1, 10))
    assert earned_code(db, m.id) == "silver"
    tiers.update_tier(db, operator, "gold", threshold=300_000, retention=200_000)
    report = tiers.evaluate(db, operator, as_of=date(2026, 2, 1))
    assert (report.upgraded, report.downgraded) == (1, 0)
    assert earned_code(db, m.id) == "gold"


# -- manual tiers -------------------------------------------------------------

def test_a_manual_tier_needs_a_reason_and_a_bounded_end_date(db, cashier, operator):
    m = new_member(db, cashier)
    today = date(2026, 5, 10)
    before = row_counts(db)
    for reason, until in ((" ", date(2026, 8, 31)), ("VIP guest", date(2026, 5, 9)), ("VIP guest", date(2028, 5, 11))):
        with pytest.raises(ValidationError):
            tiers.set_manual_tier(db, operator, m.id, "gold", reason=reason, until=until, today=today)
    assert row_counts(db) == before
    with pytest.raises(TypeError):
        tiers.set_manual_tier(db, operator, m.id, "gold", reason="VIP guest")  # no end date, no call


def test_a_manual_tier_applies_until_its_end_date_and_lapses_at_evaluation(db, cashier, operator):
    m = new_member(db, cashier)
    today = date.today()
    until = date(today.year + 1, 1, 31)
    audits = audit_count(db)
    tiers.set_manual_tier(db, operator, m.id, "gold", reason="store opening guest", until=until)
    assert audit_count(db) == audits + 1
    view = members.get_member(db, cashier, m.id)
    assert (view.tier.code, view.progress.manual_until, view.manual_tier_reason) == (
        "gold", until, "store opening guest")
    assert earned_code(db, m.id) == "regular"
    # Gold's multiplier applies while it lasts.
    assert award(db, cashier, m, "R-1", 10_000).points == 150
    assert tier_code(db, m.id, today=until) == "gold"
    assert tier_code(db, m.id, today=date(until.year, 2, 1)) == "regular"  # not a permanent floor

    report = tiers.evaluate(db, operator, as_of=date(until.year, 2, 1))
    assert report.manual_ended == 1
    row = member_row(db, m.id)
    assert (row.manual_tier_id, row.manual_tier_until, row.manual_tier_reason) == (None, None, None)
    assert changes(db, m.id)[-1][0] == "manual_end"
    assert earned_code(db, m.id) == "regular"


def test_a_manual_tier_below_the_earned_one_changes_nothing(db, cashier, operator):
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 500_000)
    tiers.set_manual_tier(db, operator, m.id, "silver", reason="mistake", until=date.today())
    assert members.get_member(db, cashier, m.id).tier.code == "gold"


# -- the points basis ---------------------------------------------------------

def _points_ladder(db, operator):
    rules.update_rules(db, operator, tier_basis="points")
    tiers.update_tier(db, operator, "silver", threshold=1_000, retention=800)
    tiers.update_tier(db, operator, "gold", threshold=5_000, retention=4_000)
    tiers.update_tier(db, operator, "diamond", threshold=20_000, retention=16_000)


def test_the_points_basis_counts_points_earned_not_the_balance(db, cashier, supervisor, operator):
    _points_ladder(db, operator)
    m = new_member(db, cashier)
    result = award(db, cashier, m, "R-1", 99_900)  # 999 points
    assert result.tier_after.code == "regular"
    assert award(db, cashier, m, "R-2", 100).tier_after.code == "silver"  # 1,000 points earned
    adjustments.adjust_points(db, supervisor, member_id=m.id, points=-400, reason_category="correction",
                              note="spent")
    adjustments.adjust_points(db, supervisor, member_id=m.id, points=450, reason_category="goodwill",
                              note="a gift is not growth")
    p = members.get_member(db, cashier, m.id).progress
    assert (p.basis, p.growth, p.current.code, p.next.code, p.needed) == ("points", 1_000, "silver", "gold", 4_000)
    purchases.refund_purchase(db, supervisor, receipt_no="R-1", refund_no="F-1", amount_fen=99_900)
    assert members.get_member(db, cashier, m.id).progress.growth == 1  # refunds take growth back
    assert_clean(db)


def test_the_points_basis_applies_at_evaluation(db, cashier, operator):
    _points_ladder(db, operator)
    m = new_member(db, cashier)
    award(db, cashier, m, "R-1", 500_000, date(2025, 1, 10))  # 5,000 points: Gold
    assert earned_code(db, m.id) == "gold"
    award(db, cashier, m, "R-2", 300_000, date(2025, 12, 10))  # 4,500 points (Gold 1.5x) in the window
    report = tiers.evaluate(db, operator, as_of=date(2026, 2, 1))
    assert report.downgraded == 0 and earned_code(db, m.id) == "gold"
    report = tiers.evaluate(db, operator, as_of=date(2027, 1, 1))
    assert report.downgraded == 1 and earned_code(db, m.id) == "silver"


def test_the_tier_basis_is_validated(db, operator):
    with pytest.raises(ValidationError):
        rules.update_rules(db, operator, tier_basis="balance")
    with db.read() as session:
        assert rules.load_rules(session).tier_basis == "spend"


# -- configuring the ladder ----------------------------------------------------

BROKEN_LADDERS = [
    ("silver", {"threshold": 500_000}),  # not below gold
    ("silver", {"threshold": 600_000, "retention": 500_000}),
    ("gold", {"threshold": 100_000}),  # equal to silver
    ("gold", {"retention": 500_001}),  # above its own threshold
    ("regular", {"threshold": 1}),  # the lowest tier starts at zero
    ("gold", {"multiplier_permille": 50}),
    ("gold", {"multiplier_permille": 20_001}),
    ("gold", {"discount_pct": 0}),
    ("gold", {"discount_pct": 101}),
    ("gold", {"name_en": "  "}),
    ("gold", {"threshold": -1}),
    ("gold", {"rank": 7}),  # not an editable field
]


def test_update_tier_refuses_a_broken_ladder(db, operator):
    before = row_counts(db)
    with db.read() as session:
        ladder = tiers.list_tiers(session)
    for code, changes in BROKEN_LADDERS:
        with pytest.raises(ValidationError):
            tiers.update_tier(db, operator, code, **changes)
        with db.read() as session:
            assert tiers.list_tiers(session) == ladder, (code, changes)
    assert row_counts(db) == before


def test_update_tier_applies_and_is_audited(db, cashier, operator):
    audits = audit_count(db)
    view = tiers.update_tier(db, operator, "regular", multiplier_permille=1100, benefits_en="1.1x points")
    assert (view.multiplier_permille, view.benefits_en) == (1100, "1.1x points")
    assert audit_count(db) == audits + 1
    m = new_member(db, cashier)
    assert award(db, cashier, m, "R-1", 10_000).points == 110
