"""Tasks (任务), referrals, abuse rules (风险防控) and the general review queue.

``tasks`` and ``risk_rules`` are operator configuration (edited in place,
every edit audited). Claims, referral codes, referrals, review subjects and
review decisions are facts: append-only, guarded by the same triggers as the
ledger. ``review_cases.status`` is a projection of ``review_decisions``
(one decision per case, its primary key says so), changed only from open by
a guarded UPDATE, and ``pointsmall check`` compares the two.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Task(Base):
    """A task members complete for points: daily, one-time growth, or a challenge.

    ``trigger`` says what completes it: ``visit`` and ``custom`` are claimed
    at the counter; ``first_purchase``, ``profile`` and ``referral`` are
    completed by the events themselves (``profile`` may also be claimed);
    ``birthday_month`` is claimed at a visit in the member's birthday month,
    once a year. ``times`` is how often one member may be rewarded per
    period: per business day for daily tasks, in total for growth tasks
    (per year for the birthday visit), friends rewarded for a challenge.
    """

    __tablename__ = "tasks"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10))  # daily, growth, challenge
    trigger: Mapped[str] = mapped_column(String(16))  # visit, custom, first_purchase, profile, birthday_month, referral
    points: Mapped[int] = mapped_column(Integer)
    times: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date | None] = mapped_column(Date)  # first business day it can be done
    ends_on: Mapped[date | None] = mapped_column(Date)  # last business day, inclusive
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TaskClaim(Base):
    """One reward for one task. Never updated.

    The unique (task, member, period, slot) is the limit: the n-th reward of a
    period takes slot n, so two tills claiming at once both try the same slot
    and exactly one wins; a slot beyond ``times`` (the task's limit, copied
    when the reward is paid) is refused by a CHECK constraint. A referral
    pays once per task: (task, ``referral_friend_id``) is unique.
    """

    __tablename__ = "task_claims"
    __table_args__ = (
        UniqueConstraint("task_id", "member_id", "period", "slot"),
        UniqueConstraint("task_id", "referral_friend_id"),
        CheckConstraint("slot >= 1 AND slot <= times", name="slot_within_limit"),
        Index("ix_task_claims_member_time", "member_id", "occurred_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    period: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD (daily), YYYY (birthday), "once", "all"
    slot: Mapped[int] = mapped_column(Integer)  # 1..times
    times: Mapped[int] = mapped_column(Integer)  # the task's limit for the period when this reward was paid
    points: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_entries.id"))
    source: Mapped[str] = mapped_column(String(10))  # counter, signin, purchase, profile, referral
    referral_friend_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.friend_id"))
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchases.id"))
    business_day: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class ReferralCode(Base):
    """A member's code for inviting friends (typeable, no look-alike characters)."""

    __tablename__ = "referral_codes"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), unique=True)
    created_at: Mapped[datetime]


class Referral(Base):
    """A friend who came with a member's code. A friend is referred once (the primary key)."""

    __tablename__ = "referrals"
    friend_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)
    referrer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    code: Mapped[str] = mapped_column(ForeignKey("referral_codes.code"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class RiskRule(Base):
    """Flag a member who earns faster than ``threshold`` within ``window_minutes``.

    ``metric``: ``points`` (game points earned: sign-ins, bonuses, wheel
    prizes, task rewards), ``sign_ins`` (sign-ins and make-ups recorded) or
    ``task_claims``. ``block_redeem`` keeps the member from redeeming and
    spinning until a supervisor has decided the case.
    """

    __tablename__ = "risk_rules"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(12))
    window_minutes: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)  # flagged when the window holds more than this
    block_redeem: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewCase(Base):
    """One item in the supervisors' review queue, of any kind.

    Kinds so far: ``earning_velocity`` (a risk rule fired), ``negative_balance``
    (a refund took the balance below zero); sync adds its conflict kinds.
    ``status`` is open until the one decision (``review_decisions``) sets it
    to approved, rejected or resolved. ``ref_key`` (unique, kept) makes
    opening a case for the same fact twice a no-op; ``open_key`` (unique,
    cleared when decided) keeps one open case per member and rule.
    """

    __tablename__ = "review_cases"
    __table_args__ = (Index("ix_review_cases_member_status", "member_id", "status"),
                      Index("ix_review_cases_status_opened", "status", "opened_at"))
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(10))  # open, approved, rejected, resolved
    reason: Mapped[str] = mapped_column(String(200))  # one line a supervisor reads in the queue
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: figures behind the reason
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("risk_rules.id"))
    block_redeem: Mapped[bool] = mapped_column(Boolean, default=False)
    ref_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    open_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    opened_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewSubject(Base):
    """What a case is about: a ledger entry, a sign-in, a claim, a purchase... Never updated.

    ``points`` is what a flagged earning paid (0 for anything else): the
    amount a rejection reverses.
    """

    __tablename__ = "review_subjects"
    __table_args__ = (Index("ix_review_subjects_ref", "ref_kind", "ref_id"),)  # "is this entry under review?"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_cases.id"), primary_key=True)
    ref_kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # entry, sign_in, task_claim, member...
    ref_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime]


class ReviewDecision(Base):
    """A supervisor's decision on a case; the primary key allows one. Never updated.

    A rejection of flagged earnings names how many points it reversed (each
    reversal is a ledger entry with the idempotency key ``review:<entry>`` and the
    reference ``review <case>``).
    """

    __tablename__ = "review_decisions"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_cases.id"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(10))  # approved, rejected, resolved
    note: Mapped[str] = mapped_column(String(200))
    points_reversed: Mapped[int] = mapped_column(Integer, default=0)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


TASKS_APPEND_ONLY_TABLES = (
    "task_claims",
    "referral_codes",
    "referrals",
    "review_subjects",
    "review_decisions",
)
