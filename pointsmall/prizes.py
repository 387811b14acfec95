"""Prize vouchers: goods, services and coupons won on the wheel, handed over once.

A wheel prize is not a redemption (nothing was paid for it), so it has its
own voucher table with the same code format as the mall's vouchers
(``vouchers.new_code``: typeable, with a check character, printable as a QR
code) and a code never used by either table. It is written off by the same
code path as a mall voucher (``vouchers.write_off_once``): the voucher row
is locked and the write-off's primary key is the code, so two tills cannot
both hand over the same prize.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import business_day, utc_now, zone
from .db import Database
from .errors import Conflict, NotFound
from .models import CatalogItem, Member, PrizeVoucher, PrizeVoucherWriteOff, Store, Voucher, WheelDraw, WheelSegment
from .staff import Actor, Permission, require
from .vouchers import display_code, new_code, normalise_code, write_off_once


@dataclass(frozen=True)
class PrizeView:
    code: str
    display: str
    name: str
    kind: str  # goods, service, coupon
    face_value_fen: int | None
    expires_on: date | None
    member_id: uuid.UUID
    member_name: str
    draw_id: uuid.UUID
    issued_at: datetime
    state: str  # valid, written_off, expired
    written_off_at: datetime | None
    written_off_store: str | None


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.get(Voucher, code) is None and session.get(PrizeVoucher, code) is None:
            return code


def issue(session: Session, draw: WheelDraw, segment: WheelSegment, day: date, now: datetime) -> PrizeVoucher:
    """The voucher for an item or coupon prize, in the spin's transaction."""
    if segment.item_id is not None:
        item = session.get(CatalogItem, segment.item_id)
        assert item is not None
        name, kind, face, days = item.name, item.kind, item.face_value_fen, item.validity_days
        if kind != "coupon":
            days = None
    else:
        name, kind, face, days = segment.label, "coupon", segment.face_value_fen, segment.validity_days
    voucher = PrizeVoucher(code=_unused_code(session), draw_id=draw.id, member_id=draw.member_id,
                           item_id=segment.item_id, name=name, kind=kind, face_value_fen=face,
                           expires_on=day + timedelta(days=days - 1) if days else None, issued_at=now)
    session.add(voucher)
    return voucher


def prize_view(session: Session, code: str, today: date) -> PrizeView:
    row = session.execute(select(PrizeVoucher, Member.name).join(Member, Member.id == PrizeVoucher.member_id)
                          .where(PrizeVoucher.code == code)).first()
    if row is None:
        raise NotFound("No prize with the code {code}; check it and type it again.", code=display_code(code))
    voucher, member_name = row
    written = session.get(PrizeVoucherWriteOff, code)
    state = ("written_off" if written else "expired" if voucher.expires_on and voucher.expires_on < today
             else "valid")
    store = session.get(Store, written.store_id).name if written else None  # type: ignore[union-attr]
    return PrizeView(code, display_code(code), voucher.name, voucher.kind, voucher.face_value_fen, voucher.expires_on,
                     voucher.member_id, member_name, voucher.draw_id, voucher.issued_at, state,
                     written.occurred_at if written else None, store)


def look_up(db: Database, actor: Actor, typed: str) -> PrizeView:
    require(actor, Permission.VOUCHER_WRITE_OFF)
    code = normalise_code(typed)
    with db.read() as session:
        return prize_view(session, code, business_day(utc_now(), actor.store_tz))


def prizes_for(db: Database, actor: Actor, member_id: uuid.UUID, *, limit: int = 100) -> list[PrizeView]:
    """A member's wheel prizes, newest first."""
    require(actor, Permission.MEMBER_VIEW)
    today = business_day(utc_now(), actor.store_tz)
    with db.read() as session:
        codes = session.scalars(select(PrizeVoucher.code).where(PrizeVoucher.member_id == member_id)
                                .order_by(PrizeVoucher.issued_at.desc()).limit(limit)).all()
        return [prize_view(session, code, today) for code in codes]


def write_off(db: Database, actor: Actor, typed: str) -> PrizeView:
    """Hand a prize over at the counter: once only, never when expired (``vouchers.write_off_once``)."""
    return write_off_once(
        db, actor, typed, voucher=PrizeVoucher, view=prize_view, refuse=_refuse_unless_valid,
        fact=lambda code, now: PrizeVoucherWriteOff(voucher_code=code, staff_id=actor.staff_id,
                                                    store_id=actor.store_id, occurred_at=now),
        not_found=lambda code: NotFound("No prize with the code {code}; check it and type it again.",
                                        code=display_code(code)),
        action="prize.write_off", entity="prize")


def refusal(view: PrizeView, tz_name: str) -> Conflict | None:
    """Why this prize cannot be handed over (already handed over, expired), or None when it can."""
    try:
        _refuse_unless_valid(view, tz_name)
    except Conflict as exc:
        return exc
    return None


def _refuse_unless_valid(view: PrizeView, tz_name: str) -> None:
    if view.state == "written_off":
        when = view.written_off_at.astimezone(zone(tz_name)) if view.written_off_at else None
        raise Conflict("This prize was already handed over on {when} at {store}.",
                       when=when.strftime("%Y-%m-%d %H:%M") if when else "?", store=view.written_off_store or "?")
    if view.state == "expired":
        raise Conflict("This prize expired on {day}.", day=view.expires_on.isoformat() if view.expires_on else "?")
