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

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from .errors import IntegrityViolation
from .ids import new_id
from .models import AuditHead, AuditRecord

if TYPE_CHECKING:
    from .staff import Actor

GENESIS = "0" * 64


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(prev_hash: str, store_id: str, seq: int, occurred_at: datetime, staff_id: object, action: str,
            entity: str, entity_id: str, before: str | None, after: str | None) -> str:
    body = "\x1f".join(
        [
            prev_hash,
            store_id,
            str(seq),
            # In UTC: the database gives instants back in UTC whatever offset they were written with.
            occurred_at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            str(staff_id),
            action,
            entity,
            entity_id,
            before or "",
            after or "",
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _record_digest(prev_hash: str, rec: AuditRecord) -> str:
    return _digest(prev_hash, rec.store_id, rec.seq, rec.occurred_at, rec.staff_id, rec.action, rec.entity,
                   rec.entity_id, rec.before, rec.after)


# Plain statements on the tables, built once: every change in the app appends a record, so the
# append is two or three indexed statements with no ORM objects or unit-of-work flush. Run
# through ``session.execute`` so session hooks see them.
_HEADS = AuditHead.__table__
_LOCK_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.staff_id == bindparam("staff")).with_for_update()
_NEW_HEAD = insert(_HEADS)
_INSERT_RECORD = insert(AuditRecord.__table__)
# Moves the head only from the exact (seq, hash) the new record was chained to: a compare-and-set
# that takes the head's row lock, so no two records ever follow the same predecessor.
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.staff_id == bindparam("staff"), _HEADS.c.seq == bindparam("prev_seq"),
                                  _HEADS.c.hash == bindparam("prev_hash")) \
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
# On PostgreSQL the move and the record are one statement (one round trip): the record is
# inserted from the moved head's row, so it is written exactly when the compare-and-set matched.
_RECORD = AuditRecord.__table__
_MOVED = _MOVE_HEAD.returning(_HEADS.c.staff_id).cte("moved_head")
_MOVE_AND_RECORD = insert(_RECORD).from_select(
    ["id", "store_id", "seq", "occurred_at", "staff_id", "action", "entity", "entity_id", "before", "after",
     "prev_hash", "hash"],
    select(*(bindparam(name, type_=_RECORD.c[name].type) for name in ("id", "store_id")),
           bindparam("new_seq", type_=_RECORD.c.seq.type), bindparam("occurred_at", type_=_RECORD.c.occurred_at.type),
           _MOVED.c.staff_id,
           *(bindparam(name, type_=_RECORD.c[name].type) for name in ("action", "entity", "entity_id", "before",
                                                                       "after")),
           bindparam("prev_hash", type_=_RECORD.c.prev_hash.type), bindparam("new_hash", type_=_RECORD.c.hash.type))
    .select_from(_MOVED)).returning(_RECORD.c.seq)
# The head each account's chain had after this process last appended to it. Only a guess: the
# compare-and-set above checks it against the row, and when another process (or a rolled-back
# transaction) moved the head, the head is read under its lock and the record chained to that.
# A right guess saves reading the head first.
_last_head: dict[object, tuple[int, str]] = {}


def record(session: Session, actor: "Actor", action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None, after: dict[str, Any] | None, now: datetime) -> None:
    """Append one record to the actor's chain, in the caller's transaction."""
    if session.new and any(isinstance(obj, AuditHead) for obj in session.new):
        session.flush()  # a chain head made in this transaction (a new account) must be in the table first
    staff_id, store_id, entity_key = actor.staff_id, actor.store_id, str(entity_id)
    one_statement = session.connection().dialect.name == "postgresql"
    fields = {"id": new_id(), "store_id": store_id, "occurred_at": now, "staff": staff_id, "action": action,
              "entity": entity, "entity_id": entity_key, "before": _canonical(before), "after": _canonical(after)}

    def chain_to(prev_seq: int, prev_hash: str) -> bool:
        """Append the record after (prev_seq, prev_hash) if that is still the head; say whether it was."""
        seq = prev_seq + 1
        digest = _digest(prev_hash, store_id, seq, now, staff_id, action, entity, entity_key, fields["before"],
                         fields["after"])
        params = fields | {"prev_seq": prev_seq, "prev_hash": prev_hash, "new_seq": seq, "new_hash": digest}
        if one_statement:
            moved = session.execute(_MOVE_AND_RECORD, params).first() is not None
        else:
            moved = session.execute(_MOVE_HEAD, params).rowcount == 1
            if moved:
                session.execute(_INSERT_RECORD, {
                    "id": fields["id"], "store_id": store_id, "seq": seq, "occurred_at": now, "staff_id": staff_id,
                    "action": action, "entity": entity, "entity_id": entity_key, "before": fields["before"],
                    "after": fields["after"], "prev_hash": prev_hash, "hash": digest})
        if moved:
            _last_head[staff_id] = (seq, digest)
        return moved

    guess = _last_head.get(staff_id)
    if guess is not None and chain_to(*guess):
        return
    head = session.execute(_LOCK_HEAD, {"staff": staff_id}).first()
    if head is None:  # made with the account; this covers accounts from before that
        session.execute(_NEW_HEAD, {"staff_id": staff_id, "seq": 0, "hash": GENESIS})
        head = (0, GENESIS)
    if not chain_to(*head):
        raise IntegrityViolation(f"the audit chain head of {staff_id} moved while it was locked")


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
                if rec.prev_hash != prev or _record_digest(prev, rec) != rec.hash:
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
