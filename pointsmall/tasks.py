"""Tasks (任务): points for visiting, growing and inviting friends, never paid beyond their limit.

An operator configures tasks (``TaskDraft``); each is one of

- **daily** (``visit`` the store, or a ``custom`` errand): ``times`` rewards
  per business day in the store's timezone. A visit is claimed at the
  counter or completed by the member's sign-in.
- **growth**, once: ``first_purchase`` (completed by the first purchase's
  award), ``profile`` (completed when the profile gets its birthday, or
  claimed at the counter when it already has one), ``birthday_month`` (a
  visit in the birthday month, claimed at the counter, once a year) and
  ``custom`` one-time tasks claimed at the counter.
- **challenge**: ``referral``. A member hands a friend their referral code;
  the friend gives it at registration (``register_referral``) and when the
  friend's first purchase is awarded the member is paid, for up to
  ``times`` friends (codes and invitations: ``referrals.py``).

The limit is kept by the database, not only by a check: the n-th reward of a
member's period takes slot n under a unique (task, member, period, slot)
key, and a friend pays each referral task once under a unique (task,
friend) key. Claims lock the member row first, so two tills claiming at once
queue; the second sees the first reward and is refused.

The events call in cheaply: ``after_purchase`` only when the award saw no
earlier spend (then one indexed read decides whether it was the first
purchase), ``after_profile_completed`` only when a birthday was just added,
``after_sign_in`` once per sign-in. Every reward is a ``task_reward`` ledger
entry through ``ledger.post`` in the event's transaction, audited, and
then checked against the abuse rules (``risk.evaluate``).
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger, risk
from .clock import business_day, utc_now
from .db import Database
from .errors import Conflict, NotFound, ValidationError, not_active
from .ids import new_id
from .ledger import EntryKind
from .models import Member, Purchase, Referral, Task, TaskClaim
from .rules import load_rules
from .staff import Actor, Permission, require


class TaskKind(str, enum.Enum):
    DAILY = "daily"
    GROWTH = "growth"
    CHALLENGE = "challenge"


class Trigger(str, enum.Enum):
    VISIT = "visit"
    CUSTOM = "custom"
    FIRST_PURCHASE = "first_purchase"
    PROFILE = "profile"
    BIRTHDAY_MONTH = "birthday_month"
    REFERRAL = "referral"


TRIGGERS = {
    TaskKind.DAILY: (Trigger.VISIT, Trigger.CUSTOM),
    TaskKind.GROWTH: (Trigger.FIRST_PURCHASE, Trigger.PROFILE, Trigger.BIRTHDAY_MONTH, Trigger.CUSTOM),
    TaskKind.CHALLENGE: (Trigger.REFERRAL,),
}
AT_COUNTER = {Trigger.VISIT, Trigger.CUSTOM, Trigger.PROFILE, Trigger.BIRTHDAY_MONTH}  # a cashier may claim these
ONCE_ONLY = {Trigger.FIRST_PURCHASE, Trigger.PROFILE, Trigger.BIRTHDAY_MONTH}  # ``times`` is 1


@dataclass(frozen=True)
class TaskDraft:
    """What the task editor sends."""

    name: str
    kind: str  # daily, growth, challenge
    trigger: str  # see TRIGGERS for which go with which kind
    points: int
    times: int = 1  # rewards per business day (daily), in all (growth; birthday: per year), friends (challenge)
    description: str = ""
    starts_on: date | None = None
    ends_on: date | None = None  # inclusive
    active: bool = True
    sort_order: int = 0

    def validate(self) -> None:
        if not self.name.strip() or len(self.name.strip()) > 64:
            raise ValidationError("A task needs a name of 1 to 64 characters.", field="name")
        if len(self.description) > 500:
            raise ValidationError("Keep the description under {n} characters.", field="description", n=500)
        try:
            kind, trigger = TaskKind(self.kind), Trigger(self.trigger)
        except ValueError:
            raise ValidationError("Choose what kind of task this is and what completes it.", field="trigger") from None
        if trigger not in TRIGGERS[kind]:
            raise ValidationError("Choose what kind of task this is and what completes it.", field="trigger")
        if not _whole(self.points, 1, 100_000):
            raise ValidationError("A task pays 1 to 100,000 points.", field="points")
        if trigger in ONCE_ONLY and self.times != 1:
            raise ValidationError("This task can be rewarded only once.", field="times")
        if not _whole(self.times, 1, 100):
            raise ValidationError("A task can be rewarded 1 to 100 times.", field="times")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError("The last day is before the first day.", field="ends_on")
        if not _whole(self.sort_order, -10_000, 10_000) or not isinstance(self.active, bool):
            raise ValidationError("The order is a whole number and active is on or off.", field="sort_order")


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass(frozen=True)
class TaskView:
    id: uuid.UUID
    name: str
    description: str
    kind: str
    trigger: str
    points: int
    times: int
    starts_on: date | None
    ends_on: date | None
    active: bool
    sort_order: int
    created_at: datetime
    updated_at: datetime


def _view(t: Task) -> TaskView:
    return TaskView(t.id, t.name, t.description, t.kind, t.trigger, t.points, t.times, t.starts_on, t.ends_on,
                    t.active, t.sort_order, t.created_at, t.updated_at)


def _snapshot(t: Task) -> dict[str, object]:
    return {"name": t.name, "kind": t.kind, "trigger": t.trigger, "points": t.points, "times": t.times,
            "starts_on": t.starts_on, "ends_on": t.ends_on, "active": t.active, "sort_order": t.sort_order,
            "description": t.description}


def period_of(task: Task | TaskView | Row[Any], day: date) -> str:
    """The period whose rewards count against ``times``: the business day, the year, or for good."""
    if task.kind == TaskKind.DAILY.value:
        return day.isoformat()
    if task.trigger == Trigger.BIRTHDAY_MONTH.value:
        return str(day.year)
    return "all" if task.kind == TaskKind.CHALLENGE.value else "once"


def _in_window(task: Task | TaskView | Row[Any], day: date) -> bool:
    return (task.starts_on is None or task.starts_on <= day) and (task.ends_on is None or day <= task.ends_on)


# -- configuring ------------------------------------------------------------------------------------------


def list_tasks(db: Database, actor: Actor, *, include_inactive: bool = True) -> list[TaskView]:
    """Every task, in the operator's order (the editor), or only the active ones."""
    if not actor.can(Permission.TASK_CONFIGURE):
        require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        query = select(Task).order_by(Task.sort_order, Task.created_at, Task.id)
        if not include_inactive:
            query = query.where(Task.active.is_(True))
        return [_view(t) for t in session.scalars(query)]


