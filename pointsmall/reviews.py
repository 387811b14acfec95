"""The supervisors' review queue: cases of any kind, decided once.

A case (``review_cases``) is about a member or a fact that a person must
look at: earnings a risk rule flagged (``earning_velocity``, see
``risk.py``), a refund that took a balance below zero
(``negative_balance``), and the conflicts sync finds (its own kinds,
registered with ``register_kind``). What a case is about is listed as
subjects (``review_subjects``: a ledger entry, a sign-in, a task claim, a
purchase...), each flagged earning with the points it paid.

A supervisor decides a case exactly once: the decision is a row of its own
(``review_decisions``, one per case by its primary key) and the case's
status moves from open by a guarded UPDATE, so two supervisors deciding at
once cannot both succeed. Rejecting flagged earnings reverses each flagged
entry with one ledger entry (idempotency key ``review:<entry>``: an earning
is taken back once, whatever cases list it; its reference names the case):
the points come back out of the lots they opened first, and if they were
already spent the balance goes below zero and the member is flagged, never
silently floored. Approving lets the earnings stand. ``resolved`` closes a
case that earns nothing and reverses nothing (a negative balance that was
settled, a sync conflict that was handled).

A case opened with ``block_redeem`` keeps the member from redeeming and
spinning until it is decided (``refuse_if_blocked``, one indexed read).
"""
from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from . import audit, ledger
from .clock import utc_now
from .db import Database
from .errors import Conflict, NotFound, UnderReview, ValidationError
from .ids import new_id
from .ledger import EntryKind
from .models import Member, PointEntry, ReviewCase, ReviewDecision, ReviewSubject, Staff
from .staff import Actor, Permission, require

MAX_NOTE = 200
MAX_REASON = 200


class CaseKind(str, enum.Enum):
    EARNING_VELOCITY = "earning_velocity"
    NEGATIVE_BALANCE = "negative_balance"


class Status(str, enum.Enum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    RESOLVED = "resolved"
    # The duplicate-phone case's decisions, taken by ``merge.py`` (they need the members and the phone):
    MERGED = "merged"  # the two accounts were one person's: merged into the one kept
    KEPT_APART = "kept_apart"  # two people: the new member's phone was corrected


DECISIONS = (Status.APPROVED, Status.REJECTED, Status.RESOLVED)  # what ``decide`` takes
MERGE_DECISIONS = (Status.MERGED, Status.KEPT_APART)  # what only ``merge.py`` takes


@dataclass(frozen=True)
class KindRules:
    """What may be decided on a kind of case, and what deciding it does besides closing it.

    ``on_decided(session, actor, case, decision, now)`` runs in the deciding
    transaction, after the flagged earnings of a rejection were reversed.
    """

    decisions: frozenset[Status]
    on_decided: Callable[[Session, Actor, ReviewCase, Status, datetime], None] | None = None


_KINDS: dict[str, KindRules] = {}
_ANY = KindRules(frozenset(DECISIONS))  # kinds nobody registered: any decision, no side effect


def register_kind(kind: str, decisions: Iterable[Status | str], on_decided: Callable[..., None] | None = None) -> None:
    """Declare a case kind (sync's conflict kinds, for instance): its decisions and its side effect."""
    _KINDS[kind] = KindRules(frozenset(Status(d) for d in decisions), on_decided)


def kind_rules(kind: str) -> KindRules:
    return _KINDS.get(kind, _ANY)


# -- views --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectView:
    ref_kind: str  # entry, sign_in, task_claim, purchase, member...
    ref_id: str
    points: int  # what a flagged earning paid; 0 otherwise


@dataclass(frozen=True)
class DecisionView:
    decision: str  # approved, rejected, resolved
    note: str
    points_reversed: int
    staff_id: uuid.UUID
    staff_name: str
    store_id: str
    occurred_at: datetime


@dataclass(frozen=True)
class CaseView:
    """One row of the queue, with what it is about and, once decided, the decision."""

    id: uuid.UUID
    kind: str
    status: str
    member_id: uuid.UUID | None
    member_name: str | None
    reason: str
    details: dict[str, Any]
    rule_id: uuid.UUID | None
    block_redeem: bool  # the member cannot redeem or spin while this case is open
    opened_by: uuid.UUID
    opened_by_name: str
    store_id: str
    opened_at: datetime
    subjects: tuple[SubjectView, ...]
    points_flagged: int  # sum of the subjects' points: what a rejection would reverse
    decision: DecisionView | None
    allowed: tuple[str, ...]  # the decisions this kind of case takes (empty once decided)


def _case_view(session: Session, case: ReviewCase) -> CaseView:
    return _case_views(session, [case])[0]


def _case_views(session: Session, cases: list[ReviewCase]) -> list[CaseView]:
    """Views of many cases with four reads in all (subjects, decisions, member and staff names)."""
    if not cases:
        return []
    ids = [c.id for c in cases]
    subjects: dict[uuid.UUID, list[SubjectView]] = {i: [] for i in ids}
    for s in session.scalars(select(ReviewSubject).where(ReviewSubject.case_id.in_(ids))
                             .order_by(ReviewSubject.added_at, ReviewSubject.ref_kind, ReviewSubject.ref_id)):
        subjects[s.case_id].append(SubjectView(s.ref_kind, s.ref_id, s.points))
    decisions = {d.case_id: d for d in session.scalars(select(ReviewDecision).where(ReviewDecision.case_id.in_(ids)))}
    member_ids = {c.member_id for c in cases if c.member_id is not None}
    members = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(member_ids))).all()) \
        if member_ids else {}
    staff_ids = {c.opened_by for c in cases} | {d.staff_id for d in decisions.values()}
    names = dict(session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))).all())
    views = []
    for case in cases:
        d = decisions.get(case.id)
        decision = None if d is None else DecisionView(d.decision, d.note, d.points_reversed, d.staff_id,
                                                       names.get(d.staff_id, "?"), d.store_id, d.occurred_at)
        allowed = (tuple(s.value for s in DECISIONS + MERGE_DECISIONS if s in kind_rules(case.kind).decisions)
                   if case.status == Status.OPEN.value else ())
        listed = tuple(subjects[case.id])
        views.append(CaseView(
            case.id, case.kind, case.status, case.member_id, members.get(case.member_id), case.reason,
            json.loads(case.details or "{}"), case.rule_id, case.block_redeem, case.opened_by,
            names.get(case.opened_by, "?"), case.store_id, case.opened_at, listed, sum(s.points for s in listed),
            decision, allowed))
    return views


