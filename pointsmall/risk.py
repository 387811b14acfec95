"""Abuse rules (风险防控): flag members who earn unusually fast.

An operator configures rules such as "more than 300 game points within 60
minutes" or "more than 3 task rewards within 10 minutes". A rule looks
back over a sliding window ending now (the earning's own time) at one of
three measures:

- ``points``: game points earned (sign-ins and their bonuses, wheel prizes,
  task rewards; purchases are backed by receipts and taken back by refunds);
- ``sign_ins``: sign-ins and make-ups recorded;
- ``task_claims``: task rewards.

When the window holds more than the threshold, the earnings in it go to the
review queue (``reviews.py``) as one ``earning_velocity`` case per member
and rule; later earnings join the case while it is open. Earnings a
supervisor already decided on are left out of the count, so an approved
burst is not flagged again, and an earning is a subject of one open case
at a time (two rules firing on the same burst do not list it twice). A rule with ``block_redeem`` keeps the member
from redeeming and spinning until the case is decided.

``evaluate`` runs in the earning's own transaction (tasks and sign-ins call
it, with the member row locked); ``scan`` checks every member who earned in
the longest window, for earnings made where no rule ran (wheel prizes,
earnings synced from offline stores). ``scan`` is head office's job: an
offline store's replica refuses it (it sees only its own store's earnings,
and the cases it opened would stay on that computer).
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from . import audit, ledger, reviews
from .clock import utc_now
from .db import Database
from .errors import NotFound, ValidationError
from .ids import new_id
from .models import Member, PointEntry, ReviewCase, ReviewSubject, RiskRule, SignIn, TaskClaim
from .staff import Actor, Permission, require

MAX_WINDOW_MINUTES = 31 * 24 * 60


class Metric(str, enum.Enum):
    POINTS = "points"
    SIGN_INS = "sign_ins"
    TASK_CLAIMS = "task_claims"


GAME_EARNING_KINDS = ("signin", "signin_bonus", "wheel_prize", "task_reward")


@dataclass(frozen=True)
class RiskRuleDraft:
    """What the rule editor sends: a rule in plain terms."""

    name: str
    metric: str  # points, sign_ins, task_claims
    window_minutes: int  # the sliding window, 1 minute to 31 days
    threshold: int  # flagged when the window holds more than this
    block_redeem: bool = False
    active: bool = True

    def validate(self) -> None:
        if not self.name.strip() or len(self.name.strip()) > 64:
            raise ValidationError("A rule needs a name of 1 to 64 characters.", field="name")
        if self.metric not in {m.value for m in Metric}:
            raise ValidationError("A rule watches points, sign-ins or task rewards.", field="metric")
        if not _whole(self.window_minutes, 1, MAX_WINDOW_MINUTES):
            raise ValidationError("The window is 1 minute to 31 days.", field="window_minutes")
        if not _whole(self.threshold, 1, 1_000_000):
            raise ValidationError("The threshold is a whole number from 1 to 1,000,000.", field="threshold")
        if not isinstance(self.block_redeem, bool) or not isinstance(self.active, bool):
            raise ValidationError("Blocking and active are on or off.", field="block_redeem")


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass(frozen=True)
class RiskRuleView:
    id: uuid.UUID
    name: str
    metric: str
    window_minutes: int
    threshold: int
    block_redeem: bool
    active: bool
    created_at: datetime
    updated_at: datetime

    @property
    def plain_words(self) -> str:
        """The rule as a sentence (English; the client words it in the staff member's language)."""
        what = {"points": "game points", "sign_ins": "sign-ins", "task_claims": "task rewards"}[self.metric]
        block = "; the member cannot redeem until it is reviewed" if self.block_redeem else ""
        return f"More than {self.threshold} {what} within {self.window_minutes} minutes{block}"


def _view(rule: RiskRule) -> RiskRuleView:
    return RiskRuleView(rule.id, rule.name, rule.metric, rule.window_minutes, rule.threshold, rule.block_redeem,
                        rule.active, rule.created_at, rule.updated_at)


def _snapshot(rule: RiskRule) -> dict[str, object]:
    return {"name": rule.name, "metric": rule.metric, "window_minutes": rule.window_minutes,
            "threshold": rule.threshold, "block_redeem": rule.block_redeem, "active": rule.active}


# -- configuring ------------------------------------------------------------------------------------------


def list_rules(db: Database, actor: Actor, *, include_inactive: bool = True) -> list[RiskRuleView]:
    if not (actor.can(Permission.RISK_CONFIGURE) or actor.can(Permission.REVIEW_VIEW)):
        require(actor, Permission.RISK_CONFIGURE)
    with db.read() as session:
        query = select(RiskRule).order_by(RiskRule.created_at, RiskRule.id)
        if not include_inactive:
            query = query.where(RiskRule.active.is_(True))
        return [_view(r) for r in session.scalars(query)]


def create_rule(db: Database, actor: Actor, draft: RiskRuleDraft) -> RiskRuleView:
    require(actor, Permission.RISK_CONFIGURE)
    draft.validate()
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "risk")  # head office's data: a replica's edit would be overwritten
        rule = RiskRule(id=new_id(), name=draft.name.strip(), metric=draft.metric,
                        window_minutes=draft.window_minutes, threshold=draft.threshold,
                        block_redeem=draft.block_redeem, active=draft.active, created_at=now, updated_at=now)
        session.add(rule)
        session.flush()
        audit.record(session, actor, "risk.rule_create", "risk_rule", rule.id, None, _snapshot(rule), now)
        return _view(rule)


