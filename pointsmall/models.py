"""The database tables, in SQLAlchemy 2.x declarative style.

Ledger-like tables (``point_entries``, ``lot_draws``, ``purchases``,
``refunds``, ``tier_changes``, ``audit_log``) are append-only: the migration
adds triggers that refuse UPDATE and DELETE on them. ``members.balance``,
``point_lots.remaining`` and ``audit_heads`` are projections kept in the same
transaction as the facts they summarise, and ``pointsmall check`` rebuilds
them from those facts to prove it.

Records that will later sync carry a UUIDv7 id made where the event
happened, the store, and UTC timestamps. Money is integer fen.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite has no timezone type)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # sqlalchemy.Uuid is CHAR(32) on SQLite: never the bare UUID type name,
    # which SQLite gives numeric affinity (ids that look like numbers collide).
    type_annotation_map = {uuid.UUID: Uuid(), datetime: UTCDateTime()}


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


class MemberSearchTerm(Base):
    """Name fragments and pinyin initials, so fragment search hits an index."""

    __tablename__ = "member_search_terms"
    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), primary_key=True)


class Purchase(Base):
    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("store_id", "receipt_no"),
        Index("ix_purchases_member_time", "member_id", "occurred_at"),
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


# -- the redemption mall ------------------------------------------------------


class ItemImage(Base):
    """A catalog image: the bounded original, re-encoded (thumbnails are a disk cache)."""

    __tablename__ = "item_images"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mime: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]


class CatalogItem(Base):
    __tablename__ = "catalog_items"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # goods, coupon, service
    price_points: Mapped[int] = mapped_column(Integer)
    cash_fen: Mapped[int] = mapped_column(Integer, default=0)  # 积分+现金: the cash part, paid at the till
    face_value_fen: Mapped[int | None] = mapped_column(Integer)  # coupons
    validity_days: Mapped[int | None] = mapped_column(Integer)  # coupons: days a voucher stays valid
    unlimited: Mapped[bool] = mapped_column(Boolean, default=False)
    stock: Mapped[int] = mapped_column(Integer, default=0)  # projection of stock_entries
    last_stock_seq: Mapped[int] = mapped_column(Integer, default=0)
    per_order_limit: Mapped[int | None] = mapped_column(Integer)
    daily_limit: Mapped[int | None] = mapped_column(Integer)  # per member per business day
    member_limit: Mapped[int | None] = mapped_column(Integer)  # per member in total
    min_tier_rank: Mapped[int] = mapped_column(Integer, default=0)
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    image_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("item_images.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StockEntry(Base):
    """One change of an item's stock on hand. Never updated, never deleted."""

    __tablename__ = "stock_entries"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_items.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # restock, write_off, correction, redemption, cancellation
    quantity: Mapped[int] = mapped_column(Integer)
    stock_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    redemption_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("redemptions.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_member_item_day", "member_id", "item_id", "business_day"),
        Index("ix_redemptions_store_time", "store_id", "occurred_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    cash_fen: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_entries.id"))
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]
    business_day: Mapped[date] = mapped_column(Date)


