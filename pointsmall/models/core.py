"""Stores, staff, members, the points ledger and its lots, tiers, campaigns, audit.

Ledger-like tables (``point_entries``, ``lot_draws``, ``purchases``,
``refunds``, ``tier_changes``, ``audit_log``) are append-only: the migration
adds triggers that refuse UPDATE and DELETE on them. ``members.balance``,
``point_lots.remaining`` and ``audit_heads`` are projections kept in the same
transaction as the facts they summarise, and ``pointsmall check`` rebuilds
them from those facts to prove it.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime]


class Setting(Base):
    """Operator-editable rules, one JSON value per key (see ``rules.py``)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(255))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Tier(Base):
    __tablename__ = "tiers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(32))
    # Growth needed to reach the tier, and to keep it at the periodic
    # evaluation; in fen for the spend basis, in points for the points basis.
    threshold: Mapped[int] = mapped_column(Integer)
    retention: Mapped[int] = mapped_column(Integer)
    discount_pct: Mapped[int] = mapped_column(Integer)  # 95 means 95折: the member pays 95 %
    multiplier_permille: Mapped[int] = mapped_column(Integer)  # 1200 means 1.2x
    monthly_events: Mapped[int] = mapped_column(Integer, default=0)
    colour: Mapped[str] = mapped_column(String(9))
    badge: Mapped[str] = mapped_column(String(64))
    benefits_zh: Mapped[str] = mapped_column(Text, default="")
    benefits_en: Mapped[str] = mapped_column(Text, default="")


class Campaign(Base):
    """A points multiplier for a date window and some tiers ("双11 Gold 5x")."""

    __tablename__ = "campaigns"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    multiplier_permille: Mapped[int] = mapped_column(Integer)
    tier_codes: Mapped[str] = mapped_column(String(128), default="")  # comma list; empty = all tiers
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Member(Base):
    __tablename__ = "members"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    card_code: Mapped[str] = mapped_column(String(24), unique=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    phone_last4: Mapped[str] = mapped_column(String(4), index=True)
    name: Mapped[str] = mapped_column(String(64))
    birthday: Mapped[date | None] = mapped_column(Date)
    joined_on: Mapped[date] = mapped_column(Date)
    home_store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))  # earned tier
    manual_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    manual_tier_reason: Mapped[str | None] = mapped_column(String(200))
    manual_tier_until: Mapped[date | None] = mapped_column(Date)
    balance: Mapped[int] = mapped_column(Integer, default=0)  # projection of point_entries
    last_entry_seq: Mapped[int] = mapped_column(Integer, default=0)  # projection: the member's entry count
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # A member merged into another (``merge.py``, status "merged"): the account it went into, when, and the
    # request that did it (a retry is recognised). No foreign key: adding one would copy the table on SQLite.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(index=True)
    merged_at: Mapped[datetime | None]
    merge_request_id: Mapped[str | None] = mapped_column(String(64))


class MemberSearchTerm(Base):
    """Name fragments and pinyin initials, so fragment search hits an index."""

    __tablename__ = "member_search_terms"
    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)


class Purchase(Base):
    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("store_id", "receipt_no"),
        # The amount too: an award's spend-growth sum is read from the index alone (migration 0006).
        Index("ix_purchases_member_time_amount", "member_id", "occurred_at", "amount_fen"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    receipt_no: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    occurred_at: Mapped[datetime]
    business_day: Mapped[date] = mapped_column(Date)


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("store_id", "refund_no"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchases.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    refund_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(Integer)
    points_reversed: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    occurred_at: Mapped[datetime]


class PointEntry(Base):
    """One change of a member's points. Never updated, never deleted."""

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("member_id", "seq"),
        Index("ix_point_entries_member_time", "member_id", "occurred_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... per member: the order entries were made in
    kind: Mapped[str] = mapped_column(String(24))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason_category: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(128), default="")
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchases.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]
    business_day: Mapped[date] = mapped_column(Date)
    idem_key: Mapped[str | None] = mapped_column(String(128), unique=True)


class PointLot(Base):
    """Points from a positive entry, spent soonest-expiring first.

    Usually one lot per entry, with the entry's id as its own; a cancelled
    redemption returns points as several lots that keep their old expiries.
    """

    __tablename__ = "point_lots"
    __table_args__ = (
        Index("ix_point_lots_member_expiry", "member_id", "expires_on"),
        Index("ix_point_lots_expiry", "expires_on"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_entries.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    points: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)  # projection: points - sum(lot_draws)
    expires_on: Mapped[date] = mapped_column(Date)  # last day the points can be spent


class LotDraw(Base):
    """Which lots a negative entry (or a debt settlement) took points from."""

    __tablename__ = "lot_draws"
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_entries.id"), primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_lots.id"), primary_key=True, index=True)
    points: Mapped[int] = mapped_column(Integer)


class TierChange(Base):
    __tablename__ = "tier_changes"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # upgrade, downgrade, manual, manual_end
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    to_tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class TierEvaluation(Base):
    """One periodic evaluation run; the unique period makes a re-run a no-op."""

    __tablename__ = "tier_evaluations"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    ran_at: Mapped[datetime]
    downgraded: Mapped[int] = mapped_column(Integer)
    upgraded: Mapped[int] = mapped_column(Integer)
    manual_ended: Mapped[int] = mapped_column(Integer)


class ImportBatch(Base):
    """A bulk adjustment file applied once; its content hash makes re-runs no-ops."""

    __tablename__ = "import_batches"
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    applied_at: Mapped[datetime]


class AuditRecord(Base):
    """Hash-chained log of every change, one chain per staff account.

    One chain per account (not per store) so that tills appending at once
    never wait for each other; each chain is still strictly ordered.
    """

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("staff_id", "seq"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The tip of a staff account's audit chain; locked to append in order."""

    __tablename__ = "audit_heads"
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


APPEND_ONLY_TABLES = (
    "point_entries",
    "lot_draws",
    "purchases",
    "refunds",
    "tier_changes",
    "audit_log",
)
