"""Members: registration, editing, lookup and the view a cashier sees.

One search box serves the counter: a scanned card code or a full phone finds
one member through a unique index; four digits search the phone's last four;
anything else searches name fragments and pinyin initials ("zs" for 张三)
through ``member_search_terms``, so no lookup scans the members table.
"""
from __future__ import annotations

import enum
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger, reviews, tasks, tiers
from .clock import business_day, utc_now
from .db import Database
from .errors import Conflict, NotFound, ValidationError
from .ids import new_id
from .models import Member, MemberSearchTerm, Tier
from .rules import load_rules
from .staff import Actor, Permission, require

CARD_LENGTH = 12
MAX_NAME = 32
MAX_TERM = 4  # name fragments up to four characters are indexed; longer queries filter on top
NAME_CANDIDATES = 2000  # a name search ranks at most this many of the members whose names hold the fragment
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_PHONE_NOISE_RE = re.compile(r"[\s\-()（）]")
_CODE_NOISE_RE = re.compile(r"[\s\-]")


class Status(str, enum.Enum):
    ACTIVE = "active"
    FROZEN = "frozen"
    MERGED = "merged"  # merged into another member (merge.py): lookups lead to that member


# -- normalising what people type -------------------------------------------

def normalise_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits; spaces, dashes and +86 are dropped."""
    digits = _PHONE_NOISE_RE.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix):]
    if not _PHONE_RE.match(digits):
        raise ValidationError("A mobile number has 11 digits and starts with 1 (e.g. 138 0013 8000).",
                              field="phone")
    return digits


def mask_phone(phone: str) -> str:
    digits, mark, rest = phone.partition("#")  # a phone the sync marked (13800001234#ab12cd) keeps its mark
    return (f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****") + mark + rest


def luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def new_card_code() -> str:
    """Twelve digits starting with 8, the last a Luhn check digit that catches typos."""
    payload = "8" + "".join(secrets.choice("0123456789") for _ in range(CARD_LENGTH - 2))
    return payload + luhn_digit(payload)


def is_card_code(text: str) -> bool:
    return len(text) == CARD_LENGTH and text.isdigit() and luhn_digit(text[:-1]) == text[-1]


def normalise_name(raw: str) -> str:
    name = re.sub(r"\s+", " ", (raw or "").strip())
    if not name:
        raise ValidationError("Enter the member's name.", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError("A name has at most {n} characters.", field="name", n=MAX_NAME)
    return name


def search_terms(name: str) -> set[str]:
    """Fragments of a name and its pinyin initials, as stored in the index."""
    lowered = name.lower()
    terms: set[str] = set()
    if _CJK_RE.search(name):
        compact = lowered.replace(" ", "")
        for size in range(1, MAX_TERM + 1):
            for start in range(0, len(compact) - size + 1):
                terms.add(compact[start:start + size])
        # pypinyin loads its phrase dictionary on import (~0.3 s): only when a name is indexed, not at start-up.
        from pypinyin import Style, lazy_pinyin

        initials = "".join(p[0] for p in lazy_pinyin(compact, style=Style.FIRST_LETTER) if p and p[0].isalpha())
        for size in range(2, len(initials) + 1):
            terms.add(initials[:size])
    else:
        for word in [lowered.replace(" ", "")] + lowered.split():
            for size in range(2, min(len(word), 16) + 1):
                terms.add(word[:size])
    return {t[:32] for t in terms if t}


# -- views -------------------------------------------------------------------

@dataclass(frozen=True)
class MemberSummary:
    """One row of a search result or the members table."""

    id: uuid.UUID
    card_code: str
    name: str
    phone: str  # masked unless the viewer may see full numbers
    tier_code: str
    balance: int
    status: str
    needs_review: bool
    merged_into: uuid.UUID | None = None


@dataclass(frozen=True)
class MergedInto:
    """The member a merged member went into, as the counter names it."""

    id: uuid.UUID
    name: str
    card_code: str


@dataclass(frozen=True)
class MemberView:
    """Everything the counter's member card shows."""

    id: uuid.UUID
    card_code: str
    name: str
    phone: str
    birthday: date | None
    joined_on: date
    home_store_id: str
    status: str
    consent: bool
    balance: int
    needs_review: bool
    review_reason: str | None
    tier: tiers.TierView
    progress: tiers.TierProgress
    expiring: ledger.ExpiringPoints | None
    manual_tier_reason: str | None
    merged_into: MergedInto | None = None


def shown_phone(actor: Actor, phone: str) -> str:
    return phone if actor.can(Permission.PHONE_VIEW_FULL) else mask_phone(phone)


