"""The redemption mall: catalog items, images, stock entries, redemptions, vouchers."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


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
