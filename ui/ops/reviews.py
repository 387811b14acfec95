"""The supervisors' review queue off the GUI thread: the cases, what they are about, and deciding them.

A case comes from the core as a ``CaseView`` of any kind (flagged earnings,
a balance below zero, and the conflicts sync will add); this module adds
what the queue shows beside it: the member's masked phone and, for each
flagged ledger entry, when it was earned and what for. Every decision runs
on the write thread and announces ``reviews_changed`` (the queue count) and
``member_changed`` (a rejection takes points back).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pointsmall import reviews
from pointsmall.db import Database
from pointsmall.members import mask_phone
from pointsmall.models import Member, PointEntry
from pointsmall.reviews import CaseView
from pointsmall.staff import Actor

from ..context import AppContext

PAGE = 200  # cases listed at once; the oldest open ones come first


@dataclass(frozen=True)
class FlaggedEarning:
    """One subject of a case, with the ledger entry's facts when it is one."""

    ref_kind: str  # entry, sign_in, task_claim, purchase...
    ref_id: str
    points: int
    entry_kind: str | None  # the ledger entry's kind (signin, task_reward...), for ref_kind "entry"
    occurred_at: datetime | None
    reference: str


@dataclass(frozen=True)
class QueueRow:
    case: CaseView
    phone: str  # masked: 138****1234 ("" for a case about no member)
    earnings: tuple[FlaggedEarning, ...]


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    open_counts: dict[str, int]  # open cases per kind, for the filter and the count in the navigation


def _rows(db: Database, cases: list[CaseView]) -> list[QueueRow]:
    member_ids = {c.member_id for c in cases if c.member_id is not None}
    entry_ids = []
    for case in cases:
        for subject in case.subjects:
            if subject.ref_kind == "entry":
                try:
                    entry_ids.append(uuid.UUID(subject.ref_id))
                except ValueError:
                    continue
    with db.read() as session:
        phones = dict(session.execute(select(Member.id, Member.phone).where(Member.id.in_(member_ids))).all()) \
            if member_ids else {}
        entries = {str(row.id): row for row in session.execute(
            select(PointEntry.id, PointEntry.kind, PointEntry.occurred_at, PointEntry.reference)
            .where(PointEntry.id.in_(entry_ids)))} if entry_ids else {}
    rows = []
    for case in cases:
        earnings = []
        for s in case.subjects:
            entry = entries.get(s.ref_id) if s.ref_kind == "entry" else None
            earnings.append(FlaggedEarning(s.ref_kind, s.ref_id, s.points, entry.kind if entry else None,
                                           entry.occurred_at if entry else None, entry.reference if entry else ""))
        phone = phones.get(case.member_id) if case.member_id is not None else None
        rows.append(QueueRow(case, mask_phone(phone) if phone else "", tuple(earnings)))
    return rows


def _queue(db: Database, actor: Actor, status: str | None, kind: str | None) -> Queue:
    cases = reviews.list_cases(db, actor, status=status, kind=kind, limit=PAGE)
    return Queue(_rows(db, cases), reviews.count_open(db, actor))


async def load_queue(ctx: AppContext, *, status: str | None = "open", kind: str | None = None) -> Queue:
    """Cases with ``status`` (None: every status) and ``kind`` (None: every kind), with the open counts."""
    return await ctx.worker.read(_queue, ctx.actor, status, kind)


async def open_counts(ctx: AppContext) -> dict[str, int]:
    return await ctx.worker.read(reviews.count_open, ctx.actor)


def _decide(db: Database, actor: Actor, case_id: uuid.UUID, decision: str, note: str) -> QueueRow:
    case = reviews.decide(db, actor, case_id, decision, note)
    return _rows(db, [case])[0]


async def decide(ctx: AppContext, case_id: uuid.UUID, decision: str, note: str) -> QueueRow:
    """Approve, reject (the core takes the flagged points back) or resolve a case, once."""
    row = await ctx.worker.write(_decide, ctx.actor, case_id, decision, note)
    ctx.changes.reviews_changed.emit()
    if row.case.member_id is not None:
        ctx.changes.member_changed.emit(row.case.member_id)
    return row
