"""Abuse rules (风险防控): fast earning opens a review case; a blocking case stops redeeming and spinning."""
from __future__ import annotations

from datetime import timedelta

import pytest
from pointsmall import audit, redemption, reviews, risk, signin, tasks, wheel
from pointsmall.errors import PermissionDenied, UnderReview, ValidationError

from .games_support import (  # noqa: F401
    MONDAY,
    Games,
    _no_tasks_or_rules,
    assert_clean,
    games,
    local,
    new_rule,
    new_task,
    new_wheel,
)
from .mall_support import award, new_item
from .support import member_row, new_member

pytestmark = pytest.mark.usefixtures("_no_tasks_or_rules")


def claim_n(g: Games, member_id, n: int, start_hour: int = 9) -> list[tasks.ClaimResult]:
    """``n`` different custom daily tasks claimed a minute apart."""
    made = [new_task(g, name=f"任务{i}", trigger="custom", points=10) for i in range(n)]
    return [tasks.claim(g.db, g.cashier, member_id, t.id, now=local(MONDAY, start_hour, i)) for i, t in enumerate(made)]


def open_cases(g: Games, member_id) -> list[reviews.CaseView]:
    return reviews.list_cases(g.db, g.supervisor, member_id=member_id)


def test_operators_configure_rules_in_plain_words(games: Games) -> None:
    rule = new_rule(games, threshold=3, window_minutes=30)
    assert rule.plain_words == ("More than 3 task rewards within 30 minutes; the member cannot redeem until it is "
                                "reviewed")
    changed = risk.update_rule(games.db, games.operator, rule.id, risk.RiskRuleDraft(
        name="积分过快", metric="points", window_minutes=120, threshold=300))
    assert (changed.metric, changed.threshold, changed.block_redeem) == ("points", 300, False)
    assert risk.set_rule_active(games.db, games.operator, rule.id, False).active is False
    with games.db.read() as session:
        assert sorted(r.action for r in audit.records_for(session, rule.id)) == [
            "risk.rule_active", "risk.rule_create", "risk.rule_update"]
    for actor in (games.cashier, games.supervisor):
        with pytest.raises(PermissionDenied):
            risk.create_rule(games.db, actor, risk.RiskRuleDraft(name="x", metric="points", window_minutes=1,
                                                                 threshold=1))
        with pytest.raises(PermissionDenied):
            risk.set_rule_active(games.db, actor, rule.id, True)
    assert rule.id in {r.id for r in risk.list_rules(games.db, games.supervisor)}  # the queue shows why
    with pytest.raises(PermissionDenied):
        risk.list_rules(games.db, games.cashier)


@pytest.mark.parametrize("changes, field", [
    (dict(metric="purchases"), "metric"),
    (dict(window_minutes=0), "window_minutes"),
    (dict(window_minutes=31 * 24 * 60 + 1), "window_minutes"),
    (dict(threshold=0), "threshold"),
    (dict(name=""), "name"),
])
def test_rules_that_make_no_sense_are_refused(games: Games, changes: dict, field: str) -> None:
    values = dict(name="r", metric="points", window_minutes=60, threshold=10)
    values.update(changes)
    with pytest.raises(ValidationError) as refused:
        risk.create_rule(games.db, games.operator, risk.RiskRuleDraft(**values))
    assert refused.value.field == field


