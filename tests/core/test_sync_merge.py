"""The duplicate-phone case opened by a real sync conflict, resolved by a merge (issue 6), on PostgreSQL."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from pointsmall import members, merge, purchases, reviews
from pointsmall.errors import Conflict, DomainError
from pointsmall.models import Member, PointEntry, ReviewDecision
from pointsmall.staff import Role
from pointsmall.sync.guard import ReviewNeedsHeadOffice

from ..conftest import make_actor
from .sync_support import (
    assert_agree,
    assert_chain_clean,
    award,
    balance,
    chain,  # noqa: F401 - fixture
    new_store,
    sync,
)
from .support import unique_phone

pytestmark = pytest.mark.postgres


def _duplicate(chain, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    """张三 registered at two offline stores with one phone, points earned at both, both synced."""
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    phone = unique_phone()
    a = members.create_member(north.db, north.cashier, name="张三", phone=phone)
    b = members.create_member(south.db, south.cashier, name="张三", phone=phone)
    award(north.db, north.cashier, a.id, 120)
    award(south.db, south.cashier, b.id, 80)
    sync(north, chain)
    sync(south, chain)
    [case] = reviews.list_cases(chain.db, chain.admin, kind="sync_member_merge")
    return north, south, phone, a, b, case


def test_a_phone_registered_at_two_stores_is_merged_by_a_supervisor(chain, tmp_path):  # noqa: F811
    north, south, phone, a, b, case = _duplicate(chain, tmp_path)
    supervisor = make_actor(chain.db, Role.SUPERVISOR)
    assert case.allowed == ("merged", "kept_apart") and case.member_id == b.id
    pair = merge.candidates(chain.db, supervisor, case.id)
    assert [(m.id, m.balance) for m in pair.members] == [(a.id, 120), (b.id, 80)]
    # An offline store cannot decide it: the case would come down open again.
    with pytest.raises(ReviewNeedsHeadOffice):
        merge.merge_case(south.db, south.supervisor, case.id, keep=a.id, note="同一人")
    result = merge.merge_case(chain.db, supervisor, case.id, keep=a.id, note="同一人 same person",
                              request_id=str(uuid.uuid4()))
    assert (result.absorbed_id, result.points_moved, result.kept_balance) == (b.id, 80, 200)
    assert balance(chain.db, a.id) == 200 and balance(chain.db, b.id) == 0
    assert reviews.get_case(chain.db, supervisor, case.id).status == "merged"
    with chain.db.read() as session:
        card_b = session.get(Member, b.id).card_code
    assert [m.id for m in members.search(chain.db, supervisor, card_b).members] == [a.id]
    assert_chain_clean(chain)
    # The stores get the merge with the next pull: the absorbed member takes no more points there either.
    sync(north, chain)
    sync(south, chain)
    assert_agree(north, chain)
    assert_agree(south, chain)
    with south.db.read() as session:
        assert session.get(Member, b.id).status == "merged"
    with pytest.raises(DomainError):
        purchases.award_for_purchase(south.db, south.cashier, member_id=b.id, receipt_no="AFTER-MERGE",
                                     amount_fen=500)
    assert [m.id for m in members.search(south.db, south.cashier, phone).members] == [a.id]


def test_two_supervisors_merging_the_same_case_at_once_merge_once(chain, tmp_path):  # noqa: F811
    _north, _south, _phone, a, b, case = _duplicate(chain, tmp_path)
    supervisors = [make_actor(chain.db, Role.SUPERVISOR) for _ in range(2)]
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def decide(i: int) -> None:
        barrier.wait()
        try:
            if i % 3 == 2:
                merge.correct_phone(chain.db, supervisors[i % 2], case.id, phone=unique_phone(), note="两个人")
                outcomes.append("kept_apart")
            else:
                keep = a.id if i % 3 == 0 else b.id
                done = merge.merge_case(chain.db, supervisors[i % 2], case.id, keep=keep, note="并发合并")
                outcomes.append("repeated" if done.repeated else "merged")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("merged") + outcomes.count("kept_apart") == 1, outcomes
    with chain.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReviewDecision)
                              .where(ReviewDecision.case_id == case.id)) == 1
        merges = session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.kind == "merge"))
    assert merges == (2 if "merged" in outcomes else 0)
    assert_chain_clean(chain)


def test_points_a_store_awarded_offline_after_the_merge_follow_the_member(chain, tmp_path):  # noqa: F811
    """The store had not pulled the merge yet: its sale stands, and the push moves the points on."""
    _north, south, _phone, a, b, case = _duplicate(chain, tmp_path)
    supervisor = make_actor(chain.db, Role.SUPERVISOR)
    award(south.db, south.cashier, b.id, 30)  # offline, before the merge reaches the store
    merge.merge_case(chain.db, supervisor, case.id, keep=a.id, note="同一人 same person")
    sync(south, chain)
    assert (balance(chain.db, a.id), balance(chain.db, b.id)) == (230, 0)
    assert merge.settle_merged(chain.db, chain.admin) == 0  # the sync settled it already
    assert_chain_clean(chain)
    sync(south, chain)
    assert_agree(south, chain)
