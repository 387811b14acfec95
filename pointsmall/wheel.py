"""Spinning the wheel (大转盘) at the counter: the draw, one spin, a member's spins.

A spin is one transaction. With the member row and then the wheel row locked
(the same order everywhere), it checks the window and the member's caps,
draws with ``secrets.randbelow`` over the half-open range [0, total weight),
falls to the fallback segment when the drawn prize is out of stock or the
budget cannot pay it, gives a guaranteed prize after N misses when the wheel
has a pity counter (保底), debits the cost, credits the points or issues the
prize voucher, takes the stock with a conditional UPDATE, moves the budget,
and records the draw (random value, range, wheel version, segment): all
committed before the client starts the animation, which then lands on the
committed segment. A crash after the commit loses nothing; a retried
request id is answered with the first result. Wheels are set up in
``wheel_setup.py``.
"""
from __future__ import annotations

import enum
import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger, prizes, reviews, tiers
from .clock import business_day, utc_now, zone
from .db import Database
from .errors import (
    Conflict,
    DomainError,
    InsufficientPoints,
    IntegrityViolation,
    NotFound,
    ValidationError,
    not_active,
)
from .ids import new_id
from .ledger import EntryKind
from .models import Member, PrizeVoucher, Wheel, WheelDraw, WheelSegment, WheelVersion
from .rules import load_rules
from .staff import Actor, Permission, require
from .vouchers import display_code
from .wheel_setup import PrizeKind, WheelView, segments_of, wheel_view

MAX_REQUEST_ID = 64  # wheel_draws.request_id


class Outcome(str, enum.Enum):
    DRAWN = "drawn"
    PITY = "pity"  # the guaranteed prize after N misses
    OUT_OF_STOCK = "out_of_stock"  # fell to the fallback segment
    OVER_BUDGET = "over_budget"  # fell to the fallback segment


class SpinRefusal(DomainError):
    """Why a member cannot spin now, in the member's words."""


# -- the draw --------------------------------------------------------------------------------------


def segment_at(weights: Sequence[int], value: int) -> int:
    """The segment that ``value`` in [0, sum(weights)) falls on; a zero weight is never hit."""
    if not 0 <= value < sum(weights):
        raise ValueError(f"{value} is outside [0, {sum(weights)})")
    bound = 0
    for index, weight in enumerate(weights):
        bound += weight
        if value < bound:
            return index
    raise AssertionError("unreachable")


def draw(weights: Sequence[int], randbelow: Callable[[int], int] | None = None) -> tuple[int, int]:
    """(segment index, random value): the value from [0, total), never the total itself."""
    total = sum(weights)
    if total <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative with a positive total")
    value = (randbelow or secrets.randbelow)(total)
    return segment_at(weights, value), value


@dataclass(frozen=True)
class _Choice:
    value: int
    total_weight: int
    drawn_index: int
    segment_index: int
    outcome: Outcome


def _unavailable(seg: WheelSegment, version: WheelVersion, spent: int) -> Outcome | None:
    if seg.prize_kind == PrizeKind.NOTHING.value:
        return None
    if seg.stock is not None and seg.awarded >= seg.stock:
        return Outcome.OUT_OF_STOCK
    if version.budget is not None and spent + seg.value_points > version.budget:
        return Outcome.OVER_BUDGET
    return None


def _choose(segments: list[WheelSegment], version: WheelVersion, spent: int, misses: int) -> _Choice:
    prizes_ = [s for s in segments if s.prize_kind != PrizeKind.NOTHING.value and s.weight > 0]
    pool = segments
    if version.pity_after is not None and misses >= version.pity_after:
        # 保底: draw among the prizes that can still be paid; when none can, among all
        # prizes, so the record says why the guarantee fell to the fallback.
        pool = [s for s in prizes_ if _unavailable(s, version, spent) is None] or prizes_
    weights = [s.weight for s in pool]
    index, value = draw(weights)
    drawn = pool[index]
    why = _unavailable(drawn, version, spent)
    if why is not None:
        return _Choice(value, sum(weights), drawn.idx, version.fallback_index, why)
    return _Choice(value, sum(weights), drawn.idx, drawn.idx, Outcome.PITY if pool is not segments else Outcome.DRAWN)


