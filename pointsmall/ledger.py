"""The points ledger: append-only entries, lots, and expiry.

``post`` is the one place a member's points change. In the caller's
transaction, with the member row locked, it appends the entry with the
balance after it, opens a lot for a positive entry or draws a negative one
from the open lots (soonest-expiring first), and moves the balance
projection. Nothing here updates or deletes an entry; corrections are new
entries.

Invariants, asserted here and re-checked by ``check.py``:
  balance == sum(entries.points) == last entry's balance_after
  sum(open lots' remaining) == max(balance, 0)
  balance < 0 only when the member is flagged for review
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .clock import add_months, business_day, end_of_month, utc_now
from .db import Database
from .errors import InsufficientPoints, IntegrityViolation, MemberNotActive, NotFound
from .ids import new_id
from .models import LotDraw, Member, PointEntry, PointLot
from .staff import Actor, Permission, require


class EntryKind(str, enum.Enum):
    EARN = "earn"
    ADJUST = "adjust"
    EXPIRE = "expire"
    REFUND_REVERSAL = "refund_reversal"
    IMPORT = "import"
    REDEEM = "redeem"
    REDEEM_CANCEL = "redeem_cancel"
    SIGNIN = "signin"
    SIGNIN_MAKEUP_COST = "signin_makeup_cost"
    SIGNIN_BONUS = "signin_bonus"
    WHEEL_COST = "wheel_cost"
    WHEEL_PRIZE = "wheel_prize"


@dataclass(frozen=True)
class EntryView:
    id: uuid.UUID
    kind: str
    points: int
    balance_after: int
    reason_category: str | None
    note: str
    reference: str
    staff_id: uuid.UUID
    store_id: str
    occurred_at: datetime
    expires_on: date | None
    seq: int = 0  # 1, 2, 3... per member: the key for paging through a ledger


@dataclass(frozen=True)
class ExpiringPoints:
    points: int
    expires_on: date


def lock_member(session: Session, member_id: uuid.UUID) -> Member:
    """The member row, locked for the rest of the transaction on PostgreSQL.

    SQLite needs no row lock: write transactions there hold the database's
    write lock from BEGIN IMMEDIATE.
    """
    member = session.get(Member, member_id, with_for_update=True, populate_existing=True)
    if member is None:
        raise NotFound("No such member.")
    return member


def lot_expiry(day: date, months: int) -> date:
    """Points earned on ``day`` stay valid to the end of the month ``months`` later."""
    return end_of_month(add_months(day, months))


def post(
    session: Session,
    member: Member,
    actor: Actor,
    *,
    kind: EntryKind,
    points: int,
    now: datetime,
    expires_on: date | None = None,
    lots: list[tuple[int, date]] | None = None,
    reason_category: str | None = None,
    note: str = "",
    reference: str = "",
    purchase_id: uuid.UUID | None = None,
    approved_by: uuid.UUID | None = None,
    idem_key: str | None = None,
    prefer_lot: uuid.UUID | None = None,
    allow_negative: bool = False,
    review_reason: str = "",
) -> PointEntry:
    """Append one entry to a locked member's ledger and move the projections.

    ``allow_negative`` is for refunds: the points were already spent, so the
    reversal is recorded in full, the balance goes below zero and the member
    is flagged for review; it is never floored silently.

    A positive entry opens one lot expiring on ``expires_on``, or, with
    ``lots``, several lots of given sizes and expiries (a cancelled
    redemption gives points back with the expiry they had).
    """
    if points == 0:
        raise IntegrityViolation("a ledger entry must change the balance")
    if member.status != "active" and kind in (EntryKind.EARN, EntryKind.ADJUST, EntryKind.IMPORT):
        raise MemberNotActive()
    day = business_day(now, actor.store_tz)
    entry = PointEntry(
        id=new_id(), member_id=member.id, seq=member.last_entry_seq + 1, kind=kind.value, points=points,
        balance_after=member.balance + points, reason_category=reason_category, note=note,
        reference=reference, purchase_id=purchase_id, staff_id=actor.staff_id, approved_by=approved_by,
        store_id=actor.store_id, occurred_at=now, business_day=day, idem_key=idem_key,
    )
    session.add(entry)
    if points > 0:
        _open_lots(session, member, entry, lots if lots is not None else [(points, expires_on)])
    else:
        available = _draw(session, member, entry, -points, prefer_lot)
        if available < -points:
            if not allow_negative:
                raise InsufficientPoints(balance=member.balance, needed=-points - member.balance)
            member.needs_review = True
            member.review_reason = review_reason or "balance below zero after a reversal"
    member.balance = entry.balance_after
    member.last_entry_seq = entry.seq
    member.updated_at = now
    if member.balance < 0 and not member.needs_review:
        raise IntegrityViolation(f"member {member.id} would go negative without a review flag")
    return entry


def _open_lots(session: Session, member: Member, entry: PointEntry, lots: list[tuple[int, date | None]]) -> None:
    if sum(size for size, _ in lots) != entry.points or any(size <= 0 or day is None for size, day in lots):
        raise IntegrityViolation("a positive entry's lots must add up to it and each have an expiry date")
    # Points that arrive while the balance is negative first repay the debt.
    debt = max(0, -member.balance)
    draws = []
    for index, (size, day) in enumerate(sorted(lots, key=lambda lot: lot[1])):  # type: ignore[arg-type, return-value]
        lot_id = entry.id if index == 0 else new_id()
        repay = min(size, debt)
        debt -= repay
        session.add(PointLot(id=lot_id, entry_id=entry.id, member_id=member.id, points=size,
                             remaining=size - repay, expires_on=day))
        if repay:
            draws.append(LotDraw(entry_id=entry.id, lot_id=lot_id, points=repay))
    if draws:
        session.flush()
        session.add_all(draws)


def _draw(session: Session, member: Member, entry: PointEntry, needed: int, prefer_lot: uuid.UUID | None) -> int:
    """Take ``needed`` points from open lots; return how many there were."""
    lots = session.scalars(
        select(PointLot).where(PointLot.member_id == member.id, PointLot.remaining > 0)
        .order_by(PointLot.expires_on, PointLot.id).with_for_update()
    ).all()
    if prefer_lot is not None:
        lots = sorted(lots, key=lambda lot: lot.id != prefer_lot)
    taken = 0
    draws = []
    for lot in lots:
        if taken == needed:
            break
        take = min(lot.remaining, needed - taken)
        lot.remaining -= take
        taken += take
        draws.append(LotDraw(entry_id=entry.id, lot_id=lot.id, points=take))
    if taken < needed and sum(lot.remaining for lot in lots) != 0:
        raise IntegrityViolation(f"lots of member {member.id} do not match the balance")
    if draws:
        session.flush()
        session.add_all(draws)
    return taken


def next_expiring(session: Session, member_id: uuid.UUID) -> ExpiringPoints | None:
    row = session.execute(
        select(PointLot.expires_on, func.sum(PointLot.remaining))
        .where(PointLot.member_id == member_id, PointLot.remaining > 0)
        .group_by(PointLot.expires_on).order_by(PointLot.expires_on).limit(1)
    ).first()
    return ExpiringPoints(int(row[1]), row[0]) if row else None


def _first_expiry():  # type: ignore[no-untyped-def]
    """The soonest expiry of the lots an entry opened (None for negative entries)."""
    return (select(func.min(PointLot.expires_on)).where(PointLot.entry_id == PointEntry.id)
            .correlate(PointEntry).scalar_subquery())


def entries_for(session: Session, member_id: uuid.UUID, *, limit: int = 50, offset: int = 0) -> list[EntryView]:
    rows = session.execute(
        select(PointEntry, _first_expiry())
        .where(PointEntry.member_id == member_id)
        .order_by(PointEntry.seq.desc())
        .limit(limit).offset(offset)
    ).all()
    return [_view(e, expires) for e, expires in rows]


def entries_page(session: Session, member_id: uuid.UUID, *, before_seq: int | None = None,
                 limit: int = 50) -> list[EntryView]:
    """Newest first, the entries older than ``before_seq``: a keyset page over (member_id, seq), no OFFSET."""
    query = (select(PointEntry, _first_expiry())
             .where(PointEntry.member_id == member_id)
             .order_by(PointEntry.seq.desc()).limit(limit))
    if before_seq is not None:
        query = query.where(PointEntry.seq < before_seq)
    return [_view(e, expires) for e, expires in session.execute(query).all()]


def count_entries(session: Session, member_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.member_id == member_id)) or 0


def _view(e: PointEntry, expires_on: date | None = None) -> EntryView:
    return EntryView(e.id, e.kind, e.points, e.balance_after, e.reason_category, e.note, e.reference,
                     e.staff_id, e.store_id, e.occurred_at, expires_on, e.seq)


@dataclass(frozen=True)
class ExpiryReport:
    as_of: date
    members: int
    points: int


def expire_lots(db: Database, actor: Actor, as_of: date | None = None, *, batch: int = 500) -> ExpiryReport:
    """Expire what is left of every lot whose last valid day is before ``as_of``.

    Idempotent: an expired lot has nothing left, so a second run finds
    nothing. Works in batches of members, each batch its own transaction.
    """
    require(actor, Permission.POINTS_EXPIRE)
    now = utc_now()
    as_of = as_of or business_day(now, actor.store_tz)
    members = points = 0
    while True:
        with db.write() as session:
            member_ids = session.scalars(
                select(PointLot.member_id).where(PointLot.expires_on < as_of, PointLot.remaining > 0)
                .group_by(PointLot.member_id).limit(batch)
            ).all()
            if not member_ids:
                break
            for member_id in member_ids:
                points += _expire_member(session, member_id, actor, as_of, now)
            members += len(member_ids)
        if len(member_ids) < batch:
            break
    return ExpiryReport(as_of, members, points)


def _expire_member(session: Session, member_id: uuid.UUID, actor: Actor, as_of: date, now: datetime) -> int:
    member = lock_member(session, member_id)
    lots = session.scalars(
        select(PointLot).where(PointLot.member_id == member_id, PointLot.expires_on < as_of,
                               PointLot.remaining > 0).with_for_update()
    ).all()
    total = sum(lot.remaining for lot in lots)
    if total == 0:
        return 0
    entry = PointEntry(
        id=new_id(), member_id=member.id, seq=member.last_entry_seq + 1, kind=EntryKind.EXPIRE.value,
        points=-total,
        balance_after=member.balance - total, reason_category=None,
        note=f"expired before {as_of.isoformat()}", reference="", purchase_id=None,
        staff_id=actor.staff_id, approved_by=None, store_id=actor.store_id, occurred_at=now,
        business_day=business_day(now, actor.store_tz), idem_key=None,
    )
    session.add(entry)
    session.flush()
    for lot in lots:
        session.add(LotDraw(entry_id=entry.id, lot_id=lot.id, points=lot.remaining))
        lot.remaining = 0
    member.balance = entry.balance_after
    member.last_entry_seq = entry.seq
    member.updated_at = now
    if member.balance < 0:
        raise IntegrityViolation(f"expiry took member {member.id} below zero")
    audit.record(session, actor, "points.expire", "member", member.id, {"balance": member.balance + total},
                 {"balance": member.balance, "points": -total, "as_of": as_of}, now)
    return total
