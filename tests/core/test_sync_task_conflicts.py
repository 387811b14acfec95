"""Once-only keys two offline stores (or two tills) can both take: never a stopped sync (issue 6).

Each is a business conflict with its own path at the chain: honoured when
the limit allows it, otherwise set aside and reversed by a compensating
entry, with a review case; the chain's check stays clean and the replicas
agree with the chain afterwards.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pointsmall import adjustments, purchases, referrals, reviews, tasks
from pointsmall.errors import DomainError
from pointsmall.models import (
    PointEntry,
    Purchase,
    Referral,
    ReferralCode,
    Refund,
    ReviewCase,
    SyncSetAside,
    TaskClaim,
)
from pointsmall.sync import attach_replica, first_pull
from pointsmall.tasks import TaskDraft

from .sync_support import (
    Chain,
    Store_,
    assert_agree,
    assert_chain_clean,
    balance,
    chain,  # noqa: F401 - fixture
    chain_member,
    login,
    new_store,
    open_replica,
    sync,
)


def _cases(db, kind):  # type: ignore[no-untyped-def]
    with db.read() as session:
        cases = session.scalars(select(ReviewCase).where(ReviewCase.kind == kind)).all()
        session.expunge_all()
        return cases


def _count(db, model, *where):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _task(chain: Chain, kind: str, trigger: str, points: int, times: int = 1) -> uuid.UUID:
    draft = TaskDraft(name=f"{trigger} {uuid.uuid4().hex[:6]}", kind=kind, trigger=trigger, points=points, times=times)
    return tasks.create_task(chain.db, chain.operator, draft).id


def _settle(chain: Chain, *stores: Store_) -> None:
    for store in stores:
        sync(store, chain)
    for store in stores:
        assert_agree(store, chain)
    assert_chain_clean(chain)


def test_a_once_only_task_claimed_at_two_offline_stores_pays_once_and_opens_a_case(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    task_id = _task(chain, "growth", "custom", 50)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    for store in (north, south):
        tasks.claim(store.db, store.cashier, member_id, task_id)
        assert balance(store.db, member_id) == 50
    sync(north, chain)
    report = sync(south, chain)  # does not stop
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_task_twice"]
    assert balance(chain.db, member_id) == 50
    assert _count(chain.db, TaskClaim, TaskClaim.task_id == task_id) == 1
    [case] = _cases(chain.db, "sync_task_twice")
    assert case.member_id == member_id and case.status == "open" and case.store_id == "S03"
    with chain.db.read() as session:
        aside = session.scalars(select(SyncSetAside).where(SyncSetAside.tbl == "task_claims")).one()
        reversal = session.execute(select(PointEntry.points, PointEntry.kind, PointEntry.reason_category)
                                   .where(PointEntry.reference == aside.entry_id.hex)).one()
    assert tuple(reversal) == (-50, "adjust", "sync")
    _settle(chain, north, south)
    assert balance(south.db, member_id) == 50
    with pytest.raises(DomainError):  # already compensated: nothing to approve or take back
        reviews.decide(chain.db, chain.admin, case.id, "rejected", "已冲正 reversed")
    reviews.decide(chain.db, chain.admin, case.id, "resolved", "已告知顾客 told the member")
    assert balance(chain.db, member_id) == 50


def test_a_daily_task_claimed_once_at_each_store_within_its_limit_is_honoured_twice(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    task_id = _task(chain, "daily", "custom", 10, times=2)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    for store in (north, south):
        tasks.claim(store.db, store.cashier, member_id, task_id)
    sync(north, chain)
    assert sync(south, chain).conflicts == []
    with chain.db.read() as session:
        slots = sorted(session.scalars(select(TaskClaim.slot).where(TaskClaim.task_id == task_id)))
    assert slots == [1, 2]  # numbered at the chain
    assert balance(chain.db, member_id) == 20
    tasks.claim(north.db, north.cashier, member_id, task_id)  # north's own count allows a second
    report = sync(north, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_task_twice"]
    assert balance(chain.db, member_id) == 20
    _settle(chain, north, south)


def test_a_friend_referred_at_two_stores_pays_the_referrer_once(chain, tmp_path):  # noqa: F811
    host, friend = chain_member(chain, "邀请人"), chain_member(chain, "朋友")
    _task(chain, "challenge", "referral", 100, times=5)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    codes = []
    for n, store in enumerate((north, south)):
        code = referrals.referral_code(store.db, store.cashier, host)
        codes.append(code)
        referrals.register_referral(store.db, store.cashier, friend, code)
        purchases.award_for_purchase(store.db, store.cashier, member_id=friend, receipt_no=f"REF-{n}",
                                     amount_fen=1_000)
        assert balance(store.db, host) == 100
    assert codes[0] != codes[1]  # each store made the host a code of its own
    sync(north, chain)
    report = sync(south, chain)
    kinds = sorted(c.split(":")[0] for c in report.conflicts)
    assert kinds == ["sync_referral_code", "sync_referral_twice", "sync_referral_twice"]
    assert balance(chain.db, host) == 100
    with chain.db.read() as session:
        assert session.scalars(select(ReferralCode.code).where(ReferralCode.member_id == host)).all() == \
            [codes[0].replace("-", "")]
        assert session.scalar(select(Referral.referrer_id).where(Referral.friend_id == friend)) == host
    [code_case] = _cases(chain.db, "sync_referral_code")
    assert json.loads(code_case.details)["code"] == codes[0].replace("-", "")
    _settle(chain, north, south)


def test_a_new_friend_referred_at_one_store_whose_host_has_a_code_at_head_office(chain, tmp_path):  # noqa: F811
    host = chain_member(chain, "邀请人")
    _task(chain, "challenge", "referral", 100, times=5)
    north = new_store(chain, "S02", tmp_path)
    hq_code = referrals.referral_code(chain.db, chain.admin, host)  # made at head office meanwhile
    store_code = referrals.referral_code(north.db, north.cashier, host)
    friend = chain_member(chain, "朋友")
    report = sync(north, chain)  # the store's code goes up, the friend comes down
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_referral_code"]
    referrals.register_referral(north.db, north.cashier, friend, store_code)
    purchases.award_for_purchase(north.db, north.cashier, member_id=friend, receipt_no="REF-9", amount_fen=1_000)
    assert sync(north, chain).conflicts == []
    with chain.db.read() as session:
        assert session.scalar(select(Referral.code).where(Referral.friend_id == friend)) == hq_code.replace("-", "")
    assert balance(chain.db, host) == 100  # the referral stands, on head office's code
    _settle(chain, north)


def _second_till(chain: Chain, store_id: str, directory: Path) -> Store_:
    db = open_replica(directory / f"replica-{store_id}-till2.db")
    attach_replica(db, store_id)
    first_pull(db, chain.db)
    return login(chain, store_id, db)


def test_a_receipt_awarded_at_two_tills_of_a_store_is_reversed_once(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    till1 = new_store(chain, "S02", tmp_path)
    till2 = _second_till(chain, "S02", tmp_path)
    for till in (till1, till2):
        purchases.award_for_purchase(till.db, till.cashier, member_id=member_id, receipt_no="R-1001",
                                     amount_fen=5_000)
    sync(till1, chain)
    report = sync(till2, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_receipt_twice"]
    assert balance(chain.db, member_id) == balance(till1.db, member_id)  # one award
    with chain.db.read() as session:
        numbers = sorted(session.scalars(select(Purchase.receipt_no).where(Purchase.member_id == member_id)))
    assert numbers[0] == "R-1001" and numbers[1].startswith("R-1001#")
    _settle(chain, till1, till2)
    # The second till refunds its copy of the receipt: its points were taken back already, once is enough.
    purchases.refund_purchase(till2.db, till2.supervisor, receipt_no="R-1001", refund_no="F-9", amount_fen=5_000)
    sync(till2, chain)
    assert balance(chain.db, member_id) == balance(till1.db, member_id) > 0
    _settle(chain, till1, till2)


def test_an_entry_key_used_at_two_stores_is_reversed_once(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    for store in (north, south):
        adjustments.adjust_points(store.db, store.supervisor, member_id=member_id, points=30,
                                  reason_category="goodwill", note="补偿 goodwill", request_id="same-request")
    sync(north, chain)
    report = sync(south, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_entry_twice"]
    assert balance(chain.db, member_id) == 30
    _settle(chain, north, south)


def test_a_refund_number_used_at_two_tills_is_kept_marked_with_a_case(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    till1 = new_store(chain, "S02", tmp_path)
    till2 = _second_till(chain, "S02", tmp_path)
    for n, till in enumerate((till1, till2)):
        purchases.award_for_purchase(till.db, till.cashier, member_id=member_id, receipt_no=f"R-20{n}",
                                     amount_fen=4_000)
        purchases.refund_purchase(till.db, till.supervisor, receipt_no=f"R-20{n}", refund_no="F-1",
                                  amount_fen=2_000)
    sync(till1, chain)
    report = sync(till2, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_refund_twice"]
    with chain.db.read() as session:
        numbers = sorted(session.scalars(select(Refund.refund_no).where(Refund.member_id == member_id)))
    assert numbers[0] == "F-1" and numbers[1].startswith("F-1#")
    assert balance(chain.db, member_id) == 2 * balance(till1.db, member_id)  # both refunds moved their points
    _settle(chain, till1, till2)


def test_a_referral_code_another_member_holds_at_head_office_gets_a_fresh_code(chain, tmp_path, monkeypatch):  # noqa: F811
    first, second, friend = chain_member(chain, "甲"), chain_member(chain, "乙"), chain_member(chain, "朋友")
    _task(chain, "challenge", "referral", 100, times=5)
    north = new_store(chain, "S02", tmp_path)
    taken = referrals.referral_code(chain.db, chain.admin, first).replace("-", "")
    monkeypatch.setattr(referrals, "new_code", lambda _body: taken)  # the store draws the same random code
    store_code = referrals.referral_code(north.db, north.cashier, second)
    monkeypatch.undo()
    assert store_code.replace("-", "") == taken
    referrals.register_referral(north.db, north.cashier, friend, store_code)
    purchases.award_for_purchase(north.db, north.cashier, member_id=friend, receipt_no="REF-7", amount_fen=1_000)
    report = sync(north, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_referral_code"]
    with chain.db.read() as session:
        fresh = session.scalar(select(ReferralCode.code).where(ReferralCode.member_id == second))
        assert fresh is not None and fresh != taken
        assert session.scalar(select(ReferralCode.member_id).where(ReferralCode.code == taken)) == first
        assert session.scalar(select(Referral.code).where(Referral.friend_id == friend)) == fresh
    assert (balance(chain.db, first), balance(chain.db, second)) == (0, 100)  # the store's referrer is paid
    _settle(chain, north)