def create_task(db: Database, actor: Actor, draft: TaskDraft) -> TaskView:
    require(actor, Permission.TASK_CONFIGURE)
    draft.validate()
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "games")  # head office's data: a replica's edit would be overwritten
        task = Task(id=new_id(), created_at=now, updated_at=now)
        _apply(task, draft)
        session.add(task)
        session.flush()
        audit.record(session, actor, "task.create", "task", task.id, None, _snapshot(task), now)
        return _view(task)


def update_task(db: Database, actor: Actor, task_id: uuid.UUID, draft: TaskDraft) -> TaskView:
    """Change a task. Rewards already paid stand; a lower limit only stops further ones.

    The kind and trigger are what the rewards so far were counted by, so
    they cannot change once the task has paid anything.
    """
    require(actor, Permission.TASK_CONFIGURE)
    draft.validate()
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "games")  # head office's data: a replica's edit would be overwritten
        task = session.get(Task, task_id, with_for_update=True)
        if task is None:
            raise NotFound("No such task.")
        if (draft.kind, draft.trigger) != (task.kind, task.trigger) and session.scalar(
                select(TaskClaim.id).where(TaskClaim.task_id == task.id).limit(1)) is not None:
            raise Conflict("This task has already paid rewards; its kind and trigger stay. Make a new task instead.")
        before = _snapshot(task)
        _apply(task, draft)
        task.updated_at = now
        audit.record(session, actor, "task.update", "task", task.id, before, _snapshot(task), now)
        return _view(task)


