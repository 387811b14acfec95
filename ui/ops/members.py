"""Member lookups and edits, off the GUI thread."""
from __future__ import annotations

import uuid
from datetime import date

from pointsmall import ledger, members, tiers
from pointsmall.db import Database
from pointsmall.ledger import EntryView
from pointsmall.members import MemberSummary, MemberView, SearchResult
from pointsmall.tiers import TierView

from ..context import AppContext


async def search(ctx: AppContext, query: str, limit: int = 50) -> SearchResult:
    return await ctx.worker.read(members.search, ctx.actor, query, limit=limit)


async def load(ctx: AppContext, member_id: uuid.UUID) -> MemberView:
    return await ctx.worker.read(members.get_member, ctx.actor, member_id)


def _entries(db, member_id: uuid.UUID, limit: int, offset: int) -> list[EntryView]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return ledger.entries_for(session, member_id, limit=limit, offset=offset)


async def entries(ctx: AppContext, member_id: uuid.UUID, limit: int = 20, offset: int = 0) -> list[EntryView]:
    return await ctx.worker.read(_entries, member_id, limit, offset)


async def create(ctx: AppContext, *, name: str, phone: str, card_code: str | None = None,
                 birthday: date | None = None, consent: bool = False) -> MemberView:
    view = await ctx.worker.write(members.create_member, ctx.actor, name=name, phone=phone, card_code=card_code,
                                  birthday=birthday, consent=consent)
    ctx.changes.members_changed.emit()
    ctx.changes.member_changed.emit(view.id)
    return view


async def update(ctx: AppContext, member_id: uuid.UUID, **fields: object) -> MemberView:
    view = await ctx.worker.write(members.update_member, ctx.actor, member_id, **fields)
    ctx.changes.member_changed.emit(view.id)
    return view


async def set_status(ctx: AppContext, member_id: uuid.UUID, status: str, reason: str) -> MemberView:
    view = await ctx.worker.write(members.set_status, ctx.actor, member_id, status, reason)
    ctx.changes.member_changed.emit(view.id)
    return view


async def resolve_review(ctx: AppContext, member_id: uuid.UUID, note: str) -> MemberView:
    view = await ctx.worker.write(members.resolve_review, ctx.actor, member_id, note)
    ctx.changes.member_changed.emit(view.id)
    return view


def _count(db: Database) -> int:
    with db.read() as session:
        return members.count_members(session)


async def count(ctx: AppContext) -> int:
    """How many members there are (the members table's heading); a count over an index, off the GUI thread."""
    return await ctx.worker.read(_count)


def ids_page_blocking(ctx: AppContext, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """For table models' ``fetchMore``: the next page of member ids by keyset, one indexed query."""
    with ctx.db.read() as session:
        return members.member_ids_page(session, after, limit)


def tiers_blocking(ctx: AppContext) -> list[TierView]:
    """For table models: the tier ladder (a handful of rows), to name each row's tier."""
    with ctx.db.read() as session:
        return tiers.list_tiers(session)


def entries_page_blocking(ctx: AppContext, member_id: uuid.UUID, before_seq: int | None,
                          limit: int) -> list[EntryView]:
    """For the ledger table's ``fetchMore``: entries older than ``before_seq``, one indexed query."""
    with ctx.db.read() as session:
        return ledger.entries_page(session, member_id, before_seq=before_seq, limit=limit)


def summaries_blocking(ctx: AppContext, ids: list[uuid.UUID]) -> list[MemberSummary]:
    """For table models, which fetch rows synchronously in ``data()``: one small indexed query."""
    with ctx.db.read() as session:
        return members.summaries(session, ctx.actor, ids)