# -- opening cases (in the caller's transaction) ---------------------------------------------------------


def open_case(session: Session, actor: Actor, *, kind: str, member_id: uuid.UUID | None, reason: str,
              now: datetime, details: dict[str, Any] | None = None,
              subjects: Iterable[tuple[str, object, int]] = (), rule_id: uuid.UUID | None = None,
              block_redeem: bool = False, ref_key: str | None = None, open_key: str | None = None) -> ReviewCase:
    """Open a case, or add to the one already open, in the caller's transaction.

    ``subjects`` are ``(ref_kind, ref_id, points)``. ``ref_key`` names the
    fact the case is about (a sync conflict's id...): opening it again returns
    the first case, decided or not. ``open_key`` names what may have only one
    open case at a time (a member under one rule): while it is open, new
    subjects join it and it is returned. Callers serialise on a row lock
    (the member's, for earnings); without one a race ends in the unique
    keys' IntegrityError, never in two cases.
    """
    if ref_key is not None:
        found = session.scalars(select(ReviewCase).where(ReviewCase.ref_key == ref_key)).one_or_none()
        if found is not None:
            return found
    if open_key is not None:
        found = session.scalars(select(ReviewCase).where(ReviewCase.open_key == open_key)).one_or_none()
        if found is not None:
            add_subjects(session, found, subjects, now)
            if block_redeem and not found.block_redeem:
                found.block_redeem = True
            if details:
                found.details = json.dumps({**json.loads(found.details or "{}"), **details}, default=str)
            found.updated_at = now
            return found
    case = ReviewCase(id=new_id(), kind=kind, member_id=member_id, status=Status.OPEN.value,
                      reason=reason[:MAX_REASON], details=json.dumps(details or {}, ensure_ascii=False, default=str),
                      rule_id=rule_id, block_redeem=block_redeem, ref_key=ref_key, open_key=open_key,
                      opened_by=actor.staff_id, store_id=actor.store_id, opened_at=now, updated_at=now)
    session.add(case)
    session.flush()
    add_subjects(session, case, subjects, now)
    audit.record(session, actor, "review.open", "review_case", case.id, None,
                 {"kind": kind, "member": member_id, "reason": case.reason, "block_redeem": block_redeem}, now)
    return case