def member_view(session: Session, actor: Actor, member: Member, today: date | None = None) -> MemberView:
    today = today or business_day(utc_now(), actor.store_tz)
    rules = load_rules(session)
    ladder = tiers.list_tiers(session)
    value = tiers.growth(session, member.id, rules, tiers.window_start(today, actor.store_tz, rules.tier_window_months))
    prog = tiers.progress(member, ladder, value, today, rules.tier_basis)
    return MemberView(
        member.id, member.card_code, member.name, shown_phone(actor, member.phone), member.birthday,
        member.joined_on, member.home_store_id, member.status, member.consent, member.balance,
        member.needs_review, member.review_reason, prog.current, prog, ledger.next_expiring(session, member.id),
        member.manual_tier_reason if prog.manual_until else None,
        _merged_into(session, member.merged_into) if member.merged_into is not None else None,
    )


def _merged_into(session: Session, member_id: uuid.UUID) -> MergedInto | None:
    row = session.execute(select(Member.id, Member.name, Member.card_code).where(Member.id == member_id)).first()
    return MergedInto(*row) if row else None


def merged_members(db: Database, actor: Actor, member_id: uuid.UUID) -> list[MemberSummary]:
    """The members merged into this one (their history stays theirs: the detail links to it)."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        rows = session.connection().execute(_SUMMARIES.where(Member.merged_into == member_id)
                                             .order_by(Member.id)).all()
        return [_summary(actor, m) for m in rows]


def get_member(db: Database, actor: Actor, member_id: uuid.UUID) -> MemberView:
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound("No such member.")
        return member_view(session, actor, member)


# The columns a summary shows, with the tier's code joined in (one statement, no second read of
# the tier ladder); built once, run as plain rows (no ORM objects): the counter searches on every
# keystroke and on every scan.
_SUMMARY_COLUMNS = (Member.id, Member.card_code, Member.name, Member.phone, Tier.code.label("tier_code"),
                    Member.balance, Member.status, Member.needs_review, Member.merged_into)
_SUMMARIES = select(*_SUMMARY_COLUMNS).join_from(Member, Tier, Tier.id == Member.tier_id)
_BY_CARD = _SUMMARIES.where(Member.card_code == bindparam("card"))
_BY_PHONE = _SUMMARIES.where(Member.phone == bindparam("phone"))
_BY_ID = _SUMMARIES.where(Member.id == bindparam("member"))
_BY_LAST4 = _SUMMARIES.where(Member.phone_last4 == bindparam("last4")).order_by(Member.name) \
    .limit(bindparam("limit"))


def _summary(actor: Actor, m: Row[Any]) -> MemberSummary:
    return MemberSummary(m.id, m.card_code, m.name, shown_phone(actor, m.phone), m.tier_code, m.balance, m.status,
                         m.needs_review, m.merged_into)


# -- search ------------------------------------------------------------------

class MatchKind(str, enum.Enum):
    CARD = "card"
    PHONE = "phone"
    LAST4 = "last4"
    NAME = "name"


@dataclass(frozen=True)
class SearchResult:
    kind: MatchKind
    members: list[MemberSummary]


def _classify(q: str) -> tuple[MatchKind, str]:
    """What a stripped query is, and the key to look it up by (the card code or phone normalised)."""
    digits = _CODE_NOISE_RE.sub("", q)
    if is_card_code(digits):
        return MatchKind.CARD, digits
    if digits.isdigit() and len(digits) == 4:
        return MatchKind.LAST4, q
    try:
        return MatchKind.PHONE, normalise_phone(q)
    except ValidationError:
        return MatchKind.NAME, q


def classify(query: str) -> MatchKind:
    return _classify(query.strip())[0]


def search(db: Database, actor: Actor, query: str, *, limit: int = 50) -> SearchResult:
    require(actor, Permission.MEMBER_VIEW)
    # One read statement on a pooled connection, without a Session around it: a scan at the
    # counter costs little more than the indexed SELECT itself.
    with db.read_engine.connect() as conn:
        return _search(conn, actor, query, limit)


def search_in(session: Session, actor: Actor, query: str, *, limit: int = 50) -> SearchResult:
    return _search(session.connection(), actor, query, limit)


def _search(conn: Connection, actor: Actor, query: str, limit: int) -> SearchResult:
    q = (query or "").strip()
    kind, key = _classify(q)
    if not q:
        return SearchResult(kind, [])
    if kind is MatchKind.CARD:
        rows = conn.execute(_BY_CARD, {"card": key}).all()
    elif kind is MatchKind.PHONE:
        rows = conn.execute(_BY_PHONE, {"phone": key}).all()
    elif kind is MatchKind.LAST4:
        rows = conn.execute(_BY_LAST4, {"last4": key, "limit": limit}).all()
    else:
        rows = _by_name(conn, q, limit)
    if kind in (MatchKind.CARD, MatchKind.PHONE) and rows and rows[0].merged_into is not None:
        rows = _kept_for(conn, rows[0])
    return SearchResult(kind, [_summary(actor, m) for m in rows])


def _kept_for(conn: Connection, merged: Row[Any]) -> list[Row[Any]]:
    """A merged member's card or phone leads to the member it went into (following a chain of merges)."""
    row, seen = merged, {merged.id}
    while row.merged_into is not None and row.merged_into not in seen:
        found = conn.execute(_BY_ID, {"member": row.merged_into}).first()
        if found is None:
            break
        row = found
        seen.add(row.id)
    return [row]