# -- spinning --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpinResult:
    """A committed spin: the client animates the wheel to ``segment_index`` and announces the prize."""

    draw_id: uuid.UUID
    wheel_id: uuid.UUID
    version: int
    segment_index: int
    drawn_index: int
    outcome: str
    label: str
    colour: str
    prize: str
    prize_points: int
    voucher_code: str | None  # as printed, e.g. K7MQ-9XH2-TD4R
    voucher_expires_on: date | None
    cost_points: int
    free: bool
    balance: int
    member_name: str
    occurred_at: datetime
    repeated: bool  # nothing new was written: a retried request id, or a look back at history


@dataclass(frozen=True)
class SpinStatus:
    """For the games page: what the member's next spin costs and how many are left."""

    wheel: WheelView
    free_spins_left: int
    spins_left_today: int | None  # None: no daily cap
    spins_left_total: int | None  # None: no cap
    next_cost: int
    balance: int
    pity_in: int | None  # spins until a prize is certain; None without a pity counter
    refusal: DomainError | None  # why the member cannot spin now


@dataclass(frozen=True)
class _MemberState:
    spins: int  # on this wheel, all days
    misses: int  # the pity counter
    today: int  # spins today
    free_allowed: int  # free spins a day for the member's tier
    free_today: int  # free spins taken today


def _member_state(session: Session, member: Member, version: WheelVersion, day: date) -> _MemberState:
    """The member's spins on the wheel: the last draw (one indexed row), and today's count when needed."""
    last = session.execute(select(WheelDraw.member_seq, WheelDraw.misses, WheelDraw.business_day, WheelDraw.day_seq)
                           .where(WheelDraw.wheel_id == version.wheel_id, WheelDraw.member_id == member.id)
                           .order_by(WheelDraw.member_seq.desc()).limit(1)).first()
    free: dict[str, int] = json.loads(version.free_spins)
    allowed = free.get(tiers.effective_tier(member, tiers.list_tiers(session), day).code, 0) if free else 0
    if last is None:
        return _MemberState(0, 0, 0, allowed, 0)
    if last.business_day == day and not allowed:
        return _MemberState(last.member_seq, last.misses, last.day_seq, allowed, 0)
    # Counted, not inferred from the last draw: tills in other timezones have other business days, and a
    # tier-up can raise the free allowance mid-day.
    today, taken = session.execute(
        select(func.count(), func.coalesce(func.sum(case((WheelDraw.free, 1), else_=0)), 0))
        .where(WheelDraw.wheel_id == version.wheel_id, WheelDraw.member_id == member.id,
               WheelDraw.business_day == day)).one()
    return _MemberState(last.member_seq, last.misses, int(today), allowed, int(taken))


def _when(instant: datetime, tz_name: str) -> str:
    return instant.astimezone(zone(tz_name)).strftime("%Y-%m-%d %H:%M")


def _refusal(wheel: Wheel, version: WheelVersion, state: _MemberState, now: datetime,
             tz_name: str) -> SpinRefusal | None:
    if not wheel.active:
        return SpinRefusal("This wheel is paused.")
    if now < version.starts_at:
        return SpinRefusal("This wheel opens at {when}.", when=_when(version.starts_at, tz_name))
    if now >= version.ends_at:
        return SpinRefusal("This wheel closed at {when}.", when=_when(version.ends_at, tz_name))
    if version.daily_cap is not None and state.today >= version.daily_cap:
        return SpinRefusal("All {n} spins for today are used; come back tomorrow.", n=version.daily_cap)
    if version.total_cap is not None and state.spins >= version.total_cap:
        return SpinRefusal("All {n} spins on this wheel are used.", n=version.total_cap)
    return None


