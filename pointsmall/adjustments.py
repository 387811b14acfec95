"""Manual point adjustments by a supervisor, with a reason and bounds.

An adjustment needs a reason category and a note. Above the configured limit
(default 500 points) a second staff member with approval rights confirms it
with their own password, checked in the same transaction. An adjustment
never takes a balance below zero. A client-made ``request_id`` makes a
retried submission return the first result instead of adjusting twice.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from . import audit, ledger, staff
from .clock import business_day, utc_now
from .db import Database
from .errors import ApprovalRequired, AuthenticationFailed, Conflict, ValidationError
from .ledger import EntryKind
from .models import PointEntry
from .rules import load_rules
from .staff import Actor, Permission, require, verify_approver

MAX_ADJUSTMENT = 1_000_000


class ReasonCategory(str, enum.Enum):
    GOODWILL = "goodwill"  # 补偿 / service recovery
    CORRECTION = "correction"  # a mistake at the till
    PROMOTION = "promotion"  # an event outside the campaign engine
    MIGRATION = "migration"  # points carried over from an old system
    OTHER = "other"


@dataclass(frozen=True)
class Approval:
    username: str
    secret: str


@dataclass(frozen=True)
class AdjustResult:
    member_id: uuid.UUID
    points: int
    balance: int
    entry_id: uuid.UUID
    approved_by: str | None
    repeated: bool


def validate_adjustment(points: int, reason_category: str, note: str) -> tuple[ReasonCategory, str]:
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise ValidationError("Enter a whole number of points other than zero.", field="points")
    if abs(points) > MAX_ADJUSTMENT:
        raise ValidationError("One adjustment is at most {n} points.", field="points", n=MAX_ADJUSTMENT)
    try:
        category = ReasonCategory(reason_category)
    except ValueError:
        raise ValidationError("Choose a reason category.", field="reason_category") from None
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError("Write a note saying why (at least 2 characters).", field="note")
    if len(note) > 500:
        raise ValidationError("The note is at most 500 characters.", field="note")
    return category, note


def adjust_points(db: Database, actor: Actor, *, member_id: uuid.UUID, points: int, reason_category: str,
                  note: str, approval: Approval | None = None, request_id: str | None = None) -> AdjustResult:
    require(actor, Permission.POINTS_ADJUST)
    category, note = validate_adjustment(points, reason_category, note)
    idem_key = f"adjust:{request_id}" if request_id else None
    now = utc_now()
    try:
        return _adjust(db, actor, member_id, points, category, note, approval, idem_key, now)
    except AuthenticationFailed:
        if approval is not None:
            # The refusal rolled back the approver's failed-login count; count it in its own
            # transaction, or the approval box would allow unlimited password guesses.
            staff.authenticate(db, approval.username, approval.secret, now)
        raise


def _adjust(db: Database, actor: Actor, member_id: uuid.UUID, points: int, category: ReasonCategory, note: str,
            approval: Approval | None, idem_key: str | None, now: datetime) -> AdjustResult:
    with db.write() as session:
        # Lock first: a retry racing its first attempt then waits for it and finds its entry.
        member = ledger.lock_member(session, member_id)
        if idem_key is not None:
            done = session.scalars(select(PointEntry).where(PointEntry.idem_key == idem_key)).one_or_none()
            if done is not None:
                if done.member_id != member_id or done.points != points:
                    raise Conflict("This adjustment request was already used for different values.")
                return AdjustResult(member_id, points, member.balance, done.id, None, True)
        rules = load_rules(session)
        approver = None
        if abs(points) > rules.adjust_limit:
            if approval is None:
                raise ApprovalRequired(limit=rules.adjust_limit)
            approver = verify_approver(session, approval.username, approval.secret, Permission.POINTS_APPROVE, now)
            if approver.staff_id == actor.staff_id:
                raise ValidationError("The approver must be a different staff member.", field="approver")
        before = member.balance
        expires = ledger.lot_expiry(business_day(now, actor.store_tz), rules.expiry_months) if points > 0 else None
        entry = ledger.post(session, member, actor, kind=EntryKind.ADJUST, points=points, now=now,
                            expires_on=expires, reason_category=category.value, note=note,
                            approved_by=approver.staff_id if approver else None, idem_key=idem_key)
        audit.record(session, actor, "points.adjust", "member", member.id, {"balance": before},
                     {"balance": member.balance, "points": points, "reason": category.value, "note": note,
                      "approved_by": approver.username if approver else None}, now)
        return AdjustResult(member.id, points, member.balance, entry.id,
                            approver.display_name if approver else None, False)