def _by_name(conn: Connection, q: str, limit: int) -> list[Row[Any]]:
    cjk = bool(_CJK_RE.search(q))
    compact = q.lower().replace(" ", "")
    term = compact[:MAX_TERM] if cjk else compact[:16]
    if not term or (not cjk and len(term) < 2):
        return []
    # A common surname alone matches tens of thousands of members among a million; rank only the
    # first candidates (in join order, from the index) so the query stays fast. Longer queries
    # match far fewer members than the cap.
    ids = select(MemberSearchTerm.member_id).where(MemberSearchTerm.term == term[:32]).limit(NAME_CANDIDATES)
    query = _SUMMARIES.where(Member.id.in_(ids))
    if len(compact) > len(term):
        # The index holds only the first letters of the query; the rest filters the few candidates.
        query = query.where(func.replace(func.lower(Member.name), " ", "").contains(compact, autoescape=True))
    # Exact names first, then shorter names (closer matches), then by name.
    query = query.order_by((Member.name != q.strip()), func.length(Member.name), Member.name).limit(limit)
    return list(conn.execute(query).all())


# -- create and edit ---------------------------------------------------------

def _write_terms(session: Session, member_id: uuid.UUID, name: str) -> None:
    session.execute(delete(MemberSearchTerm).where(MemberSearchTerm.member_id == member_id))
    session.add_all(MemberSearchTerm(term=t, member_id=member_id) for t in search_terms(name))


def _check_unique(session: Session, phone: str | None, card: str | None, exclude: uuid.UUID | None) -> None:
    if phone is not None:
        other = session.scalars(select(Member).where(Member.phone == phone)).one_or_none()
        if other is not None and other.id != exclude:
            raise Conflict("The phone {phone} already belongs to member {name}.", phone=mask_phone(phone),
                           name=other.name)
    if card is not None:
        other = session.scalars(select(Member).where(Member.card_code == card)).one_or_none()
        if other is not None and other.id != exclude:
            raise Conflict("Card {card} already belongs to member {name}.", card=card, name=other.name)


def _parse_birthday(birthday: date | None, today: date) -> date | None:
    if birthday is None:
        return None
    if birthday > today or birthday.year < today.year - 120:
        raise ValidationError("The birthday is not a plausible date.", field="birthday")
    return birthday


def create_member(db: Database, actor: Actor, *, name: str, phone: str, card_code: str | None = None,
                  birthday: date | None = None, consent: bool = False) -> MemberView:
    require(actor, Permission.MEMBER_CREATE)
    name, phone = normalise_name(name), normalise_phone(phone)
    if card_code is not None and card_code.strip():
        card_code = re.sub(r"[\s\-]", "", card_code)
        if not is_card_code(card_code):
            raise ValidationError("A card code has 12 digits with a valid check digit; check for a typo.",
                                  field="card_code")
    else:
        card_code = None
    now = utc_now()
    today = business_day(now, actor.store_tz)
    birthday = _parse_birthday(birthday, today)
    try:
        with db.write() as session:
            _check_unique(session, phone, card_code, None)
            card = card_code or _unused_card(session)
            lowest = tiers.list_tiers(session)[0]
            member = Member(
                id=new_id(), card_code=card, phone=phone, phone_last4=phone[-4:], name=name, birthday=birthday,
                joined_on=today, home_store_id=actor.store_id, status=Status.ACTIVE.value, consent=consent,
                tier_id=lowest.id, manual_tier_id=None, manual_tier_reason=None, manual_tier_until=None,
                balance=0, last_entry_seq=0, needs_review=False, review_reason=None, created_at=now,
                updated_at=now,
            )
            session.add(member)
            session.flush()
            _write_terms(session, member.id, name)
            audit.record(session, actor, "member.create", "member", member.id, None,
                         {"name": name, "phone": mask_phone(phone), "card": card, "consent": consent}, now)
            return member_view(session, actor, member, today)
    except IntegrityError:
        # Another till registered the same phone or card between our check and insert.
        raise Conflict("That phone or card was registered at another till just now; search for it.") from None


def _unused_card(session: Session) -> str:
    while True:
        code = new_card_code()
        if session.scalar(select(Member.id).where(Member.card_code == code)) is None:
            return code