def add_subjects(session: Session, case: ReviewCase, subjects: Iterable[tuple[str, object, int]],
                 now: datetime) -> int:
    """Add subjects a case does not have yet; returns how many were new."""
    wanted = {(kind, str(ref)): points for kind, ref, points in subjects}
    if not wanted:
        return 0
    have = set(session.execute(select(ReviewSubject.ref_kind, ReviewSubject.ref_id)
                               .where(ReviewSubject.case_id == case.id)).all())
    new = [(k, r, p) for (k, r), p in wanted.items() if (k, r) not in have]
    session.add_all(ReviewSubject(case_id=case.id, ref_kind=k, ref_id=r, points=p, added_at=now) for k, r, p in new)
    if new:
        session.flush()
    return len(new)


def open_negative_balance_case(session: Session, actor: Actor, member: Member, now: datetime) -> ReviewCase:
    """Put a member whose balance went below zero into the queue (one open case per member)."""
    return open_case(session, actor, kind=CaseKind.NEGATIVE_BALANCE.value, member_id=member.id,
                     reason=member.review_reason or "balance below zero after a reversal", now=now,
                     details={"balance": member.balance}, open_key=f"{CaseKind.NEGATIVE_BALANCE.value}:{member.id}")


# Built once: every redemption and spin runs it, right after locking the member (so nothing is left
# for an ORM autoflush to write first, and the plain connection path reads the same).
_BLOCKING_CASE = select(ReviewCase.id).where(
    ReviewCase.member_id == bindparam("member"), ReviewCase.status == Status.OPEN.value,
    ReviewCase.block_redeem.is_(True)).limit(1)


def refuse_if_blocked(session: Session, member_id: uuid.UUID) -> None:
    """Refuse while the member has an open case that blocks redeeming (one indexed read)."""
    if session.connection().execute(_BLOCKING_CASE, {"member": member_id}).first() is not None:
        raise UnderReview()


def reviewed_refs(session: Session, ref_kind: str, ref_ids: Iterable[object]) -> set[str]:
    """Which of these facts are already subjects of some case."""
    ids = [str(r) for r in ref_ids]
    if not ids:
        return set()
    return set(session.scalars(select(ReviewSubject.ref_id).where(ReviewSubject.ref_kind == ref_kind,
                                                                   ReviewSubject.ref_id.in_(ids))))


# -- reading the queue ----------------------------------------------------------------------------------


def list_cases(db: Database, actor: Actor, *, status: str | None = Status.OPEN.value, kind: str | None = None,
               member_id: uuid.UUID | None = None, limit: int = 100) -> list[CaseView]:
    """The queue, oldest open case first (decided cases: newest first). ``status`` None lists all."""
    require(actor, Permission.REVIEW_VIEW)
    if status is not None and status not in {s.value for s in Status}:
        raise ValidationError("Unknown review status: {status}", field="status", status=status)
    query = select(ReviewCase)
    if status is not None:
        query = query.where(ReviewCase.status == status)
    if kind is not None:
        query = query.where(ReviewCase.kind == kind)
    if member_id is not None:
        query = query.where(ReviewCase.member_id == member_id)
    order = ReviewCase.opened_at.asc() if status == Status.OPEN.value else ReviewCase.opened_at.desc()
    with db.read() as session:
        cases = session.scalars(query.order_by(order, ReviewCase.id).limit(max(1, min(limit, 1000)))).all()
        return _case_views(session, list(cases))


def get_case(db: Database, actor: Actor, case_id: uuid.UUID) -> CaseView:
    require(actor, Permission.REVIEW_VIEW)
    with db.read() as session:
        case = session.get(ReviewCase, case_id)
        if case is None:
            raise NotFound("No such review case.")
        return _case_view(session, case)


@dataclass(frozen=True)
class Hold:
    """What the counter may tell a cashier about a member's open case (no subjects, no figures)."""

    case_id: uuid.UUID
    kind: str
    block_redeem: bool
    opened_at: datetime


