"""Member edits on an offline store's replica: refused in words, never saved to be overwritten (issue 6).

A member's profile, status and hand-set tier flow down from the chain; an
edit saved on the replica would be overwritten by the next pull without
anyone knowing. The replica refuses it before anything is written, and the
same edit made at head office reaches the store.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pointsmall import members, staff, tiers
from pointsmall.models import Member, Tier
from pointsmall.staff import Role
from pointsmall.sync.guard import ProfileNeedsHeadOffice, StatusNeedsHeadOffice, TierNeedsHeadOffice

from ..conftest import make_actor
from .sync_support import SECRET, chain, chain_member, new_store, sync  # noqa: F401 - fixture
from .support import unique_phone


def _member(db, member_id):  # type: ignore[no-untyped-def]
    with db.read() as session:
        m = session.get(Member, member_id)
        session.expunge_all()
        return m


def test_profile_status_and_tier_edits_are_refused_on_the_replica_and_nothing_is_written(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, name="王芳")
    store = new_store(chain, "S02", tmp_path)
    before = _member(store.db, member_id)
    with pytest.raises(ProfileNeedsHeadOffice) as refused:
        members.update_member(store.db, store.supervisor, member_id, name="王小芳", phone=unique_phone())
    assert "connection to head office" in refused.value.message
    with pytest.raises(StatusNeedsHeadOffice):
        members.set_status(store.db, store.supervisor, member_id, "frozen", "卡片遗失 card lost")
    with pytest.raises(TierNeedsHeadOffice):
        with store.db.read() as session:
            code = session.scalars(select(Tier.code).order_by(Tier.rank.desc())).first()
        operator = staff.authenticate(store.db, chain.operator.username, SECRET)  # head office's, pulled
        tiers.set_manual_tier(store.db, operator, member_id, code, reason="店长决定 manager",
                              until=date.today() + timedelta(days=30))
    after = _member(store.db, member_id)
    assert (after.name, after.phone, after.status, after.tier_id, after.updated_at) == \
        (before.name, before.phone, before.status, before.tier_id, before.updated_at)
    report = sync(store, chain)
    assert report.pushed == 0  # nothing was captured: no edit waits to be overwritten


def test_the_same_edit_made_at_head_office_reaches_the_store(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, name="李雷")
    store = new_store(chain, "S02", tmp_path)
    phone = unique_phone()
    members.update_member(chain.db, chain.admin, member_id, name="李雷雷", phone=phone)
    members.set_status(chain.db, chain.admin, member_id, "frozen", "卡片遗失 card lost")
    sync(store, chain)
    local = _member(store.db, member_id)
    assert (local.name, local.phone, local.status) == ("李雷雷", phone, "frozen")
    found = members.search(store.db, store.cashier, "李雷雷")
    assert member_id in [m.id for m in found.members]


def test_a_standalone_store_and_the_chain_still_edit_members(db):  # type: ignore[no-untyped-def]
    admin = make_actor(db, Role.ADMIN)
    member = members.create_member(db, admin, name="韩梅梅", phone=unique_phone())
    view = members.update_member(db, admin, member.id, name="韩梅")
    assert view.name == "韩梅"