def _refuse_on_replica(session: Session, change: str) -> None:
    """An offline store's replica refuses changes head office decides (imported here: sync imports members)."""
    from .sync.guard import refuse_on_replica

    refuse_on_replica(session, change)


def update_member(db: Database, actor: Actor, member_id: uuid.UUID, *, name: str | None = None,
                  phone: str | None = None, birthday: date | None = None, clear_birthday: bool = False,
                  consent: bool | None = None) -> MemberView:
    require(actor, Permission.MEMBER_EDIT)
    name = normalise_name(name) if name is not None else None
    phone = normalise_phone(phone) if phone is not None else None
    now = utc_now()
    today = business_day(now, actor.store_tz)
    birthday = _parse_birthday(birthday, today)
    try:
        with db.write() as session:
            _refuse_on_replica(session, "profile")
            member = session.get(Member, member_id, with_for_update=True)
            if member is None:
                raise NotFound("No such member.")
            _check_unique(session, phone, None, member.id)
            before = _editable(member)
            old_phone = member.phone
            if name is not None and name != member.name:
                member.name = name
                _write_terms(session, member.id, name)
            if phone is not None:
                member.phone, member.phone_last4 = phone, phone[-4:]
            if birthday is not None or clear_birthday:
                member.birthday = birthday
            if consent is not None:
                member.consent = consent
            member.updated_at = now
            if before["birthday"] is None and member.birthday is not None:  # the profile is complete now
                tasks.after_profile_completed(session, actor, member, now)
            after = _editable(member)
            if member.phone != old_phone:
                # Masks can coincide (138****8000 both ways); the change must still be audited.
                after["phone_changed"] = True
            if after != before:
                audit.record(session, actor, "member.update", "member", member.id, before, after, now)
            return member_view(session, actor, member, today)
    except IntegrityError:
        raise Conflict("That phone was registered at another till just now.") from None


def set_status(db: Database, actor: Actor, member_id: uuid.UUID, status: Status | str, reason: str) -> MemberView:
    require(actor, Permission.MEMBER_FREEZE)
    status = Status(status)
    if status is Status.MERGED:
        raise ValidationError("Members are merged from the review queue's merge case, not by their status.",
                              field="status")
    if len(reason.strip()) < 2:
        raise ValidationError("Give a reason.", field="reason")
    now = utc_now()
    with db.write() as session:
        _refuse_on_replica(session, "status")
        member = session.get(Member, member_id, with_for_update=True)
        if member is None:
            raise NotFound("No such member.")
        if member.status == Status.MERGED.value:
            raise Conflict("This member was merged into another member; its status no longer changes.")
        before = {"status": member.status}
        member.status, member.updated_at = status.value, now
        audit.record(session, actor, "member.status", "member", member.id, before,
                     {"status": status.value, "reason": reason.strip()}, now)
        return member_view(session, actor, member)


def resolve_review(db: Database, actor: Actor, member_id: uuid.UUID, note: str) -> MemberView:
    """A supervisor has looked at a flagged member; the flag is cleared with a note."""
    require(actor, Permission.REVIEW_RESOLVE)
    if len(note.strip()) < 2:
        raise ValidationError("Write what was checked.", field="note")
    now = utc_now()
    with db.write() as session:
        _refuse_on_replica(session, "reviews")  # a review decision: the case would come down open again
        member = session.get(Member, member_id, with_for_update=True)
        if member is None:
            raise NotFound("No such member.")
        if member.balance < 0:
            raise ValidationError("The balance is still below zero; adjust it before clearing the flag.",
                                  field="note")
        before = {"needs_review": member.needs_review, "review_reason": member.review_reason}
        member.needs_review, member.review_reason, member.updated_at = False, None, now
        reviews.close_member_flag_cases(session, actor, member.id, note.strip(), now)  # its case in the queue
        audit.record(session, actor, "member.review_resolved", "member", member.id, before,
                     {"needs_review": False, "note": note.strip()}, now)
        return member_view(session, actor, member)


def _editable(m: Member) -> dict[str, object]:
    return {"name": m.name, "phone": mask_phone(m.phone), "birthday": m.birthday, "consent": m.consent}


# -- the members table -------------------------------------------------------

def count_members(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Member)) or 0


def member_ids_page(session: Session, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """Ids in join order (UUIDv7 sorts by time), a page after ``after``: keyset, no OFFSET."""
    query = select(Member.id).order_by(Member.id).limit(limit)
    if after is not None:
        query = query.where(Member.id > after)
    return list(session.scalars(query))


def summaries(session: Session, actor: Actor, ids: list[uuid.UUID]) -> list[MemberSummary]:
    rows = {m.id: m for m in session.connection().execute(_SUMMARIES.where(Member.id.in_(ids)))}
    return [_summary(actor, rows[i]) for i in ids if i in rows]
