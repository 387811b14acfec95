"""Points for purchases, and taking them back when a purchase is refunded.

One receipt number per store earns once: a repeat with the same member and
amount is answered with the first result (a retried click or a lost reply),
anything else is refused. Refunds, whole or partial, take back the points in
proportion, once per refund number; the cumulative formula means several
partial refunds never take back more or less than a single full one.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from . import audit, campaigns, ledger, reviews, tasks, tiers
from .clock import business_day, utc_now
from .db import Database
from .errors import Conflict, NotFound, ValidationError, not_active
from .ledger import EntryKind
from .models import Member, PointEntry, Purchase, Refund
from .rules import Rules, load_rules
from .staff import Actor, Permission, require
from .ids import new_id

_REF_RE = re.compile(r"^[0-9A-Za-z\-_/.]{1,64}$")


@dataclass(frozen=True)
class AwardResult:
    """What the till shows: "本次消费获50积分,累计积分1200" and any tier-up."""

    member_id: uuid.UUID
    member_name: str
    receipt_no: str
    amount_fen: int
    points: int
    balance: int
    tier_before: tiers.TierView
    tier_after: tiers.TierView
    campaigns: tuple[str, ...]
    repeated: bool  # True when this receipt had already earned (nothing new was written)
    task_points: int = 0  # tasks this purchase completed (the first purchase), included in ``balance``

    @property
    def tier_up(self) -> bool:
        return self.tier_after.rank > self.tier_before.rank


@dataclass(frozen=True)
class RefundResult:
    member_id: uuid.UUID
    refund_no: str
    amount_fen: int
    points_reversed: int
    balance: int
    flagged_for_review: bool
    repeated: bool


def clean_reference(raw: str, what: str) -> str:
    ref = (raw or "").strip()
    if not _REF_RE.match(ref):
        raise ValidationError("A {what} number is 1 to 64 letters, digits or - _ / .", field=what, what=what)
    return ref


def check_amount(amount_fen: int, rules: Rules) -> None:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise ValidationError("The amount must be a whole number of fen.", field="amount")
    if amount_fen <= 0:
        raise ValidationError("The amount must be more than zero.", field="amount")
    if amount_fen > rules.max_purchase_fen:
        raise ValidationError("¥{amount} is more than one purchase can be (at most ¥{limit}); check the amount.",
                              field="amount", amount=f"{amount_fen / 100:,.2f}",
                              limit=f"{rules.max_purchase_fen / 100:,.0f}")


def earn_points(amount_fen: int, rules: Rules, tier: tiers.TierView, multipliers: list[int]) -> int:
    """amount x base rate x tier multiplier x campaign multipliers, rounded down, in exact integers."""
    numerator = amount_fen * rules.base_rate_permille * tier.multiplier_permille
    denominator = 100 * 1000 * 1000
    for m in multipliers:
        numerator *= m
        denominator *= 1000
    return numerator // denominator


# What a repeated receipt is answered from, and the purchase's own row; built once, run by every award.
_PREVIOUS_RECEIPT = select(Purchase.receipt_no, Purchase.member_id, Purchase.amount_fen, Purchase.points) \
    .where(Purchase.store_id == bindparam("store"), Purchase.receipt_no == bindparam("receipt"))
# On the spend basis (the default), the same check and the member's growth before this purchase
# in one statement: one row always, the receipt's columns NULL when it is new.
_PREVIOUS_RECEIPT_AND_SPEND = select(
    tiers.SPEND_GROWTH.label("growth"), Purchase.receipt_no, Purchase.member_id, Purchase.amount_fen,
    Purchase.points,
).select_from(select(literal(1).label("one")).subquery().outerjoin(
    Purchase, and_(Purchase.store_id == bindparam("store"), Purchase.receipt_no == bindparam("receipt"))))
_INSERT_PURCHASE = insert(Purchase.__table__)  # the table, not the entity: no ORM bulk-insert machinery


def award_for_purchase(db: Database, actor: Actor, *, member_id: uuid.UUID, receipt_no: str, amount_fen: int,
                       now: datetime | None = None) -> AwardResult:
    require(actor, Permission.POINTS_EARN)
    receipt_no = clean_reference(receipt_no, "receipt")
    now = now or utc_now()
    try:
        with db.write() as session:
            rules = load_rules(session)
            check_amount(amount_fen, rules)
            ladder = tiers.list_tiers(session)
            member = ledger.lock_member(session, member_id)
            day = business_day(now, actor.store_tz)
            since = tiers.window_start(day, actor.store_tz, rules.tier_window_months)
            # Growth before this purchase is added (the purchase's own share is added below: its
            # amount, or on the points basis the points it earns now).
            growth_before: int | None = None
            receipt = {"store": actor.store_id, "receipt": receipt_no}
            # Reads on the connection: plain rows without the ORM's per-call compile and loading work
            # (40 % of this statement's CPU), and nothing in the session is waiting for a flush.
            conn = session.connection()
            if rules.tier_basis == "spend":
                found = conn.execute(_PREVIOUS_RECEIPT_AND_SPEND, receipt | {"member": member.id, "since": since}
                                     ).one()
                previous, growth_before = (found if found.receipt_no is not None else None), int(found.growth)
            else:
                previous = conn.execute(_PREVIOUS_RECEIPT, receipt).first()
            if previous is not None:
                return _repeat(member, previous, amount_fen, ladder, now, actor)
            if member.status != "active":
                raise not_active(member.status)
            tier_before = tiers.effective_tier(member, ladder, day)
            active = campaigns.active_on(session, day, tier_before.code)
            points = earn_points(amount_fen, rules, tier_before, [c.multiplier_permille for c in active])
            if growth_before is None:
                growth_before = tiers.growth(session, member.id, rules, since)
            # Written at once (a plain INSERT, not an ORM flush): the entry below refers to it, and a
            # receipt another till recorded a moment ago fails here, as a flush would.
            purchase_id = new_id()
            session.execute(_INSERT_PURCHASE, dict(
                id=purchase_id, store_id=actor.store_id, receipt_no=receipt_no, member_id=member.id,
                amount_fen=amount_fen, points=points, staff_id=actor.staff_id, occurred_at=now, business_day=day))
            if points > 0:
                ledger.post(session, member, actor, kind=EntryKind.EARN, points=points, now=now,
                            expires_on=ledger.lot_expiry(day, rules.expiry_months), reference=receipt_no,
                            purchase_id=purchase_id, note=" × ".join(c.name for c in active), day=day)
            value = growth_before + (points if rules.tier_basis == "points" else amount_fen)
            tiers.upgrade_if_qualified(session, member, ladder, value, actor, now)
            tier_after = tiers.effective_tier(member, ladder, day)
            # Every row above was written by a plain statement: nothing is left for a flush but a
            # tier change (rare), flushed at commit.
            audit.record(session, actor, "points.earn", "member", member.id, {"balance": member.balance - points},
                         {"balance": member.balance, "receipt": receipt_no, "amount_fen": amount_fen,
                          "points": points, "tier": tier_after.code}, now)
            # No spend in the window: maybe the first purchase (its tasks, the friend who invited the member).
            task_points = 0 if growth_before else tasks.after_purchase(session, actor, member, purchase_id, day,
                                                                       now)
            return AwardResult(member.id, member.name, receipt_no, amount_fen, points, member.balance, tier_before,
                               tier_after, tuple(c.name for c in active), False, task_points)
    except IntegrityError:
        # Two tills sent the same receipt at the same moment; the other one won.
        with db.read() as session:
            previous = session.scalars(
                select(Purchase).where(Purchase.store_id == actor.store_id, Purchase.receipt_no == receipt_no)
            ).one_or_none()
            if previous is None:
                raise
            member = session.get(Member, member_id)
            assert member is not None
            return _repeat(member, previous, amount_fen, tiers.list_tiers(session), now, actor)


def _repeat(member: Member, previous: Purchase | Row[Any], amount_fen: int, ladder: list[tiers.TierView],
            now: datetime, actor: Actor) -> AwardResult:
    if previous.member_id != member.id or previous.amount_fen != amount_fen:
        raise Conflict("Receipt {receipt} already earned points ({points}) for another member or amount.",
                       receipt=previous.receipt_no, points=previous.points)
    tier = tiers.effective_tier(member, ladder, business_day(now, actor.store_tz))
    return AwardResult(member.id, member.name, previous.receipt_no, previous.amount_fen, previous.points,
                       member.balance, tier, tier, (), True)


def refund_purchase(db: Database, actor: Actor, *, receipt_no: str, refund_no: str, amount_fen: int,
                    now: datetime | None = None) -> RefundResult:
    """Take back the points a purchase earned, in proportion to the refunded amount."""
    require(actor, Permission.POINTS_REFUND)
    receipt_no = clean_reference(receipt_no, "receipt")
    refund_no = clean_reference(refund_no, "refund")
    now = now or utc_now()
    with db.write() as session:
        rules = load_rules(session)
        check_amount(amount_fen, rules)
        purchase = session.scalars(
            select(Purchase).where(Purchase.store_id == actor.store_id, Purchase.receipt_no == receipt_no)
        ).one_or_none()
        if purchase is None:
            raise NotFound("No purchase with receipt {receipt} at this store.", receipt=receipt_no)
        member = ledger.lock_member(session, purchase.member_id)
        previous = session.scalars(
            select(Refund).where(Refund.store_id == actor.store_id, Refund.refund_no == refund_no)
        ).one_or_none()
        if previous is not None:
            if previous.purchase_id != purchase.id or previous.amount_fen != amount_fen:
                raise Conflict("Refund {refund} was already recorded for another receipt or amount.",
                               refund=refund_no)
            return RefundResult(member.id, refund_no, amount_fen, previous.points_reversed, member.balance,
                                member.needs_review, True)
        refunded, reversed_ = session.execute(
            select(func.coalesce(func.sum(Refund.amount_fen), 0), func.coalesce(func.sum(Refund.points_reversed), 0))
            .where(Refund.purchase_id == purchase.id)
        ).one()
        if refunded + amount_fen > purchase.amount_fen:
            raise ValidationError("Only ¥{left} of this receipt is left to refund.", field="amount",
                                  left=f"{(purchase.amount_fen - refunded) / 100:,.2f}")
        target = purchase.points * (refunded + amount_fen) // purchase.amount_fen
        points = target - reversed_
        earn_entry = session.scalar(
            select(PointEntry.id).where(PointEntry.purchase_id == purchase.id, PointEntry.kind == EntryKind.EARN.value)
        )
        session.add(Refund(id=new_id(), purchase_id=purchase.id, member_id=member.id, store_id=actor.store_id,
                           refund_no=refund_no, amount_fen=amount_fen, points_reversed=points,
                           staff_id=actor.staff_id, occurred_at=now))
        before = member.balance
        if points > 0:
            ledger.post(session, member, actor, kind=EntryKind.REFUND_REVERSAL, points=-points, now=now,
                        # Both numbers may be 64 characters: together they do not fit the reference column.
                        reference=refund_no, note=f"receipt {receipt_no}", purchase_id=purchase.id,
                        prefer_lot=earn_entry,
                        allow_negative=True,
                        review_reason=f"refund {refund_no} of receipt {receipt_no} took the balance below zero")
            if member.balance < 0:  # the supervisors' queue shows the flagged member
                reviews.open_negative_balance_case(session, actor, member, now)
        audit.record(session, actor, "points.refund", "member", member.id, {"balance": before},
                     {"balance": member.balance, "receipt": receipt_no, "refund": refund_no,
                      "amount_fen": amount_fen, "points": -points}, now)
        return RefundResult(member.id, refund_no, amount_fen, points, member.balance, member.needs_review, False)