def spin_status(db: Database, actor: Actor, member_id: uuid.UUID, wheel_id: uuid.UUID, *,
                now: datetime | None = None) -> SpinStatus:
    require(actor, Permission.MEMBER_VIEW)
    now = now or utc_now()
    day = business_day(now, actor.store_tz)
    with db.read() as session:
        member = session.get(Member, member_id)
        wheel = session.get(Wheel, wheel_id)
        if member is None:
            raise NotFound("No such member.")
        if wheel is None:
            raise NotFound("No such wheel.")
        version = session.get(WheelVersion, (wheel.id, wheel.version))
        assert version is not None
        state = _member_state(session, member, version, day)
        free_left = max(0, state.free_allowed - state.free_today)
        cost = 0 if free_left else version.cost_points
        refusal: DomainError | None = _refusal(wheel, version, state, now, actor.store_tz)
        if refusal is None and member.status != "active":
            refusal = not_active(member.status)
        if refusal is None and cost > member.balance:
            refusal = _short(cost, member.balance)
        return SpinStatus(
            wheel_view(session, wheel), free_left,
            None if version.daily_cap is None else max(0, version.daily_cap - state.today),
            None if version.total_cap is None else max(0, version.total_cap - state.spins),
            cost, member.balance,
            None if version.pity_after is None else max(0, version.pity_after - state.misses) + 1,
            refusal)


def _short(cost: int, balance: int) -> InsufficientPoints:
    return InsufficientPoints("A spin costs {cost} points; the balance is {balance}.", cost=cost, balance=balance)


def spin(db: Database, actor: Actor, *, member_id: uuid.UUID, wheel_id: uuid.UUID, request_id: str | None = None,
         now: datetime | None = None) -> SpinResult:
    """Draw, pay and record one spin in one transaction; the result says where the wheel must stop."""
    require(actor, Permission.WHEEL_SPIN)
    if request_id is not None and not 1 <= len(request_id) <= MAX_REQUEST_ID:
        raise ValidationError("A request id has 1 to {n} characters.", field="request_id", n=MAX_REQUEST_ID)
    now = now or utc_now()
    day = business_day(now, actor.store_tz)
    try:
        with db.write() as session:
            member = ledger.lock_member(session, member_id)
            if request_id is not None:
                # Under the member's lock: a retry racing its first attempt waits, then finds it.
                done = session.scalars(select(WheelDraw).where(WheelDraw.request_id == request_id)).one_or_none()
                if done is not None:
                    return _repeat(session, done, member_id, wheel_id)
            if member.status != "active":
                raise not_active(member.status)
            reviews.refuse_if_blocked(session, member.id)  # flagged earnings under review
            return _spin(session, member, actor, wheel_id, request_id, now, day)
    except IntegrityError:
        if request_id is None:
            raise
        with db.read() as session:
            done = session.scalars(select(WheelDraw).where(WheelDraw.request_id == request_id)).one_or_none()
            if done is None:
                raise
            return _repeat(session, done, member_id, wheel_id)


def _repeat(session: Session, done: WheelDraw, member_id: uuid.UUID, wheel_id: uuid.UUID) -> SpinResult:
    if done.member_id != member_id or done.wheel_id != wheel_id:
        raise Conflict("This spin request was already used for another member or wheel.")
    return _result(session, done, repeated=True)


