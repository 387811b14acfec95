"""Member lookups and edits, off the GUI thread."""
from __future__ import annotations

import uuid
from datetime import date

from pointsmall import ledger, members
from pointsmall.ledger import EntryView
from pointsmall.members import MemberSummary, MemberView, SearchResult

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




def summaries_blocking(ctx: AppContext, ids: list[uuid.UUID]) -> list[MemberSummary]:
    """For table models, which fetch rows synchronously in ``data()``: one small indexed query."""
    with ctx.db.read() as session:
        return members.summaries(session, ctx.actor, ids)