def set_task_active(db: Database, actor: Actor, task_id: uuid.UUID, active: bool) -> TaskView:
    """Switch a task off (nothing more is paid for it) or on again."""
    require(actor, Permission.TASK_CONFIGURE)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "games")  # head office's data: a replica's edit would be overwritten
        task = session.get(Task, task_id, with_for_update=True)
        if task is None:
            raise NotFound("No such task.")
        before = _snapshot(task)
        task.active, task.updated_at = bool(active), now
        audit.record(session, actor, "task.active", "task", task.id, before, _snapshot(task), now)
        return _view(task)


def _apply(task: Task, d: TaskDraft) -> None:
    task.name, task.description, task.kind, task.trigger = d.name.strip(), d.description.strip(), d.kind, d.trigger
    task.points, task.times, task.starts_on, task.ends_on = d.points, d.times, d.starts_on, d.ends_on
    task.active, task.sort_order = d.active, d.sort_order


# -- paying -----------------------------------------------------------------------------------------------


# Statements the events run (every sign-in, every award without spend in the window), built once and
# run on the connection: what they read is written by plain statements, never left for an ORM autoflush.
_ACTIVE_BY_TRIGGER = (select(Task.__table__).where(Task.trigger == bindparam("trigger"), Task.active.is_(True))
                      .order_by(Task.sort_order, Task.id))
_DONE_IN_PERIOD = select(func.count()).select_from(TaskClaim).where(
    TaskClaim.task_id == bindparam("task"), TaskClaim.member_id == bindparam("member"),
    TaskClaim.period == bindparam("period"))
_INSERT_CLAIM = insert(TaskClaim.__table__)  # the table, not the entity: no ORM bulk-insert machinery
_EARLIER_PURCHASE = select(Purchase.id).where(Purchase.member_id == bindparam("member"),
                                              Purchase.id != bindparam("purchase")).limit(1)

TaskRow = Task | Row[Any]  # an ORM task (claims) or a plain row (the events)


