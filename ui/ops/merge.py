"""The duplicate-phone case off the GUI thread: both members side by side, merging them, or correcting a phone.

Each decision runs on the write thread and announces ``reviews_changed``
and ``member_changed`` for both members (balances moved, a phone changed).
"""
from __future__ import annotations

import uuid

from pointsmall import merge, reviews
from pointsmall.db import Database
from pointsmall.merge import MergePair, MergeResult
from pointsmall.staff import Actor

from ..context import AppContext
from .reviews import QueueRow, _rows


async def candidates(ctx: AppContext, case_id: uuid.UUID) -> MergePair:
    return await ctx.worker.read(merge.candidates, ctx.actor, case_id)


def _merge(db: Database, actor: Actor, case_id: uuid.UUID, keep: uuid.UUID, note: str,
           request_id: str) -> tuple[MergeResult, QueueRow]:
    result = merge.merge_case(db, actor, case_id, keep=keep, note=note, request_id=request_id)
    return result, _rows(db, [reviews.get_case(db, actor, case_id)])[0]


async def merge_case(ctx: AppContext, case_id: uuid.UUID, keep: uuid.UUID, note: str,
                     request_id: str) -> tuple[MergeResult, QueueRow]:
    """Merge the case's other member into ``keep``; the case closes as merged."""
    result, row = await ctx.worker.write(_merge, ctx.actor, case_id, keep, note, request_id)
    ctx.changes.reviews_changed.emit()
    for member_id in (result.kept_id, result.absorbed_id):
        ctx.changes.member_changed.emit(member_id)
    return result, row


def _correct(db: Database, actor: Actor, case_id: uuid.UUID, phone: str, note: str) -> QueueRow:
    return _rows(db, [merge.correct_phone(db, actor, case_id, phone=phone, note=note)])[0]


async def correct_phone(ctx: AppContext, case_id: uuid.UUID, phone: str, note: str) -> QueueRow:
    """Two people: the member registered offline gets its real phone; the case closes as kept apart."""
    row = await ctx.worker.write(_correct, ctx.actor, case_id, phone, note)
    ctx.changes.reviews_changed.emit()
    if row.case.member_id is not None:
        ctx.changes.member_changed.emit(row.case.member_id)
    return row
