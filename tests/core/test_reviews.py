"""The review queue: one decision per case; a rejection reverses each flagged earning exactly once."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select, update

from pointsmall import adjustments, check, ledger, members, purchases, redemption, reviews, tasks
from pointsmall.errors import Conflict, PermissionDenied, ValidationError
from pointsmall.ids import new_id
from pointsmall.ledger import EntryKind
from pointsmall.models import PointEntry, PointLot, ReviewCase, ReviewDecision

from .games_support import MONDAY, Games, _no_tasks_or_rules, assert_clean, games, local, new_rule, new_task  # noqa: F401
from .mall_support import award, new_item
from .support import member_row, new_member

pytestmark = pytest.mark.usefixtures("_no_tasks_or_rules")


def flagged_member(g: Games, claims: int = 3, points: int = 10, block: bool = True) -> tuple[uuid.UUID, reviews.CaseView]:
    """A member with ``claims`` task rewards in a minute, flagged by a rule (more than 2 within an hour)."""
    new_rule(g, block_redeem=block)
    m = new_member(g.db, g.cashier)
    made = [new_task(g, name=f"任务{i}", trigger="custom", points=points) for i in range(claims)]
    for i, t in enumerate(made):
        tasks.claim(g.db, g.cashier, m.id, t.id, now=local(MONDAY, 9, i))
    [case] = reviews.list_cases(g.db, g.supervisor, member_id=m.id)
    return m.id, case



def reversals(g: Games, member_id) -> list[PointEntry]:
    with g.db.read() as session:
        rows = list(session.scalars(select(PointEntry).where(PointEntry.member_id == member_id,
                                                             PointEntry.kind == "review_reversal")))
        session.expunge_all()
        return rows


def test_rejecting_takes_back_each_flagged_earning_once(games: Games) -> None:
    member_id, case = flagged_member(games)
    award(games, member_id, 100)
    assert member_row(games.db, member_id).balance == 130
    decided = reviews.reject(games.db, games.supervisor, case.id, "同一人连续刷任务")
    assert (decided.status, decided.decision.decision, decided.decision.points_reversed) == ("rejected", "rejected", 30)
    assert decided.allowed == () and decided.decision.staff_name
    row = member_row(games.db, member_id)
    assert (row.balance, row.needs_review) == (100, False)
    taken = reversals(games, member_id)
    assert sorted(e.points for e in taken) == [-10, -10, -10]
    assert {e.idem_key for e in taken} == {f"review:{s.ref_id}" for s in case.subjects}
    assert {e.reference for e in taken} == {f"review {case.id}"}
    with games.db.read() as session:  # the task lots were emptied, the purchase's lot is whole
        open_lots = session.execute(select(PointLot.points, PointLot.remaining).where(
            PointLot.member_id == member_id, PointLot.remaining > 0)).all()
    assert open_lots == [(100, 100)]
    for decide in (reviews.reject, reviews.approve):
        with pytest.raises(Conflict, match="already decided"):
            decide(games.db, games.supervisor, case.id, "再来一次")
    assert len(reversals(games, member_id)) == 3
    assert_clean(games.db)


def test_rejecting_points_already_spent_leaves_a_flagged_negative_balance(games: Games) -> None:
    member_id, case = flagged_member(games, block=False)
    item = new_item(games, stock=1, price_points=25)
    redemption.redeem(games.db, games.cashier, member_id=member_id, item_id=item.id)
    reviews.reject(games.db, games.supervisor, case.id, "虚假任务")
    row = member_row(games.db, member_id)
    assert (row.balance, row.needs_review) == (-25, True)
    [debt] = reviews.list_cases(games.db, games.supervisor, member_id=member_id)
    assert (debt.kind, debt.allowed) == ("negative_balance", ("resolved",))
    with pytest.raises(ValidationError, match="below zero"):
        reviews.resolve(games.db, games.supervisor, debt.id, "已处理")
    with pytest.raises(ValidationError):
        reviews.approve(games.db, games.supervisor, debt.id, "不对")
    award(games, member_id, 25)
    reviews.resolve(games.db, games.supervisor, debt.id, "顾客补足了积分")
    assert member_row(games.db, member_id).needs_review is False
    assert reviews.list_cases(games.db, games.supervisor, member_id=member_id) == []
    assert_clean(games.db)


def test_a_refund_below_zero_is_in_the_queue_until_the_flag_is_cleared(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    receipt_no = f"R-{new_id().hex[:12]}"
    purchases.award_for_purchase(games.db, games.cashier, member_id=m.id, receipt_no=receipt_no, amount_fen=10_000,
                                 now=local(MONDAY))
    item = new_item(games, stock=1, price_points=80)
    redemption.redeem(games.db, games.cashier, member_id=m.id, item_id=item.id)
    purchases.refund_purchase(games.db, games.supervisor, receipt_no=receipt_no, refund_no=f"F-{new_id().hex[:8]}",
                              amount_fen=10_000)
    [case] = reviews.list_cases(games.db, games.supervisor, member_id=m.id)
    assert case.kind == "negative_balance" and case.details["balance"] == -80
    adjustments.adjust_points(games.db, games.supervisor, member_id=m.id, points=80, reason_category="correction",
                              note="顾客退回商品")
    members.resolve_review(games.db, games.supervisor, m.id, "商品已退回")
    assert reviews.list_cases(games.db, games.supervisor, member_id=m.id) == []
    [closed] = reviews.list_cases(games.db, games.supervisor, member_id=m.id, status="resolved")
    assert closed.decision is not None and closed.decision.note == "商品已退回"
    assert_clean(games.db)


def test_who_may_see_and_decide(games: Games) -> None:
    member_id, case = flagged_member(games)
    with pytest.raises(PermissionDenied):
        reviews.list_cases(games.db, games.cashier)
    assert case.id in {c.id for c in reviews.list_cases(games.db, games.operator)}  # operators see the queue
    assert reviews.count_open(games.db, games.operator)["earning_velocity"] >= 1
    for actor in (games.cashier, games.operator):
        with pytest.raises(PermissionDenied):
            reviews.approve(games.db, actor, case.id, "我看过了")
    with pytest.raises(ValidationError, match="what was checked"):
        reviews.approve(games.db, games.supervisor, case.id, " ")
    with pytest.raises(ValidationError):
        reviews.resolve(games.db, games.supervisor, case.id, "不适用")  # velocity cases are approved or rejected
    assert reviews.approve(games.db, games.admin, case.id, "管理员核实").status == "approved"
    assert reviews.get_case(games.db, games.supervisor, case.id).decision.staff_id == games.admin.staff_id


def test_cases_of_other_kinds_are_opened_once_and_resolved(games: Games) -> None:
    """The queue is general: sync will open its conflicts with a key that makes a repeat a no-op."""
    m = new_member(games.db, games.cashier)
    key = f"double_spend:{new_id()}"
    ids = []
    for _ in range(2):
        with games.db.write() as session:
            ids.append(reviews.open_case(session, games.system, kind="double_spend", member_id=m.id,
                                         reason="同一张券在两家门店核销", now=local(MONDAY), ref_key=key,
                                         subjects=[("voucher", "K7MQ9XH2TD4R", 0), ("store", "S002", 0)],
                                         details={"stores": ["S001", "S002"]}).id)
    assert ids[0] == ids[1]
    case = reviews.get_case(games.db, games.supervisor, ids[0])
    assert [s.ref_kind for s in case.subjects] == ["store", "voucher"] and case.allowed == (
        "approved", "rejected", "resolved")
    done = reviews.resolve(games.db, games.supervisor, case.id, "已联系门店")
    assert done.status == "resolved" and done.decision.points_reversed == 0
    with games.db.write() as session:  # decided, the same fact does not open a new case
        again = reviews.open_case(session, games.system, kind="double_spend", member_id=m.id, reason="x",
                                  now=local(MONDAY), ref_key=key)
        assert again.id == case.id and again.status == "resolved"


def test_two_supervisors_deciding_at_once_on_postgresql_one_wins(games: Games) -> None:
    if games.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer; the race needs PostgreSQL")
    member_id, case = flagged_member(games)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def decide(reject: bool) -> None:
        barrier.wait()
        try:
            (reviews.reject if reject else reviews.approve)(games.db, games.supervisor, case.id, "并发决定")
            outcomes.append("rejected" if reject else "approved")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(i % 2 == 0,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refused") == 5
    with games.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReviewDecision)
                              .where(ReviewDecision.case_id == case.id)) == 1
        status = session.get(ReviewCase, case.id).status
    assert status in outcomes
    assert len(reversals(games, member_id)) == (3 if status == "rejected" else 0)
    assert_clean(games.db)


def test_check_finds_a_case_closed_without_a_decision_or_a_reversal_missing(db, system) -> None:
    m = new_member(db, system)
    with db.write() as session:
        member = ledger.lock_member(session, m.id)
        entry = ledger.post(session, member, system, kind=EntryKind.TASK_REWARD, points=10, now=local(MONDAY),
                            expires_on=MONDAY.replace(year=MONDAY.year + 2))
        case = reviews.open_case(session, system, kind="earning_velocity", member_id=m.id, reason="太快",
                                 now=local(MONDAY), subjects=[("entry", entry.id, 10)])
        case_id = case.id
    report = check.run_check(db)  # a task_reward entry without its claim: reported, and nothing else
    assert [p for p in report.problems if "review" in p] == []
    with db.write() as session:
        session.execute(update(ReviewCase).where(ReviewCase.id == case_id).values(status="rejected", open_key=None))
    problems = [p for p in check.run_check(db).problems if "review" in p]
    assert any("decision none" in p for p in problems) and any("expected" in p for p in problems), problems


def test_the_command_line_lists_tasks_and_cases_and_scans(sqlite_db, capsys) -> None:
    from pointsmall import cli, risk, staff

    with sqlite_db.read() as session:
        system = staff.system_actor(session)
    made = [tasks.create_task(sqlite_db, system, tasks.TaskDraft(name=f"任务{i}", kind="daily", trigger="custom",
                                                                 points=10)) for i in range(3)]
    m = new_member(sqlite_db, system, name="刷分的人")
    for i, t in enumerate(made):
        tasks.claim(sqlite_db, system, m.id, t.id, now=local(MONDAY, 9, i))
    risk.create_rule(sqlite_db, system, risk.RiskRuleDraft(name="太快", metric="points", window_minutes=60,
                                                           threshold=20, block_redeem=True))
    assert cli.main(["--db", sqlite_db.url, "reviews", "list"]) == 0
    assert capsys.readouterr().out.strip().endswith("0 case(s)")
    assert cli.main(["--db", sqlite_db.url, "risk", "scan"]) == 0  # the real clock: the claims are in the future
    assert "0 case(s) opened" in capsys.readouterr().out
    with sqlite_db.write() as session:
        member = ledger.lock_member(session, m.id)
        risk.evaluate(session, system, member, local(MONDAY, 9, 30))
    assert cli.main(["--db", sqlite_db.url, "tasks", "list"]) == 0
    out = capsys.readouterr().out
    assert "任务0" in out and "3 task(s)" in out
    assert cli.main(["--db", sqlite_db.url, "reviews", "list", "--status", "all"]) == 0
    out = capsys.readouterr().out
    assert "刷分的人" in out and "earning_velocity" in out and "[blocks redeeming]" in out and "1 case(s)" in out


def test_an_earning_is_reviewed_in_one_case_and_taken_back_once(games: Games) -> None:
    member_id, case = flagged_member(games)  # more than 2 task rewards within an hour
    new_rule(games, name="积分过快", metric="points", threshold=20, block_redeem=False)
    extra = new_task(games, name="再来一个", trigger="custom", points=10)
    tasks.claim(games.db, games.cashier, member_id, extra.id, now=local(MONDAY, 9, 5))
    [only] = reviews.list_cases(games.db, games.supervisor, member_id=member_id)  # the points rule found nothing new
    assert only.id == case.id and len(only.subjects) == 4
    # A case of another kind that lists the same earnings (as sync might) takes nothing back a second time.
    with games.db.write() as session:
        other = reviews.open_case(session, games.system, kind="duplicate_signin", member_id=member_id,
                                  reason="同一天在两家门店签到", now=local(MONDAY, 10),
                                  subjects=[("entry", s.ref_id, s.points) for s in only.subjects])
        other_id = other.id
    assert reviews.reject(games.db, games.supervisor, case.id, "刷任务").decision.points_reversed == 40
    assert reviews.reject(games.db, games.supervisor, other_id, "同上").decision.points_reversed == 0
    assert len(reversals(games, member_id)) == 4 and member_row(games.db, member_id).balance == 0
    assert_clean(games.db)