def test_fast_task_claims_open_one_case_and_block_redeeming_and_spinning(games: Games) -> None:
    rule = new_rule(games)  # more than 2 task rewards within an hour
    m = new_member(games.db, games.cashier)
    award(games, m.id, 500)
    item = new_item(games, stock=5, price_points=50)
    spinner = new_wheel(games, cost_points=0)
    results = claim_n(games, m.id, 4)
    assert [r.flagged for r in results] == [False, False, True, True]
    [case] = open_cases(games, m.id)
    assert (case.kind, case.status, case.rule_id, case.block_redeem) == ("earning_velocity", "open", rule.id, True)
    assert len(case.subjects) == 4 and case.points_flagged == 40  # the fourth joined the open case
    assert case.allowed == ("approved", "rejected")
    with pytest.raises(UnderReview):
        redemption.redeem(games.db, games.cashier, member_id=m.id, item_id=item.id)
    [hold] = reviews.holds(games.db, games.cashier, m.id)  # what the counter shows the cashier
    assert (hold.case_id, hold.block_redeem) == (case.id, True)
    with pytest.raises(UnderReview):
        wheel.spin(games.db, games.cashier, member_id=m.id, wheel_id=spinner.id, now=local(MONDAY, 12))
    # Another member is not held up by this one's case.
    other = new_member(games.db, games.cashier)
    award(games, other.id, 100)
    redemption.redeem(games.db, games.cashier, member_id=other.id, item_id=item.id)
    reviews.approve(games.db, games.supervisor, case.id, "老顾客，确认属实")
    assert reviews.holds(games.db, games.cashier, m.id) == []
    done = redemption.redeem(games.db, games.cashier, member_id=m.id, item_id=item.id)
    assert done.balance == 500 + 40 - 50 == member_row(games.db, m.id).balance
    assert_clean(games.db)


def test_approved_earnings_are_not_flagged_again(games: Games) -> None:
    new_rule(games)
    m = new_member(games.db, games.cashier)
    claim_n(games, m.id, 3)
    [case] = open_cases(games, m.id)
    reviews.approve(games.db, games.supervisor, case.id, "核实无误")
    claim_n(games, m.id, 2, start_hour=10)  # 5 in the hour, but only 2 not yet decided: within the rule
    assert open_cases(games, m.id) == []
    claim_n(games, m.id, 1, start_hour=11)  # the third undecided one
    [again] = open_cases(games, m.id)
    assert again.id != case.id and len(again.subjects) == 3


def test_a_rule_without_blocking_flags_but_lets_the_member_redeem(games: Games) -> None:
    new_rule(games, metric="points", threshold=25, block_redeem=False)
    m = new_member(games.db, games.cashier)
    award(games, m.id, 100)
    claim_n(games, m.id, 3)
    [case] = open_cases(games, m.id)
    assert case.block_redeem is False and case.details["value"] == 30
    item = new_item(games, stock=1, price_points=100)
    assert redemption.redeem(games.db, games.cashier, member_id=m.id, item_id=item.id).balance == 30


def test_sliding_window_only_counts_recent_earnings(games: Games) -> None:
    new_rule(games, window_minutes=30)
    m = new_member(games.db, games.cashier)
    made = [new_task(games, name=f"慢{i}", trigger="custom", points=10) for i in range(3)]
    for i, t in enumerate(made):  # 40 minutes apart: never more than one in any 30 minutes
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY, 9) + timedelta(minutes=40 * i))
    assert open_cases(games, m.id) == []


def test_sign_in_rules_and_the_scan(games: Games) -> None:
    """Sign-ins are checked as they happen; wheel prizes and synced earnings by the scan."""
    new_rule(games, name="补签过多", metric="sign_ins", window_minutes=60, threshold=2, block_redeem=False)
    m = new_member(games.db, games.cashier)
    award(games, m.id, 200, day=MONDAY + timedelta(days=3))
    day = MONDAY + timedelta(days=3)
    signin.sign_in(games.db, games.cashier, m.id, now=local(day, 9))
    for back in (2, 1):  # two make-ups in quick succession after today's sign-in
        signin.make_up(games.db, games.cashier, m.id, day - timedelta(days=back), now=local(day, 9, 10 - back))
    # Make-ups do not call the rules; the scan does.
    assert open_cases(games, m.id) == []
    report = risk.scan(games.db, games.supervisor, now=local(day, 9, 30))
    assert report.cases >= 1 and report.members >= 1
    [case] = open_cases(games, m.id)
    assert case.details["value"] >= 3
    # A second scan extends the same open case instead of opening another.
    risk.scan(games.db, games.supervisor, now=local(day, 9, 31))
    assert len(open_cases(games, m.id)) == 1
    with pytest.raises(PermissionDenied):
        risk.scan(games.db, games.cashier)


def test_inactive_rules_flag_nothing(games: Games) -> None:
    rule = new_rule(games)
    risk.set_rule_active(games.db, games.operator, rule.id, False)
    m = new_member(games.db, games.cashier)
    claim_n(games, m.id, 4)
    assert open_cases(games, m.id) == []
