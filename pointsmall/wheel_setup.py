"""Setting up a spin wheel (大转盘): drafts, validation, published versions, views, expected cost.

A wheel is a campaign with an availability window and 4 to 12 segments, each
a prize (points, a catalog item, a coupon, or "thanks for playing") with a
weight, a colour and a label, plus a cost per spin, free spins per day by
tier, caps per member, a budget in points-equivalent and an optional pity
counter (保底). An operator's edit publishes a new version and never changes
an old one, so every draw names the exact rules it was drawn under. A
segment's stock is what that version may hand out; the budget covers all of
the wheel's versions. ``expected_cost`` is what the editor shows while the
operator types. Spinning is ``wheel.py``.
"""
from __future__ import annotations

import enum
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, tiers
from .clock import utc_now
from .db import Database
from .errors import DomainError, NotFound, ValidationError
from .ids import new_id
from .models import CatalogItem, Wheel, WheelSegment, WheelVersion
from .staff import Actor, Permission, require

MIN_SEGMENTS, MAX_SEGMENTS = 4, 12
MAX_WEIGHT = 1_000_000
MAX_POINTS = 1_000_000
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class PrizeKind(str, enum.Enum):
    POINTS = "points"
    ITEM = "item"  # a catalog item, handed over against a prize voucher
    COUPON = "coupon"  # a coupon defined on the segment (face value, validity)
    NOTHING = "nothing"  # "thanks for playing"


# -- drafts and versions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentDraft:
    label: str
    colour: str  # #RRGGBB
    weight: int
    prize: str = PrizeKind.NOTHING.value
    points: int = 0  # points prizes
    item_id: uuid.UUID | None = None  # item prizes
    face_value_fen: int | None = None  # coupon prizes
    validity_days: int | None = None  # coupon prizes; for items the item's own validity applies
    value_points: int = 0  # what one prize costs the budget (points prizes: the points)
    stock: int | None = None  # prizes this version may hand out; None: no limit


@dataclass(frozen=True)
class WheelDraft:
    """What an operator fills in; ``save_wheel`` validates it and publishes a version."""

    name: str
    starts_at: datetime
    ends_at: datetime  # exclusive
    segments: tuple[SegmentDraft, ...]
    fallback_index: int  # a "thanks for playing" segment: where a spin lands when prizes run out
    cost_points: int = 0
    free_spins: Mapping[str, int] = field(default_factory=dict)  # tier code -> free spins a day
    daily_cap: int | None = None  # spins per member per business day
    total_cap: int | None = None  # spins per member on this wheel
    budget: int | None = None  # points-equivalent for all prizes; None: no budget
    pity_after: int | None = None  # a prize is certain after this many spins in a row without one


@dataclass(frozen=True)
class SegmentView:
    index: int
    label: str
    colour: str
    weight: int
    prize: str
    points: int
    item_id: uuid.UUID | None
    item_name: str | None
    face_value_fen: int | None
    validity_days: int | None
    value_points: int
    stock: int | None
    awarded: int

    @property
    def stock_left(self) -> int | None:
        return None if self.stock is None else self.stock - self.awarded


