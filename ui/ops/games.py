"""The games at the counter, off the GUI thread: sign-in, make-up, the calendar, the wheel.

Writes (sign in, make up, spin) run on the worker's single write thread and
then announce the member's new points (``member_changed``). A spin is
committed by the core before this returns; the page animates the wheel
only afterwards, so a crash during the animation loses nothing.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from pointsmall import members, prizes, reviews, signin, wheel, wheel_setup
from pointsmall.clock import business_day, utc_now
from pointsmall.db import Database
from pointsmall.members import MemberView
from pointsmall.prizes import PrizeView
from pointsmall.reviews import Hold
from pointsmall.signin import SignInResult, SigninCalendar
from pointsmall.staff import Actor
from pointsmall.vouchers import normalise_code
from pointsmall.wheel import SpinResult, SpinStatus
from pointsmall.wheel_setup import WheelView

from ..context import AppContext

RECENT_SPINS = 3


@dataclass(frozen=True)
class SignInView:
    """What the games page shows for the member served: who, and their sign-in month."""

    member: MemberView
    calendar: SigninCalendar


@dataclass(frozen=True)
class WheelChoice:
    """The wheels a member could spin now, and the status of the one chosen."""

    wheels: list[WheelView]
    status: SpinStatus | None  # None without a member or without an open wheel
    recent: list[SpinResult]  # the member's last spins on any wheel, newest first (a crashed till's prize is here)
    holds: list[Hold]  # the member's open review cases: a blocking one keeps them from spinning


@dataclass(frozen=True)
class Spin:
    """A committed spin, and the prize voucher it issued (for the slip)."""

    result: SpinResult
    prize: PrizeView | None


def _sign_in_view(db: Database, actor: Actor, member_id: uuid.UUID, year: int | None,
                  month: int | None) -> SignInView:
    return SignInView(members.get_member(db, actor, member_id), signin.calendar(db, actor, member_id, year, month))


async def sign_in_view(ctx: AppContext, member_id: uuid.UUID, year: int | None = None,
                       month: int | None = None) -> SignInView:
    """The member and their calendar for a month (today's month by default)."""
    return await ctx.worker.read(_sign_in_view, ctx.actor, member_id, year, month)


async def calendar(ctx: AppContext, member_id: uuid.UUID, year: int, month: int) -> SigninCalendar:
    return await ctx.worker.read(signin.calendar, ctx.actor, member_id, year, month)


async def sign_in(ctx: AppContext, member_id: uuid.UUID) -> SignInResult:
    result = await ctx.worker.write(signin.sign_in, ctx.actor, member_id)
    ctx.changes.member_changed.emit(member_id)
    return result


async def make_up(ctx: AppContext, member_id: uuid.UUID, day: date) -> SignInResult:
    result = await ctx.worker.write(signin.make_up, ctx.actor, member_id, day)
    ctx.changes.member_changed.emit(member_id)
    return result


def _wheel_choice(db: Database, actor: Actor, member_id: uuid.UUID | None, wheel_id: uuid.UUID | None) -> WheelChoice:
    wheels = wheel_setup.list_wheels(db, actor, open_at=utc_now())
    chosen = next((w for w in wheels if w.id == wheel_id), wheels[0] if wheels else None)
    if member_id is None:
        return WheelChoice(wheels, None, [], [])
    recent = wheel.draws_for(db, actor, member_id, limit=RECENT_SPINS)
    holds = reviews.holds(db, actor, member_id)
    if chosen is None:
        return WheelChoice(wheels, None, recent, holds)
    return WheelChoice(wheels, wheel.spin_status(db, actor, member_id, chosen.id), recent, holds)


async def wheel_choice(ctx: AppContext, member_id: uuid.UUID | None, wheel_id: uuid.UUID | None) -> WheelChoice:
    """The open wheels, and the status of ``wheel_id`` (else the first) and the holds for the member served."""
    return await ctx.worker.read(_wheel_choice, ctx.actor, member_id, wheel_id)


async def wheel_status(ctx: AppContext, member_id: uuid.UUID, wheel_id: uuid.UUID) -> SpinStatus:
    return await ctx.worker.read(wheel.spin_status, ctx.actor, member_id, wheel_id)


async def wheel_version(ctx: AppContext, wheel_id: uuid.UUID) -> WheelView:
    return await ctx.worker.read(wheel_setup.get_wheel, ctx.actor, wheel_id)


def _spin(db: Database, actor: Actor, member_id: uuid.UUID, wheel_id: uuid.UUID, request_id: str) -> Spin:
    result = wheel.spin(db, actor, member_id=member_id, wheel_id=wheel_id, request_id=request_id)
    if result.voucher_code is None:
        return Spin(result, None)
    with db.read() as session:
        view = prizes.prize_view(session, normalise_code(result.voucher_code), business_day(utc_now(), actor.store_tz))
    return Spin(result, view)


async def spin(ctx: AppContext, member_id: uuid.UUID, wheel_id: uuid.UUID, request_id: str) -> Spin:
    """One committed spin; the same ``request_id`` again returns the first result instead of spinning twice."""
    outcome = await ctx.worker.write(_spin, ctx.actor, member_id, wheel_id, request_id)
    ctx.changes.member_changed.emit(member_id)
    return outcome