def _spin(session: Session, member: Member, actor: Actor, wheel_id: uuid.UUID, request_id: str | None,
          now: datetime, day: date) -> SpinResult:
    # Locked after the member, as everywhere: the wheel's stock, budget and version are read fresh.
    found = session.execute(
        select(Wheel, WheelVersion)
        .join(WheelVersion, (WheelVersion.wheel_id == Wheel.id) & (WheelVersion.version == Wheel.version))
        .where(Wheel.id == wheel_id).with_for_update(of=Wheel).execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise NotFound("No such wheel.")
    wheel, version = found
    state = _member_state(session, member, version, day)
    refusal = _refusal(wheel, version, state, now, actor.store_tz)
    if refusal is not None:
        raise refusal
    free = state.free_today < state.free_allowed
    cost = 0 if free else version.cost_points
    if cost > member.balance:
        raise _short(cost, member.balance)
    segments = segments_of(session, wheel.id, version.version)
    choice = _choose(segments, version, wheel.budget_spent, state.misses)
    seg = segments[choice.segment_index]
    # The stock check that counts: a conditional UPDATE, never a value read earlier.
    taken = session.execute(
        update(WheelSegment)
        .where(WheelSegment.wheel_id == wheel.id, WheelSegment.version == version.version,
               WheelSegment.idx == seg.idx,
               or_(WheelSegment.stock.is_(None), WheelSegment.awarded < WheelSegment.stock))
        .values(awarded=WheelSegment.awarded + 1).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise IntegrityViolation(f"wheel {wheel.id} segment {seg.idx} ran out of stock under the wheel's lock")
    wheel.budget_spent += seg.value_points
    wheel.spins += 1
    wheel.updated_at = now
    if version.budget is not None and wheel.budget_spent > version.budget:
        raise IntegrityViolation(f"wheel {wheel.id} would spend {wheel.budget_spent} of {version.budget}")
    reference = f"wheel {wheel.name}"
    cost_entry = (ledger.post(session, member, actor, kind=EntryKind.WHEEL_COST, points=-cost, now=now,
                              reference=reference) if cost else None)
    prize_entry = None
    if seg.prize_kind == PrizeKind.POINTS.value:
        prize_entry = ledger.post(session, member, actor, kind=EntryKind.WHEEL_PRIZE, points=seg.prize_points,
                                  now=now, expires_on=ledger.lot_expiry(day, load_rules(session).expiry_months),
                                  reference=reference, note=seg.label)
    row = WheelDraw(
        id=new_id(), wheel_id=wheel.id, version=version.version, member_id=member.id, member_seq=state.spins + 1,
        day_seq=state.today + 1, business_day=day, random_value=choice.value, total_weight=choice.total_weight,
        drawn_index=choice.drawn_index, segment_index=seg.idx, outcome=choice.outcome.value, free=free,
        cost_points=cost, cost_entry_id=cost_entry.id if cost_entry else None, prize_kind=seg.prize_kind,
        prize_points=seg.prize_points, prize_entry_id=prize_entry.id if prize_entry else None,
        value_points=seg.value_points,
        misses=0 if seg.prize_kind != PrizeKind.NOTHING.value else state.misses + 1,
        request_id=request_id, staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now)
    session.add(row)
    session.flush()
    voucher = None
    if seg.prize_kind in (PrizeKind.ITEM.value, PrizeKind.COUPON.value):
        voucher = prizes.issue(session, row, seg, day, now)
        session.flush()
    audit.record(session, actor, "wheel.spin", "member", member.id, {"balance": member.balance + cost
                                                                      - seg.prize_points},
                 {"balance": member.balance, "wheel": str(wheel.id), "version": version.version,
                  "segment": seg.idx, "outcome": choice.outcome.value, "cost": cost, "value": seg.value_points}, now)
    return _result(session, row, repeated=False, segment=seg, member=member, voucher=voucher)


def _result(session: Session, row: WheelDraw, *, repeated: bool, segment: WheelSegment | None = None,
            member: Member | None = None, voucher: PrizeVoucher | None = None) -> SpinResult:
    segment = segment or session.get(WheelSegment, (row.wheel_id, row.version, row.segment_index))
    member = member or session.get(Member, row.member_id)
    assert segment is not None and member is not None
    if voucher is None and row.prize_kind in (PrizeKind.ITEM.value, PrizeKind.COUPON.value):
        voucher = session.scalars(select(PrizeVoucher).where(PrizeVoucher.draw_id == row.id)).one_or_none()
    return SpinResult(row.id, row.wheel_id, row.version, row.segment_index, row.drawn_index, row.outcome,
                      segment.label, segment.colour, row.prize_kind, row.prize_points,
                      display_code(voucher.code) if voucher else None, voucher.expires_on if voucher else None,
                      row.cost_points, row.free, member.balance, member.name, row.occurred_at, repeated)


def draws_for(db: Database, actor: Actor, member_id: uuid.UUID, *, limit: int = 50) -> list[SpinResult]:
    """A member's spins, newest first (for the games page and a crashed client's recovery)."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        rows = session.scalars(select(WheelDraw).where(WheelDraw.member_id == member_id)
                               .order_by(WheelDraw.occurred_at.desc(), WheelDraw.id.desc()).limit(limit)).all()
        return [_result(session, row, repeated=True) for row in rows]

