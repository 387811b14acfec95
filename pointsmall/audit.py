"""The audit log: who changed what, where and when, with before and after.

Each staff account keeps one hash chain: a record's hash covers its content
and the previous record's hash, so editing or removing any record breaks
every hash after it, which ``verify_chain`` (and ``pointsmall check``)
detects. The chain's head row is locked while appending, which orders the
records. One chain per account rather than per store lets many tills write
at once (on a shared PostgreSQL a store-wide head serialised every write).
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .ids import new_id
from .models import AuditHead, AuditRecord

if TYPE_CHECKING:
    from .staff import Actor

GENESIS = "0" * 64


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(prev_hash: str, record: AuditRecord) -> str:
    body = "\x1f".join(
        [
            prev_hash,
            record.store_id,
            str(record.seq),
            # In UTC: the database gives instants back in UTC whatever offset they were written with.
            record.occurred_at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            str(record.staff_id),
            record.action,
            record.entity,
            record.entity_id,
            record.before or "",
            record.after or "",
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(session: Session, actor: "Actor", action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None, after: dict[str, Any] | None, now: datetime) -> None:
    """Append one record to the actor's store chain, in the caller's transaction."""
    head = session.get(AuditHead, actor.staff_id, with_for_update=True)
    if head is None:  # made with the account; this covers accounts from before that
        head = AuditHead(staff_id=actor.staff_id, seq=0, hash=GENESIS)
        session.add(head)
    rec = AuditRecord(
        id=new_id(),
        store_id=actor.store_id,
        seq=head.seq + 1,
        occurred_at=now,
        staff_id=actor.staff_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=_canonical(before),
        after=_canonical(after),
        prev_hash=head.hash,
    )
    rec.hash = _digest(head.hash, rec)
    session.add(rec)
    head.seq, head.hash = rec.seq, rec.hash


@dataclass(frozen=True)
class AuditView:
    seq: int
    occurred_at: datetime
    staff_id: uuid.UUID
    action: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None


def records_for(session: Session, entity_id: object, limit: int = 100) -> list[AuditView]:
    rows = session.scalars(
        select(AuditRecord).where(AuditRecord.entity_id == str(entity_id))
        .order_by(AuditRecord.occurred_at.desc()).limit(limit)
    )
    return [AuditView(r.seq, r.occurred_at, r.staff_id, r.action, r.entity, r.entity_id, r.before, r.after)
            for r in rows]


def verify_chain(session: Session, batch: int = 5000) -> list[str]:
    """Recompute every chain; return one line per problem (empty when intact)."""
    problems: list[str] = []
    for head in session.scalars(select(AuditHead)).all():
        prev, expected_seq, last = GENESIS, 1, 0
        while True:
            rows = session.scalars(
                select(AuditRecord).where(AuditRecord.staff_id == head.staff_id, AuditRecord.seq > last)
                .order_by(AuditRecord.seq).limit(batch)
            ).all()
            if not rows:
                break
            for rec in rows:
                if rec.seq != expected_seq:
                    problems.append(f"audit chain of {head.staff_id}: record {expected_seq} is missing")
                    expected_seq = rec.seq
                if rec.prev_hash != prev or _digest(prev, rec) != rec.hash:
                    problems.append(f"audit chain of {head.staff_id}: record {rec.seq} was altered")
                prev, expected_seq, last = rec.hash, rec.seq + 1, rec.seq
            session.expunge_all()
        if last != head.seq or prev != head.hash:
            problems.append(f"audit chain of {head.staff_id}: the head does not match the last record")
    headless = session.scalars(
        select(AuditRecord.staff_id).where(AuditRecord.staff_id.not_in(select(AuditHead.staff_id))).distinct()
    ).all()
    problems += [f"audit records of {staff_id} have no chain head" for staff_id in headless]
    return problems