@dataclass(frozen=True)
class WheelView:
    id: uuid.UUID
    name: str
    version: int
    active: bool
    starts_at: datetime
    ends_at: datetime
    segments: tuple[SegmentView, ...]
    fallback_index: int
    cost_points: int
    free_spins: Mapping[str, int]
    daily_cap: int | None
    total_cap: int | None
    budget: int | None
    budget_spent: int
    pity_after: int | None
    spins: int

    def draft(self) -> WheelDraft:
        """The published rules as a draft, for the editor to start from (stock as what is left)."""
        return WheelDraft(self.name, self.starts_at, self.ends_at, tuple(
            SegmentDraft(s.label, s.colour, s.weight, s.prize, s.points, s.item_id, s.face_value_fen,
                         s.validity_days, s.value_points, s.stock_left) for s in self.segments),
            self.fallback_index, self.cost_points, dict(self.free_spins), self.daily_cap, self.total_cap,
            self.budget, self.pity_after)


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_segment(seg: SegmentDraft, index: int) -> SegmentDraft:
    n = index + 1
    label = seg.label.strip()
    if not 1 <= len(label) <= 32:
        raise ValidationError("Segment {n} needs a label of 1 to 32 characters.", field="label", n=n)
    if not isinstance(seg.colour, str) or not _COLOUR.match(seg.colour):
        raise ValidationError("Segment {n} needs a colour like #E5484D.", field="colour", n=n)
    if not _whole(seg.weight, 0, MAX_WEIGHT):
        raise ValidationError("Segment {n}'s weight must be a whole number from 0 to 1,000,000.", field="weight", n=n)
    try:
        kind = PrizeKind(seg.prize)
    except ValueError:
        raise ValidationError("Segment {n} has an unknown prize type.", field="prize", n=n) from None
    if seg.stock is not None and not _whole(seg.stock, 0, MAX_POINTS):
        raise ValidationError("Segment {n}'s stock must be 0 to 1,000,000, or empty for no limit.", field="stock", n=n)
    if not _whole(seg.value_points, 0, MAX_POINTS):
        raise ValidationError("Segment {n}'s value must be 0 to 1,000,000 points.", field="value_points", n=n)
    points, item_id, face, days, value, stock = 0, None, None, None, seg.value_points, seg.stock
    if kind is PrizeKind.POINTS:
        if not _whole(seg.points, 1, MAX_POINTS):
            raise ValidationError("Segment {n} pays 1 to 1,000,000 points.", field="points", n=n)
        points, value = seg.points, seg.points
    elif kind is PrizeKind.ITEM:
        if seg.item_id is None:
            raise ValidationError("Choose the catalog item segment {n} gives.", field="item", n=n)
        item_id = seg.item_id
    elif kind is PrizeKind.COUPON:
        if not _whole(seg.face_value_fen, 1, 100_000_00):
            raise ValidationError("Segment {n}'s coupon needs a face value of ¥0.01 to ¥100,000.", field="face_value",
                                  n=n)
        if not _whole(seg.validity_days, 1, 3650):
            raise ValidationError("Segment {n}'s coupon must stay valid for 1 to 3,650 days.", field="validity_days",
                                  n=n)
        face, days = seg.face_value_fen, seg.validity_days
    else:
        value, stock = 0, None
    return SegmentDraft(label, seg.colour.upper(), seg.weight, kind.value, points, item_id, face, days, value, stock)


def validate_draft(draft: WheelDraft) -> WheelDraft:
    name = draft.name.strip()
    if not 1 <= len(name) <= 64:
        raise ValidationError("A wheel needs a name of 1 to 64 characters.", field="name")
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None or draft.ends_at <= draft.starts_at:
        raise ValidationError("The wheel must close after it opens.", field="ends_at")
    if not MIN_SEGMENTS <= len(draft.segments) <= MAX_SEGMENTS:
        raise ValidationError("A wheel has {low} to {high} segments.", field="segments", low=MIN_SEGMENTS,
                              high=MAX_SEGMENTS)
    segments = tuple(validate_segment(s, i) for i, s in enumerate(draft.segments))
    if sum(s.weight for s in segments) == 0:
        raise ValidationError("At least one segment needs a weight above zero.", field="weight")
    if (not _whole(draft.fallback_index, 0, len(segments) - 1)
            or segments[draft.fallback_index].prize != PrizeKind.NOTHING.value):
        raise ValidationError("The fallback segment must be a “thanks for playing” segment: a spin lands there "
                              "when a prize is out of stock or the budget is spent.", field="fallback_index")
    if not _whole(draft.cost_points, 0, MAX_POINTS):
        raise ValidationError("A spin costs 0 to 1,000,000 points.", field="cost_points")
    free = dict(draft.free_spins)
    if any(not isinstance(code, str) or not _whole(n, 0, 100) for code, n in free.items()):
        raise ValidationError("Free spins are 0 to 100 a day for each tier.", field="free_spins")
    if draft.daily_cap is not None and not _whole(draft.daily_cap, 1, 1000):
        raise ValidationError("A member may spin 1 to 1,000 times a day, or leave the daily cap empty.",
                              field="daily_cap")
    if draft.total_cap is not None and not _whole(draft.total_cap, 1, 1_000_000):
        raise ValidationError("A member may spin 1 to 1,000,000 times in all, or leave the total cap empty.",
                              field="total_cap")
    if draft.pity_after is not None and not _whole(draft.pity_after, 1, 1000):
        raise ValidationError("The pity counter is 1 to 1,000 spins without a prize, or empty for none.",
                              field="pity_after")
    if draft.budget is not None and not _whole(draft.budget, 0, 2_000_000_000):
        raise ValidationError("The budget must be 0 to 2,000,000,000 points, or empty for none.", field="budget")
    if draft.pity_after is not None and not any(s.prize != PrizeKind.NOTHING.value and s.weight > 0
                                                for s in segments):
        raise ValidationError("A pity counter needs at least one prize segment with a weight.", field="pity_after")
    return WheelDraft(name, draft.starts_at, draft.ends_at, segments, draft.fallback_index, draft.cost_points,
                      {code: n for code, n in sorted(free.items()) if n}, draft.daily_cap, draft.total_cap,
                      draft.budget, draft.pity_after)