def _reward(session: Session, actor: Actor, member: Member, task: TaskRow, day: date, now: datetime, source: str, *,
            purchase_id: uuid.UUID | None = None, friend: Member | None = None) -> int | None:
    """Pay ``task`` to a locked member unless its limit for the period is reached.

    Returns the reward's slot (1 for the period's first), or None when the limit was reached.
    """
    period = period_of(task, day)
    conn = session.connection()
    done = conn.execute(_DONE_IN_PERIOD, {"task": task.id, "member": member.id, "period": period}).scalar() or 0
    if done >= task.times:
        return None
    expires = ledger.lot_expiry(day, load_rules(session).expiry_months)
    note = f"friend {friend.name}" if friend is not None else ""
    entry = ledger.post(session, member, actor, kind=EntryKind.TASK_REWARD, points=task.points, now=now,
                        expires_on=expires, reference=f"task {task.name}"[:128], note=note)
    # A plain INSERT, at once: the unique keys speak here, and the entry it names is already written.
    conn.execute(_INSERT_CLAIM, dict(
        id=new_id(), task_id=task.id, member_id=member.id, period=period, slot=done + 1, times=task.times,
        points=task.points, entry_id=entry.id, source=source,
        referral_friend_id=friend.id if friend is not None else None, purchase_id=purchase_id, business_day=day,
        staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
    audit.record(session, actor, "task.reward", "member", member.id, {"balance": member.balance - task.points},
                 {"balance": member.balance, "task": task.name, "points": task.points, "period": period,
                  "slot": done + 1, "source": source}, now)
    return done + 1


def _active(session: Session, trigger: Trigger, day: date) -> list[Row[Any]]:
    rows = session.connection().execute(_ACTIVE_BY_TRIGGER, {"trigger": trigger.value}).all()
    return [t for t in rows if _in_window(t, day)]


@dataclass(frozen=True)
class ClaimResult:
    """What the till shows after a task was claimed."""

    task_id: uuid.UUID
    task_name: str
    member_id: uuid.UUID
    member_name: str
    points: int
    balance: int
    done: int  # rewards in this period, this one included
    times: int
    flagged: bool  # an abuse rule sent the member's recent earnings to the review queue
    occurred_at: datetime


def _refusal(task: Task, member: Member, day: date) -> Conflict | None:
    """Why a cashier cannot claim this task for this member now (its limit aside)."""
    trigger = Trigger(task.trigger)
    if not task.active:
        return Conflict("This task is switched off.")
    if not _in_window(task, day):
        return Conflict("This task is not running today.")
    if trigger is Trigger.FIRST_PURCHASE:
        return Conflict("This task completes by itself with the member's first purchase.")
    if trigger is Trigger.REFERRAL:
        return Conflict("This task pays by itself when an invited friend makes a first purchase.")
    if trigger is Trigger.PROFILE and member.birthday is None:
        return Conflict("The profile is not complete yet: add the member's birthday first.")
    if trigger is Trigger.BIRTHDAY_MONTH and (member.birthday is None or member.birthday.month != day.month):
        return Conflict("This task counts only in the member's birthday month.")
    return None


def _limit_reached(task: Task) -> Conflict:
    if task.kind == TaskKind.DAILY.value:
        return Conflict("Already done today ({times} a day); come back tomorrow.", times=task.times)
    if task.trigger == Trigger.BIRTHDAY_MONTH.value:
        return Conflict("Already done this year.")
    return Conflict("Already done; this task pays {times} time(s) in all.", times=task.times)


def claim(db: Database, actor: Actor, member_id: uuid.UUID, task_id: uuid.UUID, *,
          now: datetime | None = None) -> ClaimResult:
    """Record at the counter that a member did a task, and pay it (never beyond its limit)."""
    require(actor, Permission.TASK_CLAIM)
    now = now or utc_now()
    day = business_day(now, actor.store_tz)
    try:
        with db.write() as session:
            member = ledger.lock_member(session, member_id)
            if member.status != "active":
                raise not_active(member.status)
            task = session.get(Task, task_id)
            if task is None:
                raise NotFound("No such task.")
            refusal = _refusal(task, member, day)
            if refusal is not None:
                raise refusal
            slot = _reward(session, actor, member, task, day, now, "counter")
            if slot is None:
                raise _limit_reached(task)
            flagged = bool(risk.evaluate(session, actor, member, now))
            return ClaimResult(task.id, task.name, member.id, member.name, task.points, member.balance, slot,
                               task.times, flagged, now)
    except IntegrityError:
        # Another till paid the same slot first (the member lock makes this rare; the key makes it safe).
        with db.read() as session:
            task = session.get(Task, task_id)
            if task is None:
                raise
            raise _limit_reached(task) from None


# -- the events -------------------------------------------------------------------------------------------


def after_purchase(session: Session, actor: Actor, member: Member, purchase_id: uuid.UUID, day: date,
                   now: datetime) -> int:
    """Called by ``purchases.award_for_purchase`` when the member had no spend yet in the tier window.

    One indexed read decides whether this was the member's first purchase
    ever; only then are the first-purchase tasks paid, and the friend who
    invited the member. Returns the points the member's own tasks paid.
    """
    earlier = session.connection().execute(_EARLIER_PURCHASE, {"member": member.id, "purchase": purchase_id})
    if earlier.first() is not None:
        return 0
    own = 0
    for task in _active(session, Trigger.FIRST_PURCHASE, day):
        if _reward(session, actor, member, task, day, now, "purchase", purchase_id=purchase_id) is not None:
            own += task.points
    if own:
        risk.evaluate(session, actor, member, now)
    referral = session.get(Referral, member.id)
    if referral is None:
        return own
    referrer = ledger.lock_member(session, referral.referrer_id)  # after the friend: always in join order
    if referrer.status != "active":
        return own
    paid = []
    for task in _active(session, Trigger.REFERRAL, day):
        already = session.scalar(select(TaskClaim.id).where(TaskClaim.task_id == task.id,
                                                            TaskClaim.referral_friend_id == member.id))
        if already is None:
            paid.append(_reward(session, actor, referrer, task, day, now, "referral", purchase_id=purchase_id,
                                friend=member))
    if any(paid):
        risk.evaluate(session, actor, referrer, now)
    return own


def after_profile_completed(session: Session, actor: Actor, member: Member, now: datetime) -> None:
    """Called by ``members.update_member`` when a locked member's profile just got its birthday."""
    if member.birthday is None or member.status != "active":
        return
    day = business_day(now, actor.store_tz)
    paid = [_reward(session, actor, member, task, day, now, "profile") for task in _active(session, Trigger.PROFILE, day)]
    if any(paid):
        risk.evaluate(session, actor, member, now)


def after_sign_in(session: Session, actor: Actor, member: Member, day: date, now: datetime) -> int:
    """Called by ``signin.sign_in``: a sign-in is a visit. Pays the visit tasks, applies the abuse rules.

    Returns the points the visit tasks paid.
    """
    paid = 0
    for task in _active(session, Trigger.VISIT, day):
        if _reward(session, actor, member, task, day, now, "signin") is not None:
            paid += task.points
    risk.evaluate(session, actor, member, now)
    return paid


# -- the counter's view -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberTask:
    """One task as the counter shows it for a member today."""

    task: TaskView
    period: str  # the period the counts below are for
    done: int  # rewards paid in this period
    times: int
    # claimable: the cashier can record it now; done: its limit for the period is reached;
    # automatic: an event completes it (first purchase, a friend's first purchase);
    # not_eligible: the profile lacks a birthday, or it is not the birthday month;
    # not_running: outside the task's first and last day
    state: str


@dataclass(frozen=True)
class TaskBoard:
    member_id: uuid.UUID
    day: date
    tasks: tuple[MemberTask, ...]
    points_today: int  # task points paid on this business day
    points_available: int  # what the claimable tasks would pay now


def member_tasks(db: Database, actor: Actor, member_id: uuid.UUID, *, now: datetime | None = None) -> TaskBoard:
    """Which active tasks a member can do now, which are done, and the progress of the rest."""
    require(actor, Permission.MEMBER_VIEW)
    now = now or utc_now()
    day = business_day(now, actor.store_tz)
    with db.read() as session:
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound("No such member.")
        tasks = list(session.scalars(select(Task).where(Task.active.is_(True))
                                     .order_by(Task.sort_order, Task.created_at, Task.id)))
        periods = {day.isoformat(), str(day.year), "once", "all"}
        counts = {(t, p): int(n) for t, p, n in session.execute(
            select(TaskClaim.task_id, TaskClaim.period, func.count()).where(
                TaskClaim.member_id == member.id, TaskClaim.period.in_(periods))
            .group_by(TaskClaim.task_id, TaskClaim.period)).all()}
        today_points = session.scalar(select(func.coalesce(func.sum(TaskClaim.points), 0)).where(
            TaskClaim.member_id == member.id, TaskClaim.business_day == day)) or 0
        rows = []
        for task in tasks:
            period = period_of(task, day)
            done = counts.get((task.id, period), 0)
            if done >= task.times:
                state = "done"
            elif not _in_window(task, day):
                state = "not_running"
            elif task.trigger in (Trigger.FIRST_PURCHASE.value, Trigger.REFERRAL.value):
                state = "automatic"
            elif _refusal(task, member, day) is not None:
                state = "not_eligible"
            else:
                state = "claimable"
            rows.append(MemberTask(_view(task), period, done, task.times, state))
    available = sum(r.task.points for r in rows if r.state == "claimable")
    return TaskBoard(member_id, day, tuple(rows), int(today_points), available)


@dataclass(frozen=True)
class ClaimView:
    task_id: uuid.UUID
    task_name: str
    points: int
    period: str
    slot: int
    source: str  # counter, signin, purchase, profile, referral
    friend_id: uuid.UUID | None
    occurred_at: datetime


def claims_for(db: Database, actor: Actor, member_id: uuid.UUID, *, limit: int = 50) -> list[ClaimView]:
    """A member's task rewards, newest first."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        rows = session.execute(
            select(TaskClaim, Task.name).join(Task, Task.id == TaskClaim.task_id)
            .where(TaskClaim.member_id == member_id).order_by(TaskClaim.occurred_at.desc(), TaskClaim.id.desc())
            .limit(limit)).all()
        return [ClaimView(c.task_id, name, c.points, c.period, c.slot, c.source, c.referral_friend_id, c.occurred_at)
                for c, name in rows]


def rewards_paid(db: Database) -> dict[uuid.UUID, int]:
    """Rewards paid so far per task (the command line's task list)."""
    with db.read() as session:
        return {task_id: int(n) for task_id, n in session.execute(
            select(TaskClaim.task_id, func.count()).group_by(TaskClaim.task_id)).all()}
