"""Conflicts between offline stores: compensating entries and review cases, never overwrites (issue 6)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from pointsmall import members, redemption, signin
from pointsmall.errors import DomainError
from pointsmall.models import Member, PointEntry, ReviewCase, ReviewSubject, SignIn, StockEntry, SyncInbox, SyncSetAside

from .sync_support import (
    assert_agree,
    assert_chain_clean,
    balance,
    chain,  # noqa: F401 - fixture
    chain_item,
    chain_member,
    new_store,
    stock,
    sync,
)
from .support import unique_phone


def _cases(db, kind):  # type: ignore[no-untyped-def]
    with db.read() as session:
        cases = session.scalars(select(ReviewCase).where(ReviewCase.kind == kind)).all()
        session.expunge_all()
        return cases


def test_the_same_points_spent_at_two_offline_stores_are_both_honoured_and_the_member_blocked(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, points=300)
    item_id = chain_item(chain, stock=10, price=200)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    for store in (north, south):
        redemption.redeem(store.db, store.cashier, member_id=member_id, item_id=item_id)
        assert balance(store.db, member_id) == 100
    sync(north, chain)
    report = sync(south, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_overspend"]
    assert balance(chain.db, member_id) == -100
    with chain.db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.needs_review
        redeems = session.scalar(select(func.count()).select_from(PointEntry)
                                 .where(PointEntry.member_id == member_id, PointEntry.kind == "redeem"))
        conflicted = session.execute(select(SyncInbox.store_id, SyncInbox.conflicts)
                                     .where(SyncInbox.conflicts > 0)).all()
    assert redeems == 2  # both honoured: the goods have left
    assert conflicted == [("S03", 1)]  # the inbox says which event met the conflict
    [case] = _cases(chain.db, "sync_overspend")
    assert case.block_redeem and case.status == "open" and case.member_id == member_id
    assert json.loads(case.details)["available"] == 100
    for db, actor in ((chain.db, chain.admin), (south.db, south.cashier)):
        with pytest.raises(DomainError):
            redemption.redeem(db, actor, member_id=member_id, item_id=item_id)
    sync(north, chain)
    assert_agree(north, chain)
    assert_agree(south, chain)
    assert stock(chain.db, item_id) == 8
    assert_chain_clean(chain)


def test_a_second_sign_in_of_the_day_from_another_store_is_reversed(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    now = datetime.now(timezone.utc)
    first = signin.sign_in(north.db, north.cashier, member_id, now=now)
    second = signin.sign_in(south.db, south.cashier, member_id, now=now)
    assert first.points == second.points > 0
    sync(north, chain)
    report = sync(south, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_signin_twice"]
    assert balance(chain.db, member_id) == first.points
    with chain.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SignIn).where(SignIn.member_id == member_id)) == 1
        aside = session.scalars(select(SyncSetAside)).one()
        assert aside.tbl == "sign_ins" and aside.store_id == "S03"
        reversal = session.scalars(select(PointEntry).where(PointEntry.reason_category == "sync")).one()
        assert reversal.points == -second.points and reversal.store_id == "S03"
    [case] = _cases(chain.db, "sync_signin_twice")
    assert case.member_id == member_id and not case.block_redeem
    sync(north, chain)
    assert_agree(north, chain)
    assert_agree(south, chain)
    assert_chain_clean(chain)


def test_stock_oversold_offline_becomes_a_backorder_case(chain, tmp_path):  # noqa: F811
    buyers = [chain_member(chain, points=500) for _ in range(2)]
    item_id = chain_item(chain, stock=1, price=100)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    redemption.redeem(north.db, north.cashier, member_id=buyers[0], item_id=item_id)
    redemption.redeem(south.db, south.cashier, member_id=buyers[1], item_id=item_id)
    sync(north, chain)
    report = sync(south, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_backorder"]
    assert stock(chain.db, item_id) == 0
    with chain.db.read() as session:
        kinds = session.scalars(select(StockEntry.kind).where(StockEntry.item_id == item_id)
                                .order_by(StockEntry.seq)).all()
    assert kinds == ["restock", "redemption", "redemption", "correction"]
    [case] = _cases(chain.db, "sync_backorder")
    assert json.loads(case.details)["short"] == 1 and case.open_key
    sync(north, chain)
    assert_agree(north, chain)
    assert_agree(south, chain)
    assert_chain_clean(chain)


def test_the_same_phone_registered_at_two_stores_becomes_a_merge_case(chain, tmp_path):  # noqa: F811
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    phone = unique_phone()
    a = members.create_member(north.db, north.cashier, name="张三", phone=phone)
    b = members.create_member(south.db, south.cashier, name="张三", phone=phone)
    sync(north, chain)
    report = sync(south, chain)
    assert [c.split(":")[0] for c in report.conflicts] == ["sync_member_merge"]
    with chain.db.read() as session:
        phones = dict(session.execute(select(Member.id, Member.phone).where(Member.id.in_([a.id, b.id]))).all())
        subjects = session.scalars(select(ReviewSubject.ref_id).where(ReviewSubject.ref_kind == "member")).all()
    assert phones[a.id] == phone and phones[b.id].startswith(phone + "#")
    assert subjects == [b.id.hex]
    [case] = _cases(chain.db, "sync_member_merge")
    assert json.loads(case.details)["phone"] == phone
    sync(north, chain)
    assert_agree(north, chain)
    assert_agree(south, chain)
    assert_chain_clean(chain)
