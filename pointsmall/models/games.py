"""Games: daily sign-ins and their bonuses, wheels, draws and prize vouchers."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


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