class RedemptionCancellation(Base):
    """The primary key makes a redemption cancellable exactly once."""

    __tablename__ = "redemption_cancellations"
    redemption_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("redemptions.id"), primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_entries.id"))
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class Voucher(Base):
    __tablename__ = "vouchers"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    redemption_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("redemptions.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    face_value_fen: Mapped[int | None] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)  # last valid day, store time
    issued_at: Mapped[datetime]


class VoucherWriteOff(Base):
    """The primary key makes a voucher redeemable at the counter exactly once."""

    __tablename__ = "voucher_write_offs"
    voucher_code: Mapped[str] = mapped_column(ForeignKey("vouchers.code"), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


MALL_APPEND_ONLY_TABLES = (
    "stock_entries",
    "redemptions",
    "redemption_cancellations",
    "vouchers",
    "voucher_write_offs",
)


# -- games --------------------------------------------------------------------


class SignIn(Base):
    """A day a member signed in for (签到), at the counter or by a make-up (补签).

    The unique (member, business day) refuses a second sign-in for the same
    day whatever the code in front of it checked. Never updated.
    """

    __tablename__ = "sign_ins"
    __table_args__ = (UniqueConstraint("member_id", "business_day"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    business_day: Mapped[date] = mapped_column(Date)  # the day signed for, store time
    kind: Mapped[str] = mapped_column(String(8))  # signin, makeup
    streak: Mapped[int] = mapped_column(Integer)  # consecutive days ending on this one, when it was recorded
    points: Mapped[int] = mapped_column(Integer)  # the day's reward (a make-up earns none)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("point_entries.id"))
    cost: Mapped[int] = mapped_column(Integer)  # what a make-up cost
    cost_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("point_entries.id"))
    made_on: Mapped[date] = mapped_column(Date)  # the business day it was recorded on
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class SignInBonus(Base):
    """A weekly challenge (一周打卡) or days-in-a-month bonus; the unique key pays it once."""

    __tablename__ = "sign_in_bonuses"
    __table_args__ = (UniqueConstraint("member_id", "kind", "period_start", "days"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(8))  # week, month
    period_start: Mapped[date] = mapped_column(Date)  # the Monday, or the first of the month
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    days: Mapped[int] = mapped_column(Integer)  # days signed in the period that earned it
    points: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("point_entries.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class Wheel(Base):
    """A spin-wheel campaign (大转盘): its rules are versions, its spend is counted here."""

    __tablename__ = "wheels"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)  # the version spins use now
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    budget_spent: Mapped[int] = mapped_column(Integer, default=0)  # projection: sum(wheel_draws.value_points)
    spins: Mapped[int] = mapped_column(Integer, default=0)  # projection: count(wheel_draws)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WheelVersion(Base):
    """One published set of a wheel's rules. Never updated: an edit publishes a new version."""

    __tablename__ = "wheel_versions"
    wheel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wheels.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]  # exclusive
    cost_points: Mapped[int] = mapped_column(Integer)
    free_spins: Mapped[str] = mapped_column(Text)  # JSON {tier code: free spins a day}
    daily_cap: Mapped[int | None] = mapped_column(Integer)  # spins per member per business day
    total_cap: Mapped[int | None] = mapped_column(Integer)  # spins per member on this wheel
    budget: Mapped[int | None] = mapped_column(Integer)  # points-equivalent of all prizes, all versions
    pity_after: Mapped[int | None] = mapped_column(Integer)  # 保底: a prize is certain after this many misses
    fallback_index: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class WheelSegment(Base):
    """A slice of a wheel version. Only ``awarded`` changes: the projection of its draws."""

    __tablename__ = "wheel_segments"
    __table_args__ = (ForeignKeyConstraint(["wheel_id", "version"], ["wheel_versions.wheel_id",
                                                                     "wheel_versions.version"]),)
    wheel_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0.. clockwise from the top
    label: Mapped[str] = mapped_column(String(32))
    colour: Mapped[str] = mapped_column(String(9))
    weight: Mapped[int] = mapped_column(Integer)
    prize_kind: Mapped[str] = mapped_column(String(8))  # points, item, coupon, nothing
    prize_points: Mapped[int] = mapped_column(Integer)  # points prizes; 0 otherwise
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_items.id"))
    face_value_fen: Mapped[int | None] = mapped_column(Integer)  # coupon prizes
    validity_days: Mapped[int | None] = mapped_column(Integer)
    value_points: Mapped[int] = mapped_column(Integer)  # what one prize costs the budget
    stock: Mapped[int | None] = mapped_column(Integer)  # prizes this version may hand out; None: no limit
    awarded: Mapped[int] = mapped_column(Integer, default=0)  # projection: draws that landed here


class WheelDraw(Base):
    """One spin: the random value, what it landed on, what it cost and paid. Never updated.

    The per-member sequences are unique, so two spins can never both be
    "the member's 3rd today" and slip past a cap together.
    """

    __tablename__ = "wheel_draws"
    __table_args__ = (
        UniqueConstraint("wheel_id", "member_id", "member_seq"),
        UniqueConstraint("wheel_id", "member_id", "business_day", "day_seq"),
        ForeignKeyConstraint(["wheel_id", "version"], ["wheel_versions.wheel_id", "wheel_versions.version"]),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    wheel_id: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    member_seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... the member's spins on this wheel
    day_seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... the member's spins on this wheel that day
    business_day: Mapped[date] = mapped_column(Date)
    random_value: Mapped[int] = mapped_column(Integer)  # drawn from [0, total_weight)
    total_weight: Mapped[int] = mapped_column(Integer)
    drawn_index: Mapped[int] = mapped_column(Integer)  # the segment the random value fell on
    segment_index: Mapped[int] = mapped_column(Integer)  # the segment awarded (the fallback when it ran out)
    outcome: Mapped[str] = mapped_column(String(12))  # drawn, pity, out_of_stock, over_budget
    free: Mapped[bool] = mapped_column(Boolean)
    cost_points: Mapped[int] = mapped_column(Integer)
    cost_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("point_entries.id"))
    prize_kind: Mapped[str] = mapped_column(String(8))
    prize_points: Mapped[int] = mapped_column(Integer)
    prize_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("point_entries.id"))
    value_points: Mapped[int] = mapped_column(Integer)  # charged to the wheel's budget
    misses: Mapped[int] = mapped_column(Integer)  # spins in a row without a prize, this one included
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


class PrizeVoucher(Base):
    """A goods, service or coupon prize won on the wheel, handed over against its code."""

    __tablename__ = "prize_vouchers"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wheel_draws.id"), unique=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_items.id"))
    name: Mapped[str] = mapped_column(String(64))  # what was won, as the slip prints it
    kind: Mapped[str] = mapped_column(String(10))  # goods, service, coupon
    face_value_fen: Mapped[int | None] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)  # last valid day, store time
    issued_at: Mapped[datetime]


class PrizeVoucherWriteOff(Base):
    """The primary key hands a prize over exactly once."""

    __tablename__ = "prize_voucher_write_offs"
    voucher_code: Mapped[str] = mapped_column(ForeignKey("prize_vouchers.code"), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    occurred_at: Mapped[datetime]


GAMES_APPEND_ONLY_TABLES = (
    "sign_ins",
    "sign_in_bonuses",
    "wheel_versions",
    "wheel_draws",
    "prize_vouchers",
    "prize_voucher_write_offs",
)
