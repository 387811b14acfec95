"""Referral codes and invitations: the "invite a friend" challenge (邀请好友).

Each member has one referral code, made the first time it is asked for:
eight characters from the voucher alphabet (nothing that looks alike: no
0/O, 1/I/L, U) with a check character, shown as ``K7MQ-9XH2``, typed in
any case, with or without the dash, full-width or not. A new member gives a
friend's code at the counter before their own first purchase; that purchase
pays the friend's referral task (``tasks.after_purchase``).

A member is invited once (the friend is the primary key of ``referrals``),
cannot invite themselves, and can only be invited by someone who joined
before them, so invitations never form a loop.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger
from .clock import utc_now
from .db import Database
from .errors import Conflict, NotFound, ValidationError
from .models import Member, Purchase, Referral, ReferralCode, TaskClaim
from .staff import Actor, Permission, require
from .vouchers import clean_code, display_code, new_code

BODY = 7  # and a check character


def normalise_referral_code(typed: str) -> str:
    code = clean_code(typed, BODY + 1)
    if code is None:
        raise ValidationError("That is not a valid referral code; check it and type it again.", field="code")
    return code


def _code_of(session: Session, member_id: uuid.UUID) -> str | None:
    return session.scalar(select(ReferralCode.code).where(ReferralCode.member_id == member_id))


def referral_code(db: Database, actor: Actor, member_id: uuid.UUID) -> str:
    """The member's referral code as printed (``K7MQ-9XH2``), made on first use."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        code = _code_of(session, member_id)
    if code is not None:
        return display_code(code)
    require(actor, Permission.TASK_CLAIM)
    now = utc_now()
    try:
        with db.write() as session:
            if session.get(Member, member_id) is None:
                raise NotFound("No such member.")
            code = _code_of(session, member_id)
            if code is None:
                code = _unused_code(session)
                session.add(ReferralCode(code=code, member_id=member_id, created_at=now))
                session.flush()
                audit.record(session, actor, "referral.code", "member", member_id, None, {"code": code}, now)
    except IntegrityError:
        # Another till made the member's code at the same moment: use that one.
        with db.read() as session:
            code = _code_of(session, member_id)
        if code is None:
            raise
    return display_code(code)


def _unused_code(session: Session) -> str:
    while True:
        code = new_code(BODY)
        if session.get(ReferralCode, code) is None:
            return code


@dataclass(frozen=True)
class ReferralView:
    friend_id: uuid.UUID
    friend_name: str
    referrer_id: uuid.UUID
    referrer_name: str
    code: str  # as printed
    occurred_at: datetime
    rewarded: bool  # the friend's first purchase has paid the referrer
    repeated: bool = False  # this invitation was already recorded


def register_referral(db: Database, actor: Actor, friend_id: uuid.UUID, typed_code: str, *,
                      now: datetime | None = None) -> ReferralView:
    """Record that ``friend_id`` came with a member's code; their first purchase will pay that member."""
    require(actor, Permission.TASK_CLAIM)
    code = normalise_referral_code(typed_code)
    now = now or utc_now()
    try:
        with db.write() as session:
            friend = ledger.lock_member(session, friend_id)
            owner = session.get(ReferralCode, code)
            if owner is None:
                raise NotFound("No member has the referral code {code}; check it and type it again.",
                               code=display_code(code))
            referrer = session.get(Member, owner.member_id)
            assert referrer is not None
            existing = session.get(Referral, friend.id)
            if existing is not None:
                if existing.referrer_id == referrer.id:
                    return _referral_view(session, existing, repeated=True)
                raise Conflict("This member was already invited by {name}.",
                               name=session.get(Member, existing.referrer_id).name)  # type: ignore[union-attr]
            if referrer.id == friend.id:
                raise ValidationError("A member cannot use their own referral code.", field="code")
            if (friend.created_at, friend.id) <= (referrer.created_at, referrer.id):
                raise Conflict("Only a member who joined after {name} can use their code.", name=referrer.name)
            if session.scalar(select(Purchase.id).where(Purchase.member_id == friend.id).limit(1)) is not None:
                raise Conflict("A referral code counts only before the member's first purchase.")
            row = Referral(friend_id=friend.id, referrer_id=referrer.id, code=code, staff_id=actor.staff_id,
                           store_id=actor.store_id, occurred_at=now)
            session.add(row)
            session.flush()
            audit.record(session, actor, "referral.register", "member", friend.id, None,
                         {"referrer": referrer.id, "code": code}, now)
            return _referral_view(session, row)
    except IntegrityError:
        with db.read() as session:
            row = session.get(Referral, friend_id)
            if row is None:
                raise
            if row.code != code:
                raise Conflict("This member was already invited by {name}.",
                               name=session.get(Member, row.referrer_id).name) from None  # type: ignore[union-attr]
            return _referral_view(session, row, repeated=True)


def _referral_view(session: Session, row: Referral, *, repeated: bool = False) -> ReferralView:
    names = dict(session.execute(select(Member.id, Member.name)
                                 .where(Member.id.in_([row.friend_id, row.referrer_id]))).all())
    rewarded = session.scalar(select(TaskClaim.id).where(TaskClaim.referral_friend_id == row.friend_id).limit(1))
    return ReferralView(row.friend_id, names[row.friend_id], row.referrer_id, names[row.referrer_id],
                        display_code(row.code), row.occurred_at, rewarded is not None, repeated)


@dataclass(frozen=True)
class InvitationSummary:
    code: str | None  # the member's code as printed, None until one was made
    invited: int  # friends who gave the code
    rewarded: int  # of them, those whose first purchase paid the member
    friends: tuple[ReferralView, ...]  # newest first, at most 20


def invitations(db: Database, actor: Actor, member_id: uuid.UUID) -> InvitationSummary:
    """The member's code and the friends it brought (for the counter's task panel)."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        code = _code_of(session, member_id)
        invited = session.scalar(select(func.count()).select_from(Referral)
                                 .where(Referral.referrer_id == member_id)) or 0
        rewarded = session.scalar(select(func.count(func.distinct(TaskClaim.referral_friend_id))).where(
            TaskClaim.member_id == member_id, TaskClaim.referral_friend_id.is_not(None))) or 0
        rows = session.scalars(select(Referral).where(Referral.referrer_id == member_id)
                               .order_by(Referral.occurred_at.desc()).limit(20)).all()
        friends = tuple(_referral_view(session, r) for r in rows)
    return InvitationSummary(display_code(code) if code else None, int(invited), int(rewarded), friends)
