"""Member tiers (会员等级): growth value, progress, upgrades and evaluation.

A tier follows growth value (成长值): spend in fen, or points earned, over a
rolling window; never the spendable balance. Upgrades happen the moment the
threshold is crossed; downgrades only at the periodic evaluation, one tier
at a time, when the growth is below the tier's retention figure (保级). A
tier set by hand has a reason and an end date and lapses on its own.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit
from .clock import add_months, utc_now, zone
from .db import Database
from .errors import Conflict, NotFound, ValidationError
from .ids import new_id
from .models import Member, PointEntry, Purchase, Refund, Tier, TierChange, TierEvaluation
from .rules import Rules, load_rules
from .staff import Actor, Permission, require


@dataclass(frozen=True)
class TierView:
    id: int
    code: str
    rank: int
    name_zh: str
    name_en: str
    threshold: int
    retention: int
    discount_pct: int
    multiplier_permille: int
    monthly_events: int
    colour: str
    badge: str
    benefits_zh: str
    benefits_en: str


@dataclass(frozen=True)
class TierProgress:
    """What the progress bar shows: "再消费 ¥320 升级金卡"."""

    basis: str  # "spend" (amounts in fen) or "points"
    growth: int
    current: TierView
    next: TierView | None  # None at the top tier
    needed: int  # growth still needed for the next tier (0 at the top)
    percent: int  # 0..100 of the way from the current tier's threshold to the next
    manual_until: date | None  # set when the current tier was set by hand


def tier_view(t: Tier) -> TierView:
    return TierView(t.id, t.code, t.rank, t.name_zh, t.name_en, t.threshold, t.retention, t.discount_pct,
                    t.multiplier_permille, t.monthly_events, t.colour, t.badge, t.benefits_zh, t.benefits_en)


_TIER_COLUMNS = (Tier.id, Tier.code, Tier.rank, Tier.name_zh, Tier.name_en, Tier.threshold, Tier.retention,
                 Tier.discount_pct, Tier.multiplier_permille, Tier.monthly_events, Tier.colour, Tier.badge,
                 Tier.benefits_zh, Tier.benefits_en)
_LIST_TIERS = select(*_TIER_COLUMNS).order_by(Tier.rank)


def list_tiers(session: Session) -> list[TierView]:
    # Plain rows, not ORM objects: every award and lookup reads the ladder.
    return [TierView(*row) for row in session.connection().execute(_LIST_TIERS)]


# Spend in the window less what was refunded of it, built once (every award runs it), with the
# bind parameters "member" and "since"; an award reads it in the same statement as its receipt check.
SPEND_GROWTH = (
    select(func.coalesce(func.sum(Purchase.amount_fen), 0))
    .where(Purchase.member_id == bindparam("member"), Purchase.occurred_at >= bindparam("since"))
    .scalar_subquery()
    - select(func.coalesce(func.sum(Refund.amount_fen), 0)).join(Purchase, Purchase.id == Refund.purchase_id)
    .where(Refund.member_id == bindparam("member"), Purchase.occurred_at >= bindparam("since")).scalar_subquery()
)
_SPEND_GROWTH = select(SPEND_GROWTH)


def window_start(today: date, tz_name: str, months: int) -> datetime:
    start_day = add_months(today, -months)
    return datetime.combine(start_day, time(0), zone(tz_name)).astimezone(timezone.utc)


def growth(session: Session, member_id: uuid.UUID, rules: Rules, since: datetime) -> int:
    if rules.tier_basis == "points":
        earned = session.scalar(
            select(func.coalesce(func.sum(PointEntry.points), 0)).where(
                PointEntry.member_id == member_id, PointEntry.occurred_at >= since,
                PointEntry.kind.in_(("earn", "refund_reversal")))
        )
        return int(earned or 0)
    return int(session.connection().execute(_SPEND_GROWTH, {"member": member_id, "since": since}).scalar() or 0)


def qualifying(tiers: list[TierView], value: int) -> TierView:
    best = tiers[0]
    for t in tiers:
        if value >= t.threshold:
            best = t
    return best


def effective_tier(member: Member, tiers: list[TierView], today: date) -> TierView:
    by_id = {t.id: t for t in tiers}
    earned = by_id[member.tier_id]
    if member.manual_tier_id is not None and member.manual_tier_until is not None and member.manual_tier_until >= today:
        manual = by_id[member.manual_tier_id]
        return manual if manual.rank > earned.rank else earned
    return earned


def progress(member: Member, tiers: list[TierView], value: int, today: date, basis: str) -> TierProgress:
    current = effective_tier(member, tiers, today)
    higher = [t for t in tiers if t.rank > current.rank]
    manual_until = member.manual_tier_until if current.id == member.manual_tier_id else None
    if not higher:
        return TierProgress(basis, value, current, None, 0, 100, manual_until)
    nxt = higher[0]
    span = max(1, nxt.threshold - current.threshold)
    done = min(max(value - current.threshold, 0), span)
    needed = max(nxt.threshold - value, 0)
    return TierProgress(basis, value, current, nxt, needed, done * 100 // span, manual_until)


def upgrade_if_qualified(session: Session, member: Member, tiers: list[TierView], value: int,
                         actor: Actor, now: datetime) -> TierView | None:
    """Raise the earned tier at once when growth crosses a threshold."""
    by_id = {t.id: t for t in tiers}
    target = qualifying(tiers, value)
    current = by_id[member.tier_id]
    if target.rank <= current.rank:
        return None
    _change(session, member, current, target, "upgrade", f"growth {value}", actor, now)
    return target


def _change(session: Session, member: Member, old: TierView | None, new: TierView, kind: str, reason: str,
            actor: Actor, now: datetime) -> None:
    session.add(TierChange(id=new_id(), member_id=member.id, kind=kind, from_tier_id=old.id if old else None,
                           to_tier_id=new.id, reason=reason, staff_id=actor.staff_id, store_id=actor.store_id,
                           occurred_at=now))
    if kind in ("upgrade", "downgrade"):
        member.tier_id = new.id
    member.updated_at = now


def set_manual_tier(db: Database, actor: Actor, member_id: uuid.UUID, tier_code: str, *, reason: str,
                    until: date, today: date | None = None) -> None:
    """Give a member a tier by hand, with a reason and an end date (never open-ended)."""
    require(actor, Permission.TIER_MANUAL_SET)
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError("Give a reason for setting the tier by hand.", field="reason")
    now = utc_now()
    today = today or now.astimezone(zone(actor.store_tz)).date()
    if until < today:
        raise ValidationError("The end date must not be in the past.", field="until")
    if until > add_months(today, 24):
        raise ValidationError("A tier set by hand may last at most 24 months.", field="until")
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports members, which imports tiers

        refuse_on_replica(session, "tier")
        member = session.get(Member, member_id, with_for_update=True)
        if member is None:
            raise NotFound("No such member.")
        tier = session.scalars(select(Tier).where(Tier.code == tier_code)).one_or_none()
        if tier is None:
            raise NotFound("No tier called {code}.", code=tier_code)
        before = {"manual_tier_id": member.manual_tier_id, "until": member.manual_tier_until,
                  "reason": member.manual_tier_reason}
        member.manual_tier_id, member.manual_tier_until, member.manual_tier_reason = tier.id, until, reason
        _change(session, member, None, tier_view(tier), "manual", f"{reason} (until {until})", actor, now)
        audit.record(session, actor, "member.tier_manual", "member", member.id, before,
                     {"manual_tier_id": tier.id, "until": until, "reason": reason}, now)


@dataclass(frozen=True)
class EvaluationReport:
    period: str
    evaluated: int
    downgraded: int
    upgraded: int
    manual_ended: int
    already_done: bool = False


def evaluate(db: Database, actor: Actor, as_of: date | None = None, *, batch: int = 2000) -> EvaluationReport:
    """The periodic (monthly) evaluation; running it twice for a month does nothing."""
    require(actor, Permission.TIER_EVALUATE)
    now = utc_now()
    as_of = as_of or now.astimezone(zone(actor.store_tz)).date()
    period = as_of.strftime("%Y-%m")
    # Claim the month before touching any member: a second run at the same time (the nightly
    # job and an operator's click) then finds it taken instead of downgrading everyone again.
    try:
        with db.write() as session:
            from .sync.guard import refuse_on_replica  # here: the sync package imports members, which imports tiers

            # Head office's job: on a replica the tiers it set would be overwritten by the next pull of each member
            # (a tier-up at the till, upgrade_if_qualified, is not refused: it is the store's own award).
            refuse_on_replica(session, "tier_evaluation")
            if session.get(TierEvaluation, period) is not None:
                return EvaluationReport(period, 0, 0, 0, 0, already_done=True)
            rules = load_rules(session)
            tiers = list_tiers(session)
            session.add(TierEvaluation(period=period, ran_at=now, downgraded=0, upgraded=0, manual_ended=0))
    except IntegrityError:
        raise Conflict("The evaluation for {period} ran twice at once.", period=period) from None
    since = window_start(as_of, actor.store_tz, rules.tier_window_months)
    by_id = {t.id: t for t in tiers}
    evaluated = down = up = ended = 0
    last: uuid.UUID | None = None
    while True:
        with db.write() as session:
            query = select(Member).order_by(Member.id).limit(batch).with_for_update()
            if last is not None:
                query = query.where(Member.id > last)
            members = session.scalars(query).all()
            if not members:
                break
            values = _growth_for(session, [m.id for m in members], rules, since)
            for m in members:
                evaluated += 1
                if m.manual_tier_id is not None and m.manual_tier_until is not None and m.manual_tier_until < as_of:
                    _change(session, m, by_id[m.manual_tier_id], by_id[m.tier_id], "manual_end",
                            f"manual tier ended {m.manual_tier_until}", actor, now)
                    m.manual_tier_id = m.manual_tier_until = m.manual_tier_reason = None
                    ended += 1
                current, value = by_id[m.tier_id], values.get(m.id, 0)
                target = qualifying(tiers, value)
                if target.rank > current.rank:
                    _change(session, m, current, target, "upgrade", f"evaluation {period}: growth {value}", actor, now)
                    up += 1
                elif value < current.retention and current.rank > 0:
                    lower = max((t for t in tiers if t.rank < current.rank), key=lambda t: t.rank)
                    _change(session, m, current, lower, "downgrade",
                            f"evaluation {period}: growth {value} < {current.retention}", actor, now)
                    down += 1
            last = members[-1].id
    with db.write() as session:
        claimed = session.get(TierEvaluation, period, with_for_update=True)
        assert claimed is not None
        claimed.downgraded, claimed.upgraded, claimed.manual_ended = down, up, ended
        audit.record(session, actor, "tiers.evaluate", "tiers", period, None,
                     {"evaluated": evaluated, "downgraded": down, "upgraded": up, "manual_ended": ended}, now)
    return EvaluationReport(period, evaluated, down, up, ended)


def _growth_for(session: Session, member_ids: list[uuid.UUID], rules: Rules, since: datetime) -> dict[uuid.UUID, int]:
    if rules.tier_basis == "points":
        rows = session.execute(
            select(PointEntry.member_id, func.sum(PointEntry.points))
            .where(PointEntry.member_id.in_(member_ids), PointEntry.occurred_at >= since,
                   PointEntry.kind.in_(("earn", "refund_reversal")))
            .group_by(PointEntry.member_id)
        ).all()
        return {m: int(v) for m, v in rows}
    spent = dict(session.execute(
        select(Purchase.member_id, func.sum(Purchase.amount_fen))
        .where(Purchase.member_id.in_(member_ids), Purchase.occurred_at >= since).group_by(Purchase.member_id)
    ).all())
    refunded = dict(session.execute(
        select(Refund.member_id, func.sum(Refund.amount_fen)).join(Purchase, Purchase.id == Refund.purchase_id)
        .where(Refund.member_id.in_(member_ids), Purchase.occurred_at >= since).group_by(Refund.member_id)
    ).all())
    return {m: int(v) - int(refunded.get(m, 0)) for m, v in spent.items()}


def update_tier(db: Database, actor: Actor, code: str, **changes: object) -> TierView:
    """Edit a tier's thresholds, benefits, colours (operator)."""
    require(actor, Permission.TIER_CONFIGURE)
    allowed = {"name_zh", "name_en", "threshold", "retention", "discount_pct", "multiplier_permille",
               "monthly_events", "colour", "benefits_zh", "benefits_en"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError("Unknown tier field: {name}", field="tier", name=", ".join(sorted(unknown)))
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "tiers")  # head office's data: a replica's edit would be overwritten
        tier = session.scalars(select(Tier).where(Tier.code == code).with_for_update()).one_or_none()
        if tier is None:
            raise NotFound("No tier called {code}.", code=code)
        before = {k: getattr(tier, k) for k in changes}
        for key, value in changes.items():
            setattr(tier, key, value)
        _validate_ladder(list(session.scalars(select(Tier).order_by(Tier.rank))))
        audit.record(session, actor, "tier.update", "tier", code, before, dict(changes), utc_now())
        return tier_view(tier)


def _validate_ladder(tiers: list[Tier]) -> None:
    for t in tiers:
        if not 1 <= t.discount_pct <= 100:
            raise ValidationError("A discount is 1 to 100 percent of the price.", field="discount_pct")
        if not 100 <= t.multiplier_permille <= 20_000:
            raise ValidationError("A points multiplier is 0.1x to 20x.", field="multiplier_permille")
        if t.threshold < 0 or not 0 <= t.retention <= t.threshold:
            raise ValidationError("Retention must be between 0 and the tier's threshold.", field="retention")
        if not t.name_zh.strip() or not t.name_en.strip():
            raise ValidationError("A tier needs a name.", field="name")
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", t.colour):
            raise ValidationError("A colour is written as # and six hex digits, e.g. #D4A017.", field="colour")
    if tiers[0].threshold != 0:
        raise ValidationError("The lowest tier must start at 0.", field="threshold")
    for lower, higher in zip(tiers, tiers[1:]):
        if higher.threshold <= lower.threshold:
            raise ValidationError("Each tier must need more growth than the one below it.", field="threshold")
