"""Daily sign-in (签到): once a business day, a streak, a reward schedule, make-ups, bonuses.

A member signs in once per business day in the store's timezone. The unique
(member, day) key on ``sign_ins`` enforces it even when two tills press the
key at the same instant; the check in front of it only gives the nicer
answer first. The reward follows the streak of consecutive days through a
cycle (default 7 days, the last the biggest), optionally times the tier's
points multiplier. A missed day breaks the streak unless a make-up (补签)
fills it: a make-up costs points, is limited per month (counted by the month
it is taken in) and reaches back only a few days; it earns no reward of its
own. Signing in on all seven days of a Monday-to-Sunday week pays the weekly
challenge (一周打卡) once; reaching N signed days in a calendar month pays
that month's bonus once; make-ups count for both. Every point moves through
``ledger.post`` in the same transaction as the sign-in it belongs to.

The current streak is always recomputed from the days themselves, never
read from a stored counter: a make-up can join two runs after both were
recorded, and history is never rewritten.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger, tasks, tiers
from .clock import business_day, end_of_month, utc_now
from .db import Database
from .errors import Conflict, DomainError, InsufficientPoints, NotFound, ValidationError, not_active
from .ids import new_id
from .ledger import EntryKind
from .models import Member, Setting, SignIn, SignInBonus
from .rules import load_rules
from .staff import Actor, Permission, require

SETTINGS_KEY = "signin_rules"
ONE_DAY = timedelta(days=1)
CHUNK = 63  # days of history fetched at a time while walking a streak back

SIGNIN, MAKEUP = "signin", "makeup"
WEEK, MONTH = "week", "month"


@dataclass(frozen=True)
class SigninRules:
    """The sign-in rules an operator configures, stored as one JSON setting."""

    cycle: tuple[int, ...] = (5, 5, 10, 5, 5, 10, 30)  # points for day 1, 2, ... of the streak, then again
    month_bonuses: tuple[tuple[int, int], ...] = ((10, 20), (20, 50))  # (days signed in a month, bonus)
    week_bonus: int = 50  # all seven days Monday to Sunday; 0 switches the challenge off
    tier_multiplier: bool = False  # the daily reward times the tier's points multiplier, rounded down
    makeup_cost: int = 20
    makeups_per_month: int = 2  # 0 switches make-ups off
    makeup_days: int = 3  # a make-up fills one of this many days before today

    def validate(self) -> None:
        if not 1 <= len(self.cycle) <= 31 or any(not _whole(p, 0, 10_000) for p in self.cycle):
            raise ValidationError("The reward cycle is 1 to 31 days of 0 to 10,000 points each.", field="cycle")
        if any(not isinstance(pair, tuple) or len(pair) != 2 for pair in self.month_bonuses):
            raise ValidationError("Each monthly bonus needs its own number of days (1 to 31) and 1 to 100,000 "
                                  "points.", field="month_bonuses")
        thresholds = [d for d, _ in self.month_bonuses]
        if (len(self.month_bonuses) > 10 or len(set(thresholds)) != len(thresholds)
                or any(not _whole(d, 1, 31) or not _whole(p, 1, 100_000) for d, p in self.month_bonuses)):
            raise ValidationError("Each monthly bonus needs its own number of days (1 to 31) and 1 to 100,000 "
                                  "points.", field="month_bonuses")
        if not _whole(self.week_bonus, 0, 100_000):
            raise ValidationError("The weekly challenge pays 0 to 100,000 points.", field="week_bonus")
        if not isinstance(self.tier_multiplier, bool):
            raise ValidationError("The tier multiplier is on or off.", field="tier_multiplier")
        if not _whole(self.makeup_cost, 0, 100_000):
            raise ValidationError("A make-up sign-in costs 0 to 100,000 points.", field="makeup_cost")
        if not _whole(self.makeups_per_month, 0, 31):
            raise ValidationError("Allow 0 to 31 make-up sign-ins a month.", field="makeups_per_month")
        if not _whole(self.makeup_days, 1, 31):
            raise ValidationError("A make-up can reach back 1 to 31 days.", field="makeup_days")


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _from_json(stored: dict[str, Any]) -> SigninRules:
    known = {f.name for f in fields(SigninRules)}
    values = {k: v for k, v in stored.items() if k in known}
    if "cycle" in values:
        values["cycle"] = tuple(values["cycle"])
    if "month_bonuses" in values:
        values["month_bonuses"] = tuple(tuple(pair) for pair in values["month_bonuses"])
    return replace(SigninRules(), **values)


def load_signin_rules(session: Session) -> SigninRules:
    row = session.get(Setting, SETTINGS_KEY)
    return SigninRules() if row is None else _from_json(json.loads(row.value))


def update_signin_rules(db: Database, actor: Actor, **changes: Any) -> SigninRules:
    require(actor, Permission.GAMES_CONFIGURE)
    unknown = set(changes) - {f.name for f in fields(SigninRules)}
    if unknown:
        raise ValidationError("Unknown setting: {name}", field="signin", name=", ".join(sorted(unknown)))
    try:
        proposed = _from_json(changes)
    except (TypeError, ValueError):
        raise ValidationError("The reward cycle is 1 to 31 days of 0 to 10,000 points each.", field="cycle") from None
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "games")  # head office's data: a replica's edit would be overwritten
        before = load_signin_rules(session)
        after = replace(before, **{k: getattr(proposed, k) for k in changes})
        after.validate()
        row = session.get(Setting, SETTINGS_KEY, with_for_update=True)
        value = json.dumps(asdict(after))
        if row is None:
            session.add(Setting(key=SETTINGS_KEY, value=value))
        else:
            row.value = value
        audit.record(session, actor, "signin.rules", "rules", SETTINGS_KEY, asdict(before), asdict(after), utc_now())
        return after


# -- the arithmetic ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BonusView:
    kind: str  # week, month
    period_start: date
    period_end: date
    days: int  # days signed in the period that earn it
    points: int


def cycle_day(rules: SigninRules, streak: int) -> int:
    """Day 1.. of the reward cycle that the ``streak``-th consecutive day falls on."""
    return (streak - 1) % len(rules.cycle) + 1


def day_reward(rules: SigninRules, streak: int, multiplier_permille: int) -> int:
    base = rules.cycle[cycle_day(rules, streak) - 1]
    return base * multiplier_permille // 1000 if rules.tier_multiplier else base


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_of(day: date) -> tuple[date, date]:
    return day.replace(day=1), end_of_month(day)


def bonuses_due(rules: SigninRules, day: date, signed: set[date]) -> list[BonusView]:
    """The bonuses that the days in ``signed`` earn in the week and month containing ``day``."""
    due = []
    monday, sunday = week_of(day)
    if rules.week_bonus and all(monday + timedelta(days=i) in signed for i in range(7)):
        due.append(BonusView(WEEK, monday, sunday, 7, rules.week_bonus))
    first, last = month_of(day)
    in_month = sum(1 for d in signed if first <= d <= last)
    for days, points in sorted(rules.month_bonuses):
        if in_month >= days:
            due.append(BonusView(MONTH, first, last, days, points))
    return due


def _run_ending(session: Session, member_id: uuid.UUID, day: date, signed: set[date], known_from: date) -> int:
    """Consecutive signed days ending on ``day`` (0 when ``day`` itself was not signed).

    ``signed`` holds the member's days from ``known_from`` on; older days are
    fetched a chunk at a time, only when the run reaches back that far.
    """
    run, cursor = 0, day
    while True:
        while cursor >= known_from and cursor in signed:
            run += 1
            cursor -= ONE_DAY
        if cursor >= known_from:
            return run
        older = known_from - timedelta(days=CHUNK)
        signed = set(_days(session, member_id, older, known_from - ONE_DAY))
        known_from = older


def _days(session: Session, member_id: uuid.UUID, first: date, last: date) -> dict[date, SignIn]:
    rows = session.scalars(select(SignIn).where(SignIn.member_id == member_id, SignIn.business_day >= first,
                                                SignIn.business_day <= last))
    return {row.business_day: row for row in rows}


def _granted(session: Session, member_id: uuid.UUID, since: date) -> set[tuple[str, date, int]]:
    rows = session.execute(select(SignInBonus.kind, SignInBonus.period_start, SignInBonus.days)
                           .where(SignInBonus.member_id == member_id, SignInBonus.period_end >= since)).all()
    return {(kind, start, days) for kind, start, days in rows}


def _multiplier(session: Session, member: Member, rules: SigninRules, today: date) -> int:
    if not rules.tier_multiplier:
        return 1000
    return tiers.effective_tier(member, tiers.list_tiers(session), today).multiplier_permille


# -- signing in --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    """What the till shows after a sign-in or a make-up."""

    member_id: uuid.UUID
    member_name: str
    day: date  # the day signed for
    kind: str  # signin, makeup
    streak: int  # the member's streak now
    cycle_day: int  # where ``day`` fell in the reward cycle
    points: int  # the day's reward (0 for a make-up)
    cost: int  # what a make-up cost
    bonuses: tuple[BonusView, ...]
    balance: int
    occurred_at: datetime
    task_points: int = 0  # the visit tasks this sign-in completed (tasks.after_sign_in)

    @property
    def net_points(self) -> int:
        return self.points + sum(b.points for b in self.bonuses) + self.task_points - self.cost


def _already(day: date) -> Conflict:
    return Conflict("Already signed in today ({day}); come back tomorrow.", day=day.isoformat())


def _locked_member(session: Session, member_id: uuid.UUID) -> Member:
    member = ledger.lock_member(session, member_id)
    if member.status != "active":
        raise not_active(member.status)
    return member


def _day_taken(db: Database, member_id: uuid.UUID, day: date) -> bool:
    with db.read() as session:
        return session.scalar(select(SignIn.id).where(SignIn.member_id == member_id,
                                                      SignIn.business_day == day)) is not None


def sign_in(db: Database, actor: Actor, member_id: uuid.UUID, *, now: datetime | None = None) -> SignInResult:
    """Sign a member in for today (the store's business day) and pay the reward."""
    require(actor, Permission.SIGN_IN)
    now = now or utc_now()
    day = business_day(now, actor.store_tz)
    try:
        with db.write() as session:
            member = _locked_member(session, member_id)
            result = _record(session, member, actor, day, day, now, makeup=False)
            # A sign-in is a visit: the visit tasks pay and the abuse rules look (tasks.py, risk.py).
            visit = tasks.after_sign_in(session, actor, member, day, now)
            return replace(result, balance=member.balance, task_points=visit) if visit else result
    except IntegrityError:
        # The unique (member, day) key: another till signed the member in first.
        if _day_taken(db, member_id, day):
            raise _already(day) from None
        raise


def make_up(db: Database, actor: Actor, member_id: uuid.UUID, day: date, *,
            now: datetime | None = None) -> SignInResult:
    """Fill a recently missed day (补签) for points, so the streak carries on."""
    require(actor, Permission.SIGN_IN)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError("Choose the day to make up.", field="day")
    now = now or utc_now()
    today = business_day(now, actor.store_tz)
    try:
        with db.write() as session:
            rules = load_signin_rules(session)
            if rules.makeups_per_month == 0:
                raise DomainError("Make-up sign-ins are switched off.")
            if day >= today:
                raise ValidationError("Only a day before today can be made up.", field="day")
            if (today - day).days > rules.makeup_days:
                raise ValidationError("A make-up sign-in can fill only one of the last {n} days.", field="day",
                                      n=rules.makeup_days)
            member = _locked_member(session, member_id)
            if day < member.joined_on:
                raise ValidationError("{day} is before the member joined.", field="day", day=day.isoformat())
            used = session.scalar(select(func.count()).select_from(SignIn).where(
                SignIn.member_id == member.id, SignIn.kind == MAKEUP, SignIn.made_on >= today.replace(day=1),
                SignIn.made_on <= today)) or 0
            if used >= rules.makeups_per_month:
                raise Conflict("Make-up sign-ins are limited to {n} a month; none are left this month.",
                               n=rules.makeups_per_month)
            if member.balance < rules.makeup_cost:
                raise InsufficientPoints("A make-up sign-in costs {cost} points; the balance is {balance}.",
                                         cost=rules.makeup_cost, balance=member.balance)
            return _record(session, member, actor, day, today, now, makeup=True, rules=rules)
    except IntegrityError:
        if _day_taken(db, member_id, day):
            raise Conflict("{day} is already signed in; there is nothing to make up.", day=day.isoformat()) from None
        raise


def _record(session: Session, member: Member, actor: Actor, day: date, today: date, now: datetime, *,
            makeup: bool, rules: SigninRules | None = None) -> SignInResult:
    """Record ``day`` for a locked member, pay what it earns, and audit it."""
    rules = rules or load_signin_rules(session)
    first = min(day - timedelta(days=CHUNK), month_of(day)[0])
    rows = _days(session, member.id, first, max(month_of(day)[1], week_of(day)[1], today))
    if day in rows:
        if makeup:
            raise Conflict("{day} is already signed in; there is nothing to make up.", day=day.isoformat())
        raise _already(day)
    signed = set(rows)
    streak = _run_ending(session, member.id, day - ONE_DAY, signed, first) + 1
    points = 0 if makeup else day_reward(rules, streak, _multiplier(session, member, rules, today))
    cost = rules.makeup_cost if makeup else 0
    expires = ledger.lot_expiry(today, load_rules(session).expiry_months)
    balance_before = member.balance
    cost_entry = (ledger.post(session, member, actor, kind=EntryKind.SIGNIN_MAKEUP_COST, points=-cost, now=now,
                              reference=f"makeup {day.isoformat()}") if cost else None)
    entry = (ledger.post(session, member, actor, kind=EntryKind.SIGNIN, points=points, now=now, expires_on=expires,
                         reference=f"signin {day.isoformat()}", note=f"day {cycle_day(rules, streak)}")
             if points else None)
    session.add(SignIn(id=new_id(), member_id=member.id, business_day=day, kind=MAKEUP if makeup else SIGNIN,
                       streak=streak, points=points, entry_id=entry.id if entry else None, cost=cost,
                       cost_entry_id=cost_entry.id if cost_entry else None, made_on=today,
                       staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
    session.flush()  # the unique (member, day) key speaks here
    signed.add(day)
    due = bonuses_due(rules, day, signed)
    granted = _granted(session, member.id, min(week_of(day)[0], month_of(day)[0])) if due else set()
    paid = []
    for bonus in due:
        if (bonus.kind, bonus.period_start, bonus.days) in granted:
            continue
        bonus_entry = ledger.post(session, member, actor, kind=EntryKind.SIGNIN_BONUS, points=bonus.points, now=now,
                                  expires_on=expires, reference=f"{bonus.kind} {bonus.period_start.isoformat()}",
                                  note=f"{bonus.days} days")
        session.add(SignInBonus(id=new_id(), member_id=member.id, kind=bonus.kind, period_start=bonus.period_start,
                                period_end=bonus.period_end, days=bonus.days, points=bonus.points,
                                entry_id=bonus_entry.id, staff_id=actor.staff_id, store_id=actor.store_id,
                                occurred_at=now))
        paid.append(bonus)
    session.flush()
    current = streak if not makeup else _current_streak(session, member.id, today, signed, first)
    audit.record(session, actor, "signin.makeup" if makeup else "signin.signin", "member", member.id,
                 {"balance": balance_before},
                 {"balance": member.balance, "day": day, "streak": streak, "points": points, "cost": cost,
                  "bonuses": [b.points for b in paid]}, now)
    return SignInResult(member.id, member.name, day, MAKEUP if makeup else SIGNIN, current, cycle_day(rules, streak),
                        points, cost, tuple(paid), member.balance, now)


def _current_streak(session: Session, member_id: uuid.UUID, today: date, signed: set[date], known_from: date) -> int:
    """The streak as the member sees it: up to today, or up to yesterday while today is still open."""
    end = today if today in signed else today - ONE_DAY
    return _run_ending(session, member_id, end, signed, known_from)


# -- the calendar ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: date
    state: str  # signed, made_up, missed, open (today, not yet signed), future, before_joining
    points: int  # the reward recorded for the day


@dataclass(frozen=True)
class SigninCalendar:
    member_id: uuid.UUID
    year: int
    month: int
    today: date
    days: tuple[CalendarDay, ...]
    signed_today: bool
    streak: int  # consecutive days up to today, or up to yesterday while today is open
    today_points: int  # what signing in now pays, bonuses included (0 once signed)
    tomorrow_points: int  # what tomorrow's sign-in pays, bonuses included, once today is signed
    month_signed: int  # signed days in the month shown
    next_month_bonus: tuple[int, int] | None  # (days, points) of the next monthly bonus in today's month
    week_signed: int  # signed days in this Monday-to-Sunday week
    week_bonus: int
    week_bonus_paid: bool
    makeup_days: tuple[date, ...]  # missed days a make-up can fill now
    makeups_left: int  # this month
    makeup_cost: int
    cycle: tuple[int, ...]


def _preview(rules: SigninRules, multiplier: int, day: date, streak_before: int, signed: set[date],
             granted: set[tuple[str, date, int]]) -> tuple[int, list[BonusView]]:
    """What signing in on ``day`` would pay: the daily reward and the bonuses it would complete."""
    with_day = signed | {day}
    fresh = [b for b in bonuses_due(rules, day, with_day) if (b.kind, b.period_start, b.days) not in granted]
    return day_reward(rules, streak_before + 1, multiplier), fresh


def calendar(db: Database, actor: Actor, member_id: uuid.UUID, year: int | None = None, month: int | None = None,
             *, now: datetime | None = None) -> SigninCalendar:
    """The member's sign-in month: each day's state, the streak, and what today and tomorrow pay."""
    require(actor, Permission.MEMBER_VIEW)
    now = now or utc_now()
    today = business_day(now, actor.store_tz)
    year, month = year or today.year, month or today.month
    if not 1 <= month <= 12 or not 2000 <= year <= 2200:
        raise ValidationError("There is no such month.", field="month")
    shown_first = date(year, month, 1)
    shown_last = end_of_month(shown_first)
    with db.read() as session:
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound("No such member.")
        joined_on = member.joined_on
        rules = load_signin_rules(session)
        multiplier = _multiplier(session, member, rules, today)
        tomorrow = today + ONE_DAY
        first = min(today - timedelta(days=CHUNK), today.replace(day=1))
        recent = _days(session, member.id, first, max(end_of_month(tomorrow), week_of(tomorrow)[1]))
        shown = {d: (row.kind, row.points) for d, row in _days(session, member.id, shown_first, shown_last).items()}
        granted = _granted(session, member.id, min(week_of(today)[0], today.replace(day=1)))
        signed = set(recent)
        signed_today = today in signed
        monday, sunday = week_of(today)
        week_paid = (WEEK, monday, 7) in granted
        streak = _current_streak(session, member.id, today, signed, first)
        if signed_today:
            today_points = 0
            before_tomorrow = streak
        else:
            daily, fresh = _preview(rules, multiplier, today, streak, signed, granted)
            today_points = daily + sum(b.points for b in fresh)
            granted |= {(b.kind, b.period_start, b.days) for b in fresh}
            before_tomorrow = streak + 1
        daily, fresh = _preview(rules, multiplier, tomorrow, before_tomorrow, signed | {today}, granted)
        tomorrow_points = daily + sum(b.points for b in fresh)
        used = sum(1 for row in recent.values() if row.kind == MAKEUP and row.made_on >= today.replace(day=1))
        makeups_left = max(0, rules.makeups_per_month - used)
        fillable = tuple(today - timedelta(days=n) for n in range(rules.makeup_days, 0, -1)
                         if today - timedelta(days=n) not in signed
                         and today - timedelta(days=n) >= member.joined_on) if makeups_left else ()
        month_counts = sum(1 for d in signed if today.replace(day=1) <= d <= end_of_month(today))
        next_bonus = next(((d, p) for d, p in sorted(rules.month_bonuses) if d > month_counts), None)
    days = []
    cursor = shown_first
    while cursor <= shown_last:
        kind, points = shown.get(cursor, (None, 0))
        if kind is not None:
            state = "made_up" if kind == MAKEUP else "signed"
        elif cursor > today:
            state = "future"
        elif cursor < joined_on:
            state = "before_joining"
        else:
            state = "open" if cursor == today else "missed"
        days.append(CalendarDay(cursor, state, points))
        cursor += ONE_DAY
    return SigninCalendar(
        member_id, year, month, today, tuple(days), signed_today, streak, today_points, tomorrow_points,
        len(shown), next_bonus, sum(1 for d in signed if monday <= d <= sunday), rules.week_bonus,
        week_paid, fillable, makeups_left, rules.makeup_cost, rules.cycle)