def update_rule(db: Database, actor: Actor, rule_id: uuid.UUID, draft: RiskRuleDraft) -> RiskRuleView:
    """Change a rule; cases it already opened keep what they were opened with."""
    require(actor, Permission.RISK_CONFIGURE)
    draft.validate()
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "risk")  # head office's data: a replica's edit would be overwritten
        rule = session.get(RiskRule, rule_id, with_for_update=True)
        if rule is None:
            raise NotFound("No such abuse rule.")
        before = _snapshot(rule)
        rule.name, rule.metric, rule.window_minutes = draft.name.strip(), draft.metric, draft.window_minutes
        rule.threshold, rule.block_redeem, rule.active = draft.threshold, draft.block_redeem, draft.active
        rule.updated_at = now
        audit.record(session, actor, "risk.rule_update", "risk_rule", rule.id, before, _snapshot(rule), now)
        return _view(rule)


def set_rule_active(db: Database, actor: Actor, rule_id: uuid.UUID, active: bool) -> RiskRuleView:
    require(actor, Permission.RISK_CONFIGURE)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "risk")  # head office's data: a replica's edit would be overwritten
        rule = session.get(RiskRule, rule_id, with_for_update=True)
        if rule is None:
            raise NotFound("No such abuse rule.")
        before = _snapshot(rule)
        rule.active, rule.updated_at = bool(active), now
        audit.record(session, actor, "risk.rule_active", "risk_rule", rule.id, before, _snapshot(rule), now)
        return _view(rule)


# -- evaluating -------------------------------------------------------------------------------------------


# The reads every earning's evaluation runs, built once, through the session's connection.
_IN_WINDOW = {
    Metric.POINTS.value: select(PointEntry.id, PointEntry.points).where(
        PointEntry.member_id == bindparam("member"), PointEntry.occurred_at >= bindparam("since"),
        PointEntry.occurred_at <= bindparam("until"), PointEntry.kind.in_(GAME_EARNING_KINDS),
        PointEntry.points > 0),
    Metric.SIGN_INS.value: select(SignIn.id, SignIn.entry_id, SignIn.points).where(
        SignIn.member_id == bindparam("member"), SignIn.occurred_at >= bindparam("since"),
        SignIn.occurred_at <= bindparam("until")),
    Metric.TASK_CLAIMS.value: select(TaskClaim.entry_id, TaskClaim.points).where(
        TaskClaim.member_id == bindparam("member"), TaskClaim.occurred_at >= bindparam("since"),
        TaskClaim.occurred_at <= bindparam("until")),
}
_ACTIVE_RULES = select(RiskRule.__table__).where(RiskRule.active.is_(True)).order_by(RiskRule.id)


def _window_earnings(session: Session, member_id: uuid.UUID, metric: str, since: datetime,
                     until: datetime) -> list[tuple[str, str, int]]:
    """The facts a rule counts in the window, as review subjects ``(ref_kind, ref_id, points)``."""
    rows = session.connection().execute(_IN_WINDOW[metric], {"member": member_id, "since": since,
                                                             "until": until}).all()
    if metric == Metric.SIGN_INS.value:
        return [("entry", str(e), p) if e is not None else ("sign_in", str(i), 0) for i, e, p in rows]
    return [("entry", str(i), p) for i, p in rows]