def holds(db: Database, actor: Actor, member_id: uuid.UUID) -> list[Hold]:
    """The member's open cases, for the counter: a blocking one explains why redeeming and spinning wait."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        rows = session.execute(select(ReviewCase.id, ReviewCase.kind, ReviewCase.block_redeem, ReviewCase.opened_at)
                               .where(ReviewCase.member_id == member_id, ReviewCase.status == Status.OPEN.value)
                               .order_by(ReviewCase.opened_at)).all()
    return [Hold(*row) for row in rows]


def count_open(db: Database, actor: Actor) -> dict[str, int]:
    """Open cases per kind (for a badge on the queue's button)."""
    require(actor, Permission.REVIEW_VIEW)
    with db.read() as session:
        rows = session.execute(select(ReviewCase.kind, func.count()).where(ReviewCase.status == Status.OPEN.value)
                               .group_by(ReviewCase.kind)).all()
        return {kind: int(n) for kind, n in rows}


# -- deciding -------------------------------------------------------------------------------------------


def approve(db: Database, actor: Actor, case_id: uuid.UUID, note: str, *, now: datetime | None = None) -> CaseView:
    """The flagged earnings stand; the member may redeem again."""
    return decide(db, actor, case_id, Status.APPROVED, note, now=now)


def reject(db: Database, actor: Actor, case_id: uuid.UUID, note: str, *, now: datetime | None = None) -> CaseView:
    """The flagged earnings are taken back, each with a ledger entry, once."""
    return decide(db, actor, case_id, Status.REJECTED, note, now=now)


def resolve(db: Database, actor: Actor, case_id: uuid.UUID, note: str, *, now: datetime | None = None) -> CaseView:
    """Close a case that pays or takes nothing (a settled negative balance, a handled conflict)."""
    return decide(db, actor, case_id, Status.RESOLVED, note, now=now)


def decide(db: Database, actor: Actor, case_id: uuid.UUID, decision: Status | str, note: str, *,
           now: datetime | None = None) -> CaseView:
    require(actor, Permission.REVIEW_RESOLVE)
    try:
        decision = Status(decision)
    except ValueError:
        raise ValidationError("Decide approve, reject or resolve.", field="decision") from None
    if decision in MERGE_DECISIONS:
        raise ValidationError("Merge the two members or correct the phone from the case itself.", field="decision")
    if decision not in DECISIONS:
        raise ValidationError("Decide approve, reject or resolve.", field="decision")
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError("Write what was checked.", field="note")
    if len(note) > MAX_NOTE:
        raise ValidationError("Keep the note under {n} characters.", field="note", n=MAX_NOTE)
    now = now or utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "reviews")  # head office's data: a replica's edit would be overwritten
        peek = session.get(ReviewCase, case_id)
        if peek is None:
            raise NotFound("No such review case.")
        # The member first, as everywhere; then the case, read again under the lock.
        member = ledger.lock_member(session, peek.member_id) if peek.member_id else None
        case = session.get(ReviewCase, case_id, with_for_update=True, populate_existing=True)
        assert case is not None
        if case.status != Status.OPEN.value:
            raise Conflict("This case was already decided ({status}).", status=case.status)
        rules = kind_rules(case.kind)
        if decision not in rules.decisions:
            raise ValidationError("A case of this kind cannot be {decision}.", field="decision",
                                  decision=decision.value)
        reversed_ = _reverse(session, actor, case, member, now) if decision is Status.REJECTED else 0
        moved = session.execute(
            update(ReviewCase).where(ReviewCase.id == case.id, ReviewCase.status == Status.OPEN.value)
            .values(status=decision.value, open_key=None, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if moved != 1:
            raise Conflict("This case was already decided.")
        session.add(ReviewDecision(case_id=case.id, decision=decision.value, note=note, points_reversed=reversed_,
                                   staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
        session.flush()
        session.refresh(case)
        if rules.on_decided is not None:
            rules.on_decided(session, actor, case, decision, now)
        if member is not None and member.balance < 0 and reversed_:
            open_negative_balance_case(session, actor, member, now)
        audit.record(session, actor, f"review.{decision.value}", "review_case", case.id, {"status": "open"},
                     {"status": decision.value, "note": note, "points_reversed": reversed_,
                      "member": case.member_id}, now)
        return _case_view(session, case)


def close_case(session: Session, actor: Actor, case: ReviewCase, decision: Status, note: str, now: datetime) -> None:
    """Decide a case the caller locked and acted on (``merge.py``), in the caller's transaction.

    The same guarded UPDATE as ``decide``: if another supervisor decided it first, nothing is written and the
    caller's whole transaction (the merge with it) rolls back.
    """
    moved = session.execute(
        update(ReviewCase).where(ReviewCase.id == case.id, ReviewCase.status == Status.OPEN.value)
        .values(status=decision.value, open_key=None, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise Conflict("This case was already decided.")
    session.add(ReviewDecision(case_id=case.id, decision=decision.value, note=note[:MAX_NOTE], points_reversed=0,
                               staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
    session.flush()
    session.refresh(case)
    audit.record(session, actor, f"review.{decision.value}", "review_case", case.id, {"status": "open"},
                 {"status": decision.value, "note": note[:MAX_NOTE], "member": case.member_id}, now)


def reversal_key(entry_id: object) -> str:
    """The idempotency key of the entry that takes back a rejected earning: one per earning, ever."""
    return f"review:{entry_id}"


def _reverse(session: Session, actor: Actor, case: ReviewCase, member: Member | None, now: datetime) -> int:
    """Take back each flagged entry's points not taken back already; returns the total.

    The key is the earning's, not the case's: an earning some other case
    (of a kind that does not keep to one case per earning) already took back
    is skipped, never reversed twice.
    """
    flagged = session.execute(select(ReviewSubject.ref_id, ReviewSubject.points).where(
        ReviewSubject.case_id == case.id, ReviewSubject.ref_kind == "entry", ReviewSubject.points > 0)
        .order_by(ReviewSubject.ref_id)).all()
    if not flagged:
        return 0
    if member is None:
        raise ValidationError("This case names no member whose points could be taken back.", field="decision")
    done = set(session.scalars(select(PointEntry.idem_key).where(
        PointEntry.idem_key.in_([reversal_key(ref_id) for ref_id, _ in flagged]))))
    total = 0
    for ref_id, points in flagged:
        if reversal_key(ref_id) in done:
            continue
        ledger.post(session, member, actor, kind=EntryKind.REVIEW_REVERSAL, points=-points, now=now,
                    reference=f"review {case.id}", note=case.reason[:100], prefer_lot=uuid.UUID(ref_id),
                    idem_key=reversal_key(ref_id), allow_negative=True,
                    review_reason=f"review case {str(case.id)[:8]} took back points already spent")
        total += points
    return total


def _settle_negative_balance(session: Session, actor: Actor, case: ReviewCase, decision: Status,
                             now: datetime) -> None:
    """Resolving a negative-balance case clears the member's flag, as ``members.resolve_review`` does."""
    member = session.get(Member, case.member_id) if case.member_id else None
    if member is None:
        return
    if member.balance < 0:
        raise ValidationError("The balance is still below zero; adjust it before clearing the flag.", field="note")
    member.needs_review, member.review_reason, member.updated_at = False, None, now


def close_member_flag_cases(session: Session, actor: Actor, member_id: uuid.UUID, note: str, now: datetime) -> None:
    """``members.resolve_review`` cleared the flag: its open negative-balance case is resolved with it."""
    case = session.scalars(select(ReviewCase).where(
        ReviewCase.open_key == f"{CaseKind.NEGATIVE_BALANCE.value}:{member_id}").with_for_update()).one_or_none()
    if case is None:
        return
    session.execute(update(ReviewCase).where(ReviewCase.id == case.id, ReviewCase.status == Status.OPEN.value)
                    .values(status=Status.RESOLVED.value, open_key=None, updated_at=now)
                    .execution_options(synchronize_session=False))
    session.add(ReviewDecision(case_id=case.id, decision=Status.RESOLVED.value, note=note[:MAX_NOTE],
                               points_reversed=0, staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
    session.flush()


register_kind(CaseKind.EARNING_VELOCITY.value, (Status.APPROVED, Status.REJECTED))
register_kind(CaseKind.NEGATIVE_BALANCE.value, (Status.RESOLVED,), _settle_negative_balance)
# Once-only keys two offline stores both took (pointsmall/sync/claims.py): the chain already made the
# compensating entry; the supervisor acknowledges, and settles anything else with the member or the store.
for _kind in ("sync_task_twice", "sync_referral_twice", "sync_referral_code", "sync_receipt_twice",
              "sync_refund_twice", "sync_entry_twice",
              # A voucher code two offline stores drew: the later one got a fresh code at the chain (claims.py).
              "sync_voucher_code",
              # Wheel prizes, budget or caps passed at two offline stores (pointsmall/sync/prizes.py).
              "sync_prize_oversold", "sync_wheel_over_budget", "sync_wheel_over_cap"):
    register_kind(_kind, (Status.RESOLVED,))
# The same phone or card registered at two offline stores (pointsmall/sync/project.py): one person's two
# accounts are merged, or two people are kept apart with the new member's phone corrected (merge.py).
register_kind("sync_member_merge", MERGE_DECISIONS)