def save_wheel(db: Database, actor: Actor, draft: WheelDraft, *, wheel_id: uuid.UUID | None = None) -> WheelView:
    """Publish a new wheel, or a new version of one; draws already made keep their version."""
    require(actor, Permission.GAMES_CONFIGURE)
    draft = validate_draft(draft)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "games")  # head office's data: a replica's edit would be overwritten
        codes = {t.code for t in tiers.list_tiers(session)}
        unknown = sorted(set(draft.free_spins) - codes)
        if unknown:
            raise ValidationError("Unknown tier: {code}", field="free_spins", code=", ".join(unknown))
        for i, seg in enumerate(draft.segments):
            if seg.item_id is not None and session.get(CatalogItem, seg.item_id) is None:
                raise NotFound("Segment {n}'s catalog item no longer exists.", n=i + 1)
        if wheel_id is None:
            wheel = Wheel(id=new_id(), name=draft.name, version=1, active=True, budget_spent=0, spins=0,
                          created_at=now, updated_at=now)
            session.add(wheel)
            before = None
        else:
            found = session.get(Wheel, wheel_id, with_for_update=True, populate_existing=True)
            if found is None:
                raise NotFound("No such wheel.")
            wheel = found
            before = {"version": wheel.version, "name": wheel.name}
            wheel.version += 1
            wheel.name, wheel.updated_at = draft.name, now
        if draft.budget is not None and draft.budget < wheel.budget_spent:
            raise ValidationError("The budget cannot be less than the {spent} points already paid out.",
                                  field="budget", spent=wheel.budget_spent)
        session.flush()
        session.add(WheelVersion(
            wheel_id=wheel.id, version=wheel.version, name=draft.name, starts_at=draft.starts_at,
            ends_at=draft.ends_at, cost_points=draft.cost_points, free_spins=json.dumps(dict(draft.free_spins)),
            daily_cap=draft.daily_cap, total_cap=draft.total_cap, budget=draft.budget, pity_after=draft.pity_after,
            fallback_index=draft.fallback_index, staff_id=actor.staff_id, created_at=now))
        session.flush()
        session.add_all(WheelSegment(
            wheel_id=wheel.id, version=wheel.version, idx=i, label=s.label, colour=s.colour, weight=s.weight,
            prize_kind=s.prize, prize_points=s.points, item_id=s.item_id, face_value_fen=s.face_value_fen,
            validity_days=s.validity_days, value_points=s.value_points, stock=s.stock, awarded=0)
            for i, s in enumerate(draft.segments))
        session.flush()
        audit.record(session, actor, "wheel.publish", "wheel", wheel.id, before,
                     {"version": wheel.version, "name": draft.name, "segments": len(draft.segments),
                      "cost": draft.cost_points, "budget": draft.budget}, now)
        return wheel_view(session, wheel)


def set_wheel_active(db: Database, actor: Actor, wheel_id: uuid.UUID, active: bool) -> WheelView:
    """Pause or resume a wheel without publishing a new version."""
    require(actor, Permission.GAMES_CONFIGURE)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "games")  # head office's data: a replica's edit would be overwritten
        wheel = session.get(Wheel, wheel_id, with_for_update=True, populate_existing=True)
        if wheel is None:
            raise NotFound("No such wheel.")
        before = wheel.active
        wheel.active, wheel.updated_at = bool(active), now
        audit.record(session, actor, "wheel.active", "wheel", wheel.id, {"active": before}, {"active": wheel.active},
                     now)
        return wheel_view(session, wheel)


def segments_of(session: Session, wheel_id: uuid.UUID, version: int) -> list[WheelSegment]:
    return list(session.scalars(select(WheelSegment).where(WheelSegment.wheel_id == wheel_id,
                                                           WheelSegment.version == version)
                                .order_by(WheelSegment.idx).execution_options(populate_existing=True)))


