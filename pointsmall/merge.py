"""Two accounts of one person merged, or two people told apart: the duplicate-phone case.

Two offline stores can register the same phone; the chain keeps the second
member with its phone marked (``13800001234#ab12cd``) and opens a
``sync_member_merge`` case (``pointsmall/sync/project.py``). A supervisor
decides it here, once, in one transaction with the case's decision:

- ``merge_case`` (or ``merge_members`` for any two members): the absorbed
  member's balance moves to the kept member through the ledger, one
  ``merge`` entry on each side. The kept member's new lots keep the absorbed
  lots' sizes and expiry dates (a merge never extends expiry); a debt moves
  too. The kept member keeps the higher tier. The absorbed member ends
  "merged" with nothing left and ``merged_into`` set: it can no longer earn,
  redeem, sign in or spin, and looking up its card or phone finds the kept
  member. Purchases and history stay with the member they happened to.
- ``correct_phone``: two people; the new member gets its real phone.

Merging the same pair again returns the first result (``repeated``).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, ledger, members, reviews, tiers
from .clock import business_day, utc_now
from .db import Database
from .errors import Conflict, IntegrityViolation, NotFound, ValidationError
from .ledger import EntryKind
from .ids import new_id
from .models import Member, PointEntry, PointLot, ReviewCase, TierChange
from .staff import Actor, Permission, require

CASE_KIND = "sync_member_merge"
MERGED = "merged"
REASON = "merge"  # the reason category of both entries of a merge


class MergeRefused(Conflict):
    """A merge that cannot be made as asked (the message says why)."""


@dataclass(frozen=True)
class MergeResult:
    kept_id: uuid.UUID
    absorbed_id: uuid.UUID
    kept_name: str
    absorbed_name: str
    points_moved: int  # the absorbed balance (negative: a debt moved)
    lots_moved: int
    kept_balance: int
    tier_code: str  # the kept member's tier after the merge
    case_id: uuid.UUID | None
    repeated: bool  # this pair was merged already; nothing was written


@dataclass(frozen=True)
class MergeCandidate:
    """One side of the case, as the supervisor compares them."""

    id: uuid.UUID
    name: str
    phone: str  # as the viewer may see it; a marked phone shows its mark
    card_code: str
    balance: int
    tier_code: str
    tier_name_zh: str
    tier_name_en: str
    home_store_id: str
    joined_on: date
    last_activity: datetime | None  # the newest ledger entry
    status: str
    registered_offline: bool  # the member the sync kept with its phone marked


@dataclass(frozen=True)
class MergePair:
    case_id: uuid.UUID
    phone: str
    members: tuple[MergeCandidate, ...]  # the original holder of the phone first, when still there


# -- reading the case -------------------------------------------------------------------------------------


def _case_members(session: Session, case: ReviewCase) -> tuple[uuid.UUID, uuid.UUID | None]:
    """(the member registered offline, the member holding the phone or card it collided with)."""
    if case.kind != CASE_KIND or case.member_id is None:
        raise ValidationError("This case is not about a phone registered at two stores.", field="case")
    details = json.loads(case.details or "{}")
    other = None
    for column, value in ((Member.phone, details.get("phone")), (Member.card_code, details.get("card"))):
        if value:
            other = session.scalar(select(Member.id).where(column == value, Member.id != case.member_id))
            if other is not None:
                break
    if other is None:  # merged already: the phone moved, the merge names the other member
        into = session.scalar(select(Member.merged_into).where(Member.id == case.member_id))
        other = into or session.scalar(select(Member.id).where(Member.merged_into == case.member_id).limit(1))
    return case.member_id, other


def _read_case(session: Session, case_id: uuid.UUID) -> tuple[ReviewCase, uuid.UUID, uuid.UUID | None]:
    """The case (read, not locked) and its two members, as ``_case_members`` finds them."""
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise NotFound("No such review case.")
    return (case, *_case_members(session, case))


def candidates(db: Database, actor: Actor, case_id: uuid.UUID) -> MergePair:
    """Both members of a duplicate-phone case side by side (the phone as the viewer may see it)."""
    require(actor, Permission.REVIEW_VIEW)
    with db.read() as session:
        case, new, other = _read_case(session, case_id)
        ids = [i for i in (other, new) if i is not None]
        ladder = {t.id: t for t in tiers.list_tiers(session)}
        last = dict(session.execute(select(PointEntry.member_id, func.max(PointEntry.occurred_at))
                                    .where(PointEntry.member_id.in_(ids)).group_by(PointEntry.member_id)).all())
        rows = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}
        phone = json.loads(case.details or "{}").get("phone", "")
        return MergePair(case.id, members.shown_phone(actor, phone) if phone else "", tuple(
            MergeCandidate(m.id, m.name, _shown(actor, m.phone), m.card_code, m.balance, ladder[m.tier_id].code,
                           ladder[m.tier_id].name_zh, ladder[m.tier_id].name_en,
                           m.home_store_id, m.joined_on, last.get(m.id), m.status, m.id == new)
            for m in (rows[i] for i in ids if i in rows)))


def _shown(actor: Actor, phone: str) -> str:
    digits, mark, rest = phone.partition("#")
    return members.shown_phone(actor, digits) + mark + rest


# -- merging -------------------------------------------------------------------------------------------------


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError("Write what was checked.", field="note")
    if len(note) > reviews.MAX_NOTE:
        raise ValidationError("Keep the note under {n} characters.", field="note", n=reviews.MAX_NOTE)
    return note


def _request(request_id: str | None) -> str | None:
    if request_id is not None and not (0 < len(request_id) <= 64):
        raise ValidationError("A request id has 1 to 64 characters.", field="request_id")
    return request_id


def merge_members(db: Database, actor: Actor, *, keep: uuid.UUID, absorb: uuid.UUID, note: str,
                  request_id: str | None = None, now: datetime | None = None) -> MergeResult:
    """Merge ``absorb`` into ``keep`` (any two members of one person); see the module's docstring."""
    require(actor, Permission.REVIEW_RESOLVE)
    note, request_id = _note(note), _request(request_id)
    if keep == absorb:
        raise MergeRefused("A member cannot be merged into itself; choose two different members.")
    now = now or utc_now()
    with db.write() as session:
        _refuse_on_replica(session)
        kept, gone = _lock_pair(session, keep, absorb)
        done = _already(kept, gone)
        if done is not None:
            return done
        return _merge(session, actor, kept, gone, note, request_id, now, None)


