"""Demo games: an open spin wheel with a mix of prizes, and a few weeks of sign-ins for some members.

Everything goes through the games services (as the demo operator and
cashier), so the ledger, the bonuses and the audit chain are real. The
wheel (幸运大转盘) is open from a month ago to two months ahead with twelve
segments: points, coupons, two catalog items, "thanks for playing", and a
rare big prize. A handful of members get the last few weeks of sign-ins
with gaps, a current streak and the odd make-up (补签); nobody is signed in
today, so the demo can sign someone in live. The same seed gives the same
days; no wheel is spun here (a spin's draw is secure random, and the demo
is reproducible).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from . import signin, wheel_setup
from .clock import business_day, utc_now, zone
from .demo_tasks import create_demo_referrals, create_demo_tasks
from .db import Database
from .errors import Conflict, InsufficientPoints
from .models import CatalogItem, Member, PointEntry, Staff, Wheel
from .staff import Actor, actor_for
from .tiers import list_tiers
from .wheel_setup import PrizeKind, SegmentDraft, WheelDraft

DEMO_WHEEL = "幸运大转盘"
SIGNIN_MEMBERS = 12
HISTORY_DAYS = 26

# label, colour, weight, prize kind, points, catalog sku, coupon face value (fen), validity days, value, stock
# A wheel a store would run: 20 points a spin pays back about 64% of it on average (12.7 points-equivalent),
# about half the spins win something small, and the 500-point prize and the mug are rare (3 and 2 in 1,000).
# The 200,000-point budget pays for about 15,700 spins, more than the campaign's three months see at a
# busy store; the stock of each goods and coupon prize covers its expected share of those spins.
SEGMENTS = [
    ("谢谢参与", "#FCE7B2", 262, "nothing", 0, None, None, None, 0, None),
    ("5积分", "#F97316", 200, "points", 5, None, None, None, 0, None),
    ("¥5 无门槛券", "#10B981", 30, "coupon", 0, None, 500, 14, 50, 500),
    ("20积分", "#E5484D", 100, "points", 20, None, None, None, 0, None),
    ("再接再厉", "#FEF3C7", 170, "nothing", 0, None, None, None, 0, None),
    ("环保购物袋", "#3B82F6", 8, "item", 0, "BAG-01", None, None, 150, 130),
    ("50积分", "#8B5CF6", 30, "points", 50, None, None, None, 0, None),
    ("谢谢参与", "#FDE68A", 100, "nothing", 0, None, None, None, 0, None),
    ("咖啡买一送一券", "#8D5B3C", 5, "coupon", 0, None, 1800, 14, 300, 100),
    ("10积分", "#14B8A6", 90, "points", 10, None, None, None, 0, None),
    ("陶瓷马克杯", "#2563EB", 2, "item", 0, "MUG-01", None, None, 800, 35),
    ("500积分大奖", "#B91C1C", 3, "points", 500, None, None, None, 0, None),
]
SPIN_COST = 20
BUDGET = 200_000
FREE_SPINS = {"gold": 1, "diamond": 2}


@dataclass(frozen=True)
class DemoGames:
    wheel: wheel_setup.WheelView | None  # None when the demo wheel was there already
    members: int  # members given a sign-in history
    sign_ins: int
    make_ups: int
    entries: int  # ledger entries the sign-ins wrote


def _actor(db: Database, username: str, fallback: Actor) -> Actor:
    with db.read() as session:
        staff = session.scalars(select(Staff).where(Staff.username == username)).one_or_none()
        return actor_for(session, staff) if staff is not None else fallback


def _local(day: date, hour: int, minute: int, tz_name: str) -> datetime:
    return datetime.combine(day, time(hour, minute), zone(tz_name)).astimezone(timezone.utc)


def demo_wheel(db: Database, tz_name: str, today: date) -> WheelDraft:
    with db.read() as session:
        items = dict(session.execute(select(CatalogItem.sku, CatalogItem.id)).all())
        tiers = {t.code for t in list_tiers(session)}
    segments = []
    for label, colour, weight, kind, points, sku, face, days, value, stock in SEGMENTS:
        if kind == PrizeKind.ITEM.value and sku not in items:  # a catalog without the item: a coupon instead
            kind, face, days = PrizeKind.COUPON.value, 1000, 14
        segments.append(SegmentDraft(label=label, colour=colour, weight=weight, prize=kind, points=points,
                                     item_id=items.get(sku) if kind == PrizeKind.ITEM.value else None,
                                     face_value_fen=face, validity_days=days, value_points=value, stock=stock))
    return WheelDraft(name=DEMO_WHEEL, starts_at=_local(today - timedelta(days=30), 0, 0, tz_name),
                      ends_at=_local(today + timedelta(days=60), 0, 0, tz_name), segments=tuple(segments),
                      fallback_index=0, cost_points=SPIN_COST,
                      free_spins={code: n for code, n in FREE_SPINS.items() if code in tiers},
                      daily_cap=5, total_cap=None, budget=BUDGET, pity_after=12)


def create_demo_games(db: Database, system: Actor, seed: int) -> DemoGames:
    """The demo wheel (unless there is one) and some members' sign-in history."""
    operator = _actor(db, "ops", system)
    cashier = _actor(db, "cashier", system)
    today = business_day(utc_now(), cashier.store_tz)
    with db.read() as session:
        exists = session.scalar(select(func.count()).select_from(Wheel).where(Wheel.name == DEMO_WHEEL))
        entries_before = session.scalar(select(func.count()).select_from(PointEntry)) or 0
        # Members who joined before the history starts and can afford a make-up; by card code, so the same
        # seed picks the same people on another database.
        chosen = list(session.scalars(
            select(Member.id).where(Member.status == "active", Member.balance >= 200,
                                    Member.joined_on <= today - timedelta(days=HISTORY_DAYS + 1))
            .order_by(Member.card_code).limit(SIGNIN_MEMBERS)))
    view = None if exists else wheel_setup.save_wheel(db, operator, demo_wheel(db, cashier.store_tz, today))
    create_demo_tasks(db, operator)  # before the history: a sign-in is a visit, and the visit task pays
    rng = random.Random(f"games-{seed}")
    signed = made_up = 0
    for member_id in chosen:
        s, m = _history(db, cashier, member_id, today, rng)
        signed += s
        made_up += m
    create_demo_referrals(db, cashier)  # invited friends, and a fast earner in the review queue
    with db.read() as session:
        entries = (session.scalar(select(func.count()).select_from(PointEntry)) or 0) - entries_before
    return DemoGames(view, len(chosen), signed, made_up, entries)


def _history(db: Database, cashier: Actor, member_id: object, today: date, rng: random.Random) -> tuple[int, int]:
    """A few weeks of sign-ins ending yesterday: mostly signed, some gaps, a streak up to yesterday,
    and now and then a gap filled the next morning with a make-up."""
    streak = rng.randint(2, 9)
    signed = made_up = 0
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if back <= streak or rng.random() < 0.7:
            signin.sign_in(db, cashier, member_id, now=_local(day, rng.randint(9, 20), rng.randint(0, 59),
                                                              cashier.store_tz))
            signed += 1
            continue
        if back > 1 and rng.random() < 0.35:
            try:  # the next morning, before that day's sign-in; refused when the month's make-ups are used
                signin.make_up(db, cashier, member_id, day, now=_local(day + timedelta(days=1), 8, 30,
                                                                       cashier.store_tz))
                made_up += 1
            except (Conflict, InsufficientPoints):
                pass
    return signed, made_up