def wheel_view(session: Session, wheel: Wheel) -> WheelView:
    version = session.get(WheelVersion, (wheel.id, wheel.version))
    assert version is not None
    segments = segments_of(session, wheel.id, wheel.version)
    item_ids = [s.item_id for s in segments if s.item_id is not None]
    names = dict(session.execute(select(CatalogItem.id, CatalogItem.name).where(CatalogItem.id.in_(item_ids))).all()) \
        if item_ids else {}
    return WheelView(
        wheel.id, wheel.name, wheel.version, wheel.active, version.starts_at, version.ends_at,
        tuple(SegmentView(s.idx, s.label, s.colour, s.weight, s.prize_kind, s.prize_points, s.item_id,
                          names.get(s.item_id) if s.item_id else None, s.face_value_fen, s.validity_days,
                          s.value_points, s.stock, s.awarded) for s in segments),
        version.fallback_index, version.cost_points, json.loads(version.free_spins), version.daily_cap,
        version.total_cap, version.budget, wheel.budget_spent, version.pity_after, wheel.spins)


def get_wheel(db: Database, actor: Actor, wheel_id: uuid.UUID) -> WheelView:
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        wheel = session.get(Wheel, wheel_id)
        if wheel is None:
            raise NotFound("No such wheel.")
        return wheel_view(session, wheel)


def list_wheels(db: Database, actor: Actor, *, open_at: datetime | None = None) -> list[WheelView]:
    """Every wheel, or with ``open_at`` only those a member could spin at that instant."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        views = [wheel_view(session, w) for w in session.scalars(select(Wheel).order_by(Wheel.created_at))]
    if open_at is not None:
        views = [v for v in views if v.active and v.starts_at <= open_at < v.ends_at]
    return views


# -- what a spin costs -----------------------------------------------------------------------------


class BudgetWarning(DomainError):
    """Shown in the wheel editor, never raised: the budget runs out before the expected spins."""


@dataclass(frozen=True)
class ExpectedCost:
    per_spin: float  # points-equivalent paid out by one spin, in the long run
    prize_chance: float  # share of spins that win a prize, pity included
    payout_ratio: float | None  # per_spin / cost of a spin; None for a free wheel
    spins_budget_pays: int | None  # about how many spins the budget left pays for; None: no budget or no cost
    warning: BudgetWarning | None


def _value(seg: SegmentDraft | SegmentView) -> int:
    """A prize's points-equivalent, also for a draft not yet validated."""
    if seg.prize == PrizeKind.POINTS.value:
        return seg.points
    return 0 if seg.prize == PrizeKind.NOTHING.value else seg.value_points


def expected_cost(wheel: WheelDraft | WheelView, *, expected_spins: int | None = None,
                  spent: int | None = None) -> ExpectedCost:
    """The expected cost of one spin, for the operator while editing.

    Exact for the weights and the pity counter; an upper bound otherwise,
    since stock running out moves spins onto the (free) fallback segment.
    With a pity counter of N, a run of spins ends at the first prize or at
    the guaranteed (N+1)-th spin, so a run is on average
    (1 - (1-p)^(N+1)) / p spins long and pays one prize of the average
    prize value.
    """
    segments = [(s.weight, _value(s), s.prize != PrizeKind.NOTHING.value) for s in wheel.segments]
    total = sum(w for w, _, _ in segments)
    prize_weight = sum(w for w, _, is_prize in segments if is_prize)
    # Exact fractions, so "the budget pays for 100 spins" is never 99 by rounding.
    per_spin, chance = Fraction(0), Fraction(0)
    if total > 0 and prize_weight > 0:
        p = Fraction(prize_weight, total)
        mean_prize = Fraction(sum(w * v for w, v, is_prize in segments if is_prize), prize_weight)
        pity = wheel.pity_after
        chance = p if pity is None else p / (1 - (1 - p) ** (pity + 1))
        per_spin = chance * mean_prize
    ratio = float(per_spin / wheel.cost_points) if wheel.cost_points else None
    spent = spent if spent is not None else getattr(wheel, "budget_spent", 0)
    lasts = None
    warning = None
    if wheel.budget is not None and per_spin > 0:
        left = max(0, wheel.budget - spent)
        lasts = int(left / per_spin)
        if expected_spins is not None and expected_spins > lasts:
            warning = BudgetWarning(
                "At about {per_spin} points a spin, the budget left ({left}) pays for about {spins} spins, "
                "fewer than the {expected} expected: prizes will fall to the fallback early.",
                per_spin=f"{float(per_spin):.1f}", left=left, spins=lasts, expected=expected_spins)
    return ExpectedCost(float(per_spin), float(chance), ratio, lasts, warning)