def merge_case(db: Database, actor: Actor, case_id: uuid.UUID, *, keep: uuid.UUID, note: str,
               request_id: str | None = None, now: datetime | None = None) -> MergeResult:
    """Decide a duplicate-phone case "merged": the other member goes into ``keep``, and the case closes with it."""
    require(actor, Permission.REVIEW_RESOLVE)
    note, request_id = _note(note), _request(request_id)
    now = now or utc_now()
    with db.write() as session:
        _refuse_on_replica(session)
        _, new, other = _read_case(session, case_id)
        if other is None:
            raise MergeRefused("The member who first registered this phone or card was not found; correct the "
                               "phone instead.")
        if keep not in (new, other):
            raise ValidationError("Keep one of the two members of this case.", field="keep")
        absorb = other if keep == new else new
        # The members first (as every service locks them), then the case, read again under the lock.
        kept, gone = _lock_pair(session, keep, absorb)
        case = session.get(ReviewCase, case_id, with_for_update=True, populate_existing=True)
        assert case is not None
        if case.status != reviews.Status.OPEN.value:
            done = _already(kept, gone, case.id) if case.status == MERGED else None
            if done is not None:
                return done
            raise Conflict("This case was already decided ({status}).", status=case.status)
        result = _merge(session, actor, kept, gone, note, request_id, now, case.id)
        reviews.close_case(session, actor, case, reviews.Status.MERGED, note, now)
        return result


def _refuse_on_replica(session: Session) -> None:
    from .sync.guard import refuse_on_replica  # here: the sync package imports the services

    refuse_on_replica(session, "reviews")  # a review decision: head office's, the pull would undo it


def _lock_pair(session: Session, keep: uuid.UUID, absorb: uuid.UUID) -> tuple[Member, Member]:
    """Both members locked, in id order (as every service takes several members' locks)."""
    locked = {i: ledger.lock_member(session, i) for i in sorted((keep, absorb))}
    return locked[keep], locked[absorb]


