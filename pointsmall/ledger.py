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

from sqlalchemy import bindparam, cast, func, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from . import audit
from .clock import add_months, business_day, end_of_month, utc_now
from .db import Database
from .errors import InsufficientPoints, IntegrityViolation, NotFound, not_active
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
    TASK_REWARD = "task_reward"
    REVIEW_REVERSAL = "review_reversal"  # a supervisor rejected flagged earnings (reviews.py)
    MERGE = "merge"  # a merged member's balance moved to the member kept (merge.py), one entry each side


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


# Built once: every award, redemption, sign-in and spin locks its member (``session.get`` with a
# lock builds its query each time, at twice the cost).
_LOCK_MEMBER = select(Member).where(Member.id == bindparam("member")).with_for_update()


def lock_member(session: Session, member_id: uuid.UUID) -> Member:
    """The member row, locked for the rest of the transaction on PostgreSQL.

    SQLite needs no row lock: write transactions there hold the database's
    write lock from BEGIN IMMEDIATE.
    """
    member = session.execute(_LOCK_MEMBER, {"member": member_id},
                             execution_options={"populate_existing": True}).scalar_one_or_none()
    if member is None:
        raise NotFound("No such member.")
    return member


def lot_expiry(day: date, months: int) -> date:
    """Points earned on ``day`` stay valid to the end of the month ``months`` later."""
    return end_of_month(add_months(day, months))


@dataclass(frozen=True)
class PostedEntry:
    """The entry ``post`` appended, as written (the columns of ``point_entries``)."""

    id: uuid.UUID
    member_id: uuid.UUID
    seq: int
    kind: str
    points: int
    balance_after: int
    reason_category: str | None
    note: str
    reference: str
    purchase_id: uuid.UUID | None
    staff_id: uuid.UUID
    approved_by: uuid.UUID | None
    store_id: str
    occurred_at: datetime
    business_day: date
    idem_key: str | None


# The ledger's statements, built once and run through ``session.execute`` (so session hooks see
# every fact written) on the tables directly: an entry is one INSERT, its lot one more, the
# member's projection one UPDATE; no ORM objects and no unit-of-work flush on the hot path.
_ENTRIES, _LOTS, _DRAWS, _MEMBERS = (PointEntry.__table__, PointLot.__table__, LotDraw.__table__,
                                     Member.__table__)
_INSERT_ENTRY = insert(_ENTRIES)
_INSERT_LOT = insert(_LOTS)
_INSERT_DRAW = insert(_DRAWS)
_OPEN_LOTS = select(_LOTS.c.id, _LOTS.c.remaining) \
    .where(_LOTS.c.member_id == bindparam("member"), _LOTS.c.remaining > 0) \
    .order_by(_LOTS.c.expires_on, _LOTS.c.id).with_for_update()
_SET_REMAINING = update(_LOTS).where(_LOTS.c.id == bindparam("lot")).values(remaining=bindparam("left"))
# Most draws (a redemption, a spin's cost) fit in the soonest-expiring open lot: take them from it
# in one statement; the lot's row changes only if it holds enough, else the draw goes lot by lot.
# The member's row lock, held by the caller, keeps the lots still between the two halves.
_SOONEST_LOT = select(_LOTS.c.id).where(_LOTS.c.member_id == bindparam("member"), _LOTS.c.remaining > 0) \
    .order_by(_LOTS.c.expires_on, _LOTS.c.id).limit(1).scalar_subquery()
_TAKE_FROM_SOONEST = update(_LOTS).where(_LOTS.c.id == _SOONEST_LOT, _LOTS.c.remaining >= bindparam("take")) \
    .values(remaining=_LOTS.c.remaining - bindparam("take")).returning(_LOTS.c.id)
# The same and its draw row in one statement on PostgreSQL (one round trip): the draw is inserted
# from the updated lot's row, so exactly when the lot held enough.
_TAKEN = _TAKE_FROM_SOONEST.cte("taken_from_lot")
_TAKE_FROM_SOONEST_AND_DRAW = insert(_DRAWS).from_select(
    ["entry_id", "lot_id", "points"],
    select(cast(bindparam("entry", type_=_DRAWS.c.entry_id.type), _DRAWS.c.entry_id.type), _TAKEN.c.id,
           cast(bindparam("take", type_=_DRAWS.c.points.type), _DRAWS.c.points.type)).select_from(_TAKEN)) \
    .returning(_DRAWS.c.lot_id)
# The member's projection moves only from the sequence number read under its lock: a second
# writer that got past the lock would change no row, and the append stops instead of forking.
_MOVE_MEMBER = update(_MEMBERS).where(_MEMBERS.c.id == bindparam("member"),
                                      _MEMBERS.c.last_entry_seq == bindparam("prev_seq"))
_MOVE_BALANCE = _MOVE_MEMBER.values(balance=bindparam("balance"), last_entry_seq=bindparam("seq"),
                                    updated_at=bindparam("now"))
_MOVE_BALANCE_FLAGGED = _MOVE_MEMBER.values(balance=bindparam("balance"), last_entry_seq=bindparam("seq"),
                                            updated_at=bindparam("now"), needs_review=True,
                                            review_reason=bindparam("reason"))