def _reviewed(session: Session, refs: list[tuple[str, str, int]],
              open_key: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Of these subjects: those a supervisor already decided on, and those open in another case."""
    if not refs:
        return set(), set()
    rows = session.execute(
        select(ReviewSubject.ref_kind, ReviewSubject.ref_id, ReviewCase.status, ReviewCase.open_key)
        .join(ReviewCase, ReviewCase.id == ReviewSubject.case_id)
        .where(ReviewSubject.ref_id.in_([r for _, r, _ in refs]))
    ).all()
    decided = {(k, r) for k, r, status, _ in rows if status != reviews.Status.OPEN.value}
    elsewhere = {(k, r) for k, r, status, key in rows if status == reviews.Status.OPEN.value and key != open_key}
    return decided, elsewhere


def _measure(metric: str, subjects: list[tuple[str, str, int]]) -> int:
    return sum(p for _, _, p in subjects) if metric == Metric.POINTS.value else len(subjects)


def active_rules(session: Session) -> list[Row[Any]]:
    return list(session.connection().execute(_ACTIVE_RULES).all())


def evaluate(session: Session, actor: Actor, member: Member, now: datetime, *,
             metrics: tuple[str, ...] | None = None, rules: list[Row[Any]] | None = None) -> list[uuid.UUID]:
    """Apply the active rules to a locked member's recent earnings; returns the cases opened or extended.

    Runs in the caller's transaction, after the earning was written.
    """
    found = []
    for rule in rules if rules is not None else active_rules(session):
        if metrics is not None and rule.metric not in metrics:
            continue
        since = now - timedelta(minutes=rule.window_minutes)
        subjects = _window_earnings(session, member.id, rule.metric, since, now)
        if _measure(rule.metric, subjects) <= rule.threshold:
            continue  # the usual answer, one indexed read per rule: leaving out decided earnings only lowers it
        open_key = f"{reviews.CaseKind.EARNING_VELOCITY.value}:{rule.id}:{member.id}"
        decided, elsewhere = _reviewed(session, subjects, open_key)
        pending = [s for s in subjects if (s[0], s[1]) not in decided]
        value = _measure(rule.metric, pending)
        # An earning is under review in one case at a time (another rule's open case may hold it already).
        fresh = [s for s in pending if (s[0], s[1]) not in elsewhere]
        if value <= rule.threshold or not fresh:
            continue
        case = reviews.open_case(
            session, actor, kind=reviews.CaseKind.EARNING_VELOCITY.value, member_id=member.id,
            reason=f"{rule.name}: {value} {rule.metric.replace('_', ' ')} in {rule.window_minutes} min "
                   f"(more than {rule.threshold})",
            now=now, details={"rule": rule.name, "metric": rule.metric, "value": value,
                              "threshold": rule.threshold, "window_minutes": rule.window_minutes},
            subjects=fresh, rule_id=rule.id, block_redeem=rule.block_redeem, open_key=open_key)
        found.append(case.id)
    return found


@dataclass(frozen=True)
class ScanReport:
    members: int  # members with game earnings in the longest window
    cases: int  # cases opened or extended


def scan(db: Database, actor: Actor, *, now: datetime | None = None, batch: int = 200) -> ScanReport:
    """Apply every active rule to every member who earned game points lately, in batches."""
    require(actor, Permission.REVIEW_RESOLVE)
    now = now or utc_now()
    with db.read() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services

        # Head office's job: a replica sees only its own store's earnings, and review cases are pulled, not sent up.
        refuse_on_replica(session, "abuse_scan")
        rules = active_rules(session)
        if not rules:
            return ScanReport(0, 0)
        since = now - timedelta(minutes=max(r.window_minutes for r in rules))
        ids = set(session.scalars(select(PointEntry.member_id).where(
            PointEntry.occurred_at >= since, PointEntry.occurred_at <= now,
            PointEntry.kind.in_(GAME_EARNING_KINDS)).distinct()))
        ids |= set(session.scalars(select(SignIn.member_id).where(SignIn.occurred_at >= since,
                                                                  SignIn.occurred_at <= now).distinct()))
    ordered = sorted(ids)
    cases = 0
    for start in range(0, len(ordered), batch):
        with db.write() as session:
            rules = active_rules(session)
            for member_id in ordered[start:start + batch]:
                member = ledger.lock_member(session, member_id)
                cases += len(evaluate(session, actor, member, now, rules=rules))
    return ScanReport(len(ordered), cases)