def _already(kept: Member, gone: Member, case_id: uuid.UUID | None = None) -> MergeResult | None:
    """The answer to a merge of a pair merged already (a retry, or a second supervisor): nothing more is done."""
    if gone.status == MERGED and gone.merged_into == kept.id:
        return MergeResult(kept.id, gone.id, kept.name, gone.name, 0, 0, kept.balance, "", case_id, True)
    return None


def _merge(session: Session, actor: Actor, kept: Member, gone: Member, note: str, request_id: str | None,
           now: datetime, case_id: uuid.UUID | None) -> MergeResult:
    for m in (gone, kept):
        if m.status == MERGED:
            raise MergeRefused("{name} was already merged into another member; merge into that member instead.",
                               name=m.name)
        if m.status != members.Status.ACTIVE.value:
            raise MergeRefused("{name}'s account is frozen; unfreeze it before merging.", name=m.name)
    points, lots = _move_balance(session, actor, kept, gone, note, now)
    ladder = {t.id: t for t in tiers.list_tiers(session)}
    before = {"status": gone.status, "balance": points, "tier": ladder[gone.tier_id].code}
    if ladder[gone.tier_id].rank > ladder[kept.tier_id].rank:
        session.add(TierChange(id=new_id(), member_id=kept.id, kind="upgrade", from_tier_id=kept.tier_id,
                               to_tier_id=gone.tier_id, reason=f"merge: the tier of {gone.name}"[:200],
                               staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
        kept.tier_id = gone.tier_id
    _take_real_phone(session, kept, gone)
    gone.status, gone.merged_into, gone.merged_at, gone.merge_request_id = MERGED, kept.id, now, request_id
    gone.needs_review, gone.review_reason = False, None  # nothing is left on it to review
    gone.updated_at = kept.updated_at = now
    session.flush()
    if kept.balance < 0:
        reviews.open_negative_balance_case(session, actor, kept, now)
    audit.record(session, actor, "member.merge", "member", gone.id, before,
                 {"status": MERGED, "merged_into": kept.id, "points_moved": points, "lots_moved": lots,
                  "case": case_id, "request": request_id, "note": note}, now)
    return MergeResult(kept.id, gone.id, kept.name, gone.name, points, lots, kept.balance, ladder[kept.tier_id].code,
                       case_id, False)


def _move_balance(session: Session, actor: Actor, kept: Member, gone: Member, note: str, now: datetime,
                  key: str = "") -> tuple[int, int]:
    """Move ``gone``'s balance (both locked) to ``kept`` with one entry each side; (points, lots moved)."""
    lots = session.execute(select(PointLot.remaining, PointLot.expires_on)
                           .where(PointLot.member_id == gone.id, PointLot.remaining > 0)
                           .order_by(PointLot.expires_on, PointLot.id).with_for_update()).all()
    points = gone.balance
    day = business_day(now, actor.store_tz)
    common = dict(now=now, reason_category=REASON, note=note[:200], day=day)
    if points > 0:
        # The kept member gets the absorbed lots again, each with its own expiry date.
        moved = [(int(r.remaining), r.expires_on) for r in lots]
        if sum(size for size, _ in moved) != points:
            raise IntegrityViolation(f"lots of member {gone.id} do not match the balance")
        ledger.post(session, gone, actor, kind=EntryKind.MERGE, points=-points,
                    reference=f"merged into {kept.card_code}", idem_key=f"merge-out:{gone.id}{key}", **common)
        ledger.post(session, kept, actor, kind=EntryKind.MERGE, points=points, lots=moved,
                    reference=f"merged from {gone.card_code}", idem_key=f"merge-in:{gone.id}{key}", **common)
    elif points < 0:
        # A debt moves too: the absorbed member's is paid off by a lot opened and drawn at once, the kept
        # member takes it (and is flagged if it puts the balance below zero).
        ledger.post(session, gone, actor, kind=EntryKind.MERGE, points=-points, lots=[(-points, day)],
                    reference=f"merged into {kept.card_code}", idem_key=f"merge-out:{gone.id}{key}", **common)
        ledger.post(session, kept, actor, kind=EntryKind.MERGE, points=points, allow_negative=True,
                    review_reason=f"debt of {gone.name} moved in a merge"[:200],
                    reference=f"merged from {gone.card_code}", idem_key=f"merge-in:{gone.id}{key}", **common)
    return points, len(lots) if points > 0 else 0


def _take_real_phone(session: Session, kept: Member, gone: Member) -> None:
    """A kept member with a marked phone takes the absorbed member's real one (the mark goes to the absorbed)."""
    if "#" not in kept.phone or "#" in gone.phone:
        return
    real, marked = gone.phone, kept.phone
    gone.phone = f"merged#{gone.id.hex}"[:20]  # out of the way of the unique index for a moment
    session.flush()
    kept.phone, kept.phone_last4 = real, real[-4:]
    session.flush()
    gone.phone = marked


def settle_merged(db: Database, actor: Actor, *, now: datetime | None = None) -> int:
    """Move points that reached a merged member after its merge to the member it went into; returns how many.

    An offline store that had not pulled the merge yet may still award (or refund) the absorbed member; the
    chain keeps those facts, and this moves the resulting balance on, with the lots' expiry dates, one
    ``merge`` pair per run (keys carry the absorbed member's entry count, so a rerun moves nothing twice).
    Run after a push is applied; ``pointsmall check`` reports a merged member holding points until then.
    """
    require(actor, Permission.REVIEW_RESOLVE)
    now = now or utc_now()
    moved = 0
    with db.write() as session:
        _refuse_on_replica(session)
        # Through the merged_into index: only merged members are read.
        holding = session.execute(select(Member.id, Member.merged_into).where(
            Member.merged_into.is_not(None), Member.balance != 0).order_by(Member.id)).all()
        for gone_id, into in holding:
            target, seen = into, {gone_id}
            while True:  # merged into a member merged later: the points go to the last one
                nxt = session.scalar(select(Member.merged_into).where(Member.id == target))
                if nxt is None or nxt in seen:
                    break
                seen.add(target)
                target = nxt
            kept, gone = _lock_pair(session, target, gone_id)
            if gone.balance == 0:
                continue
            points, _lots = _move_balance(session, actor, kept, gone, "points that arrived after the merge", now,
                                          key=f":{gone.last_entry_seq}")
            gone.needs_review, gone.review_reason, gone.updated_at = False, None, now
            session.flush()
            if kept.balance < 0:
                reviews.open_negative_balance_case(session, actor, kept, now)
            audit.record(session, actor, "member.merge_settle", "member", gone.id, {"balance": points},
                         {"balance": 0, "merged_into": kept.id, "points_moved": points}, now)
            moved += abs(points)
    return moved


# -- two people ------------------------------------------------------------------------------------------------


def correct_phone(db: Database, actor: Actor, case_id: uuid.UUID, *, phone: str, note: str,
                  now: datetime | None = None) -> reviews.CaseView:
    """Decide a duplicate-phone case "kept apart": the member registered offline gets its real phone.

    The phone is checked as registration checks it and must not belong to anyone; a card the sync had to
    mark is replaced by a new one.
    """
    require(actor, Permission.REVIEW_RESOLVE)
    note = _note(note)
    phone = members.normalise_phone(phone)
    now = now or utc_now()
    with db.write() as session:
        _refuse_on_replica(session)
        _, new, _other = _read_case(session, case_id)
        member = ledger.lock_member(session, new)
        case = session.get(ReviewCase, case_id, with_for_update=True, populate_existing=True)
        assert case is not None
        if case.status != reviews.Status.OPEN.value:
            raise Conflict("This case was already decided ({status}).", status=case.status)
        if member.status == MERGED:
            raise MergeRefused("{name} was already merged into another member.", name=member.name)
        members._check_unique(session, phone, None, member.id)
        before = {"phone": _masked(member.phone), "card": member.card_code}
        member.phone, member.phone_last4 = phone, phone[-4:]
        if "#" in member.card_code:
            member.card_code = members._unused_card(session)
        member.updated_at = now
        session.flush()
        reviews.close_case(session, actor, case, reviews.Status.KEPT_APART, note, now)
        audit.record(session, actor, "member.update", "member", member.id, before,
                     {"phone": members.mask_phone(phone), "card": member.card_code, "phone_changed": True,
                      "case": case.id, "note": note}, now)
        return reviews._case_view(session, case)


def _masked(phone: str) -> str:
    digits, mark, rest = phone.partition("#")
    return members.mask_phone(digits) + mark + rest