_EARNING_KINDS = frozenset((EntryKind.EARN, EntryKind.ADJUST, EntryKind.IMPORT))


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
    day: date | None = None,
) -> PostedEntry:
    """Append one entry to a locked member's ledger and move the projections.

    ``allow_negative`` is for refunds: the points were already spent, so the
    reversal is recorded in full, the balance goes below zero and the member
    is flagged for review; it is never floored silently.

    A positive entry opens one lot expiring on ``expires_on``, or, with
    ``lots``, several lots of given sizes and expiries (a cancelled
    redemption gives points back with the expiry they had).

    ``day`` is the business day of ``now`` at the actor's store when the
    caller has it already. The member object is kept in step with what was
    written (balance, sequence, review flag), so the caller reads the new
    balance from it as before.
    """
    if points == 0:
        raise IntegrityViolation("a ledger entry must change the balance")
    if member.status != "active" and kind in _EARNING_KINDS:
        raise not_active(member.status)
    if inspect(member).modified:
        # Changes to the member made through the ORM and not yet written (by a caller) go first,
        # so the row this append moves from is the one the object shows.
        session.flush()
    balance, prev_seq = member.balance, member.last_entry_seq
    entry = PostedEntry(
        new_id(), member.id, prev_seq + 1, kind.value, points, balance + points, reason_category, note, reference,
        purchase_id, actor.staff_id, approved_by, actor.store_id, now,
        day if day is not None else business_day(now, actor.store_tz), idem_key,
    )
    # The entry first: its lot and draws refer to it.
    session.execute(_INSERT_ENTRY, {
        "id": entry.id, "member_id": entry.member_id, "seq": entry.seq, "kind": entry.kind, "points": points,
        "balance_after": entry.balance_after, "reason_category": reason_category, "note": note,
        "reference": reference, "purchase_id": purchase_id, "staff_id": entry.staff_id, "approved_by": approved_by,
        "store_id": entry.store_id, "occurred_at": now, "business_day": entry.business_day, "idem_key": idem_key})
    flag = None
    if points > 0:
        _open_lots(session, member, entry, lots if lots is not None else [(points, expires_on)])
    else:
        available = _draw(session, member, entry, -points, prefer_lot)
        if available < -points:
            if not allow_negative:
                raise InsufficientPoints(balance=balance, needed=-points - balance)
            flag = review_reason or "balance below zero after a reversal"
    if entry.balance_after < 0 and flag is None and not member.needs_review:
        raise IntegrityViolation(f"member {member.id} would go negative without a review flag")
    params = {"member": member.id, "prev_seq": prev_seq, "balance": entry.balance_after, "seq": entry.seq,
              "now": now}
    if flag is None:
        moved = session.execute(_MOVE_BALANCE, params).rowcount
    else:
        moved = session.execute(_MOVE_BALANCE_FLAGGED, params | {"reason": flag}).rowcount
    if moved != 1:
        raise IntegrityViolation(f"member {member.id} changed while its ledger was being appended to")
    # Written above: the member object shows it without marking anything for another UPDATE.
    set_committed_value(member, "balance", entry.balance_after)
    set_committed_value(member, "last_entry_seq", entry.seq)
    set_committed_value(member, "updated_at", now)
    if flag is not None:
        set_committed_value(member, "needs_review", True)
        set_committed_value(member, "review_reason", flag)
    return entry


def _open_lots(session: Session, member: Member, entry: PostedEntry, lots: list[tuple[int, date | None]]) -> None:
    if sum(size for size, _ in lots) != entry.points or any(size <= 0 or day is None for size, day in lots):
        raise IntegrityViolation("a positive entry's lots must add up to it and each have an expiry date")
    # Points that arrive while the balance is negative first repay the debt.
    debt = max(0, -member.balance)
    rows, draws = [], []
    for index, (size, day) in enumerate(sorted(lots, key=lambda lot: lot[1])):  # type: ignore[arg-type, return-value]
        lot_id = entry.id if index == 0 else new_id()
        repay = min(size, debt)
        debt -= repay
        rows.append({"id": lot_id, "entry_id": entry.id, "member_id": member.id, "points": size,
                     "remaining": size - repay, "expires_on": day})
        if repay:
            draws.append({"entry_id": entry.id, "lot_id": lot_id, "points": repay})
    session.execute(_INSERT_LOT, rows[0] if len(rows) == 1 else rows)
    if draws:
        session.execute(_INSERT_DRAW, draws)


def _draw(session: Session, member: Member, entry: PostedEntry, needed: int, prefer_lot: uuid.UUID | None) -> int:
    """Take ``needed`` points from open lots, soonest-expiring first; return how many there were."""
    dialect = session.connection().dialect
    # RETURNING needs SQLite 3.35 or later; an older library takes the lot-by-lot path.
    if prefer_lot is None and member.balance >= needed and dialect.update_returning:
        if dialect.name == "postgresql":
            if session.execute(_TAKE_FROM_SOONEST_AND_DRAW, {"member": member.id, "take": needed,
                                                              "entry": entry.id}).first() is not None:
                return needed
        else:
            lot_id = session.execute(_TAKE_FROM_SOONEST, {"member": member.id, "take": needed}).scalar()
            if lot_id is not None:
                session.execute(_INSERT_DRAW, {"entry_id": entry.id, "lot_id": lot_id, "points": needed})
                return needed
    lots = session.execute(_OPEN_LOTS, {"member": member.id}).all()
    if prefer_lot is not None:
        lots = sorted(lots, key=lambda lot: lot.id != prefer_lot)
    taken = 0
    takes, draws = [], []
    for lot_id, remaining in lots:
        if taken == needed:
            break
        take = min(remaining, needed - taken)
        taken += take
        takes.append({"lot": lot_id, "left": remaining - take})
        draws.append({"entry_id": entry.id, "lot_id": lot_id, "points": take})
    if taken < needed and taken != max(member.balance, 0):
        # Every open lot was drained and still they held other than the balance: the projections disagree.
        raise IntegrityViolation(f"lots of member {member.id} do not match the balance")
    if takes:
        session.execute(_SET_REMAINING, takes[0] if len(takes) == 1 else takes)
        session.execute(_INSERT_DRAW, draws[0] if len(draws) == 1 else draws)
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
