"""The database tables, in SQLAlchemy 2.x declarative style, one module per area.

``base`` (the declarative base, naming convention, UUID and UTC types),
``core`` (stores, staff, members, ledger, tiers, audit), ``mall`` and
``games``. Importing this package registers every table on ``Base.metadata``
(what Alembic and the tests compare against). Records that will later sync
carry a UUIDv7 id made where the event happened, the store, and UTC
timestamps. Money is integer fen.
"""
from __future__ import annotations

from .base import NAMING_CONVENTION, Base, UTCDateTime
from .core import (
    Store,
    Setting,
    Staff,
    Tier,
    Campaign,
    Member,
    MemberSearchTerm,
    Purchase,
    Refund,
    PointEntry,
    PointLot,
    LotDraw,
    TierChange,
    TierEvaluation,
    ImportBatch,
    AuditRecord,
    AuditHead,
    APPEND_ONLY_TABLES,
)
from .mall import (
    ItemImage,
    CatalogItem,
    StockEntry,
    Redemption,
    RedemptionCancellation,
    Voucher,
    VoucherWriteOff,
    MALL_APPEND_ONLY_TABLES,
)
from .games import (
    SignIn,
    SignInBonus,
    Wheel,
    WheelVersion,
    WheelSegment,
    WheelDraw,
    PrizeVoucher,
    PrizeVoucherWriteOff,
    GAMES_APPEND_ONLY_TABLES,
)

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "UTCDateTime",
    "Store",
    "Setting",
    "Staff",
    "Tier",
    "Campaign",
    "Member",
    "MemberSearchTerm",
    "Purchase",
    "Refund",
    "PointEntry",
    "PointLot",
    "LotDraw",
    "TierChange",
    "TierEvaluation",
    "ImportBatch",
    "AuditRecord",
    "AuditHead",
    "APPEND_ONLY_TABLES",
    "ItemImage",
    "CatalogItem",
    "StockEntry",
    "Redemption",
    "RedemptionCancellation",
    "Voucher",
    "VoucherWriteOff",
    "MALL_APPEND_ONLY_TABLES",
    "SignIn",
    "SignInBonus",
    "Wheel",
    "WheelVersion",
    "WheelSegment",
    "WheelDraw",
    "PrizeVoucher",
    "PrizeVoucherWriteOff",
    "GAMES_APPEND_ONLY_TABLES",
]
