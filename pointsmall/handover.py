"""Handing over what a code stands for at the counter: a mall voucher or a wheel prize.

A cashier scans or types a code without knowing (or caring) whether the
member redeemed it in the mall or won it on the wheel: both kinds share one
code format and a code is never used by both tables. ``look_up`` finds it in
either, ``hand_over`` writes it off once through the kind's own write-off
(``vouchers.write_off`` / ``prizes.write_off``, both ``write_off_once``), and
both return one view for the counter with the member's phone masked. A code
that cannot be one says what is wrong with it in words a cashier can act
on: a letter that codes never use, the wrong length, or a character
mistyped (the check character does not match).

A code two offline stores both drew is kept at the chain by the first to
sync; the other store's voucher got a fresh code there
(``voucher_code_moves``). At a till of that store working on the chain's
database, the code on the member's slip finds the store's own voucher.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import prizes, vouchers
from .clock import business_day, utc_now
from .db import Database
from .errors import Conflict, NotFound, ValidationError
from .members import mask_phone
from .models import Member, PrizeVoucher, PrizeVoucherWriteOff, Redemption, Voucher, VoucherCodeMove
from .prizes import PrizeView
from .staff import Actor, Permission, require
from .vouchers import ALPHABET, BODY, VoucherView

LENGTH = BODY + 1
LOOK_ALIKES = "0O1ILU"  # never in a code: a cashier reading one has misread another character
DASHES = "-‐‑‒–—_"


class Source(str, Enum):
    MALL = "mall"  # a redemption's voucher
    PRIZE = "prize"  # a wheel prize


@dataclass(frozen=True)
class Handover:
    """A code as the counter sees it, whichever kind it is."""

    source: str  # Source
    code: str
    display: str
    name: str  # the item, coupon or prize
    kind: str  # goods, service, coupon
    face_value_fen: int | None
    expires_on: date | None
    member_id: uuid.UUID
    member_name: str
    member_phone: str  # masked: 138****1234
    issued_at: datetime
    state: str  # valid, written_off, cancelled (mall only), expired
    written_off_at: datetime | None
    written_off_store: str | None
    refusal: Conflict | None  # why it cannot be handed over now; None when it can


def read_code(typed: str) -> str:
    """The typed or scanned code in its stored form; a code that cannot be one is refused with the reason."""
    code = vouchers.clean_code(typed, LENGTH)
    if code is not None:
        return code
    text = unicodedata.normalize("NFKC", typed or "").upper()
    body = "".join(ch for ch in text if not ch.isspace() and ch not in DASHES)
    if not body:
        raise ValidationError("Scan or type the code on the voucher or the prize slip.", field="code")
    strange = "".join(dict.fromkeys(ch for ch in body if ch not in ALPHABET))
    if strange and all(ch in LOOK_ALIKES for ch in strange):
        raise ValidationError("That is not a valid voucher code: codes never use 0, O, 1, I, L or U, so {chars} "
                              "was misread. Check the code and type it again.", field="code", chars=strange)
    if strange:
        raise ValidationError("That is not a valid voucher code: codes have only letters and digits, not {chars}. "
                              "Check the code and type it again.", field="code", chars=strange)
    if len(body) != LENGTH:
        raise ValidationError("That is not a valid voucher code: codes have 12 characters (like K7MQ-9XH2-TD4R), "
                              "this one has {n}. Check the code and type it again.", field="code", n=len(body))
    raise ValidationError("That is not a valid voucher code: a character is mistyped or two are swapped "
                          "(its check character does not match). Check the code and type it again.", field="code")


def _source(session: Session, code: str) -> Source:
    if session.get(PrizeVoucher, code) is not None:
        return Source.PRIZE
    if session.get(Voucher, code) is not None:
        return Source.MALL
    raise NotFound("No voucher or prize has the code {code}; check it and type it again.",
                   code=vouchers.display_code(code))


def _moved(session: Session, store_id: str, code: str) -> str:
    """The chain's code for this store's voucher whose own code another store's voucher holds; else the code.

    Only the chain records moves (a replica's table stays empty): one primary-key look-up.
    """
    moved = session.scalar(select(VoucherCodeMove.code).where(VoucherCodeMove.store_id == store_id,
                                                              VoucherCodeMove.store_code == code)
                           .order_by(VoucherCodeMove.kind.desc()).limit(1))  # prize before mall, as _source
    return moved or code


def _mall(session: Session, view: VoucherView, tz_name: str) -> Handover:
    member_id, phone = session.execute(
        select(Member.id, Member.phone).join(Redemption, Redemption.member_id == Member.id)
        .where(Redemption.id == view.redemption_id)).one()
    return Handover(Source.MALL.value, view.code, view.display, view.item_name, view.kind, view.face_value_fen,
                    view.expires_on, member_id, view.member_name, mask_phone(phone), view.issued_at, view.state,
                    view.written_off_at, view.written_off_store, vouchers.refusal(view, tz_name))


def _prize(session: Session, view: PrizeView, tz_name: str) -> Handover:
    phone = session.scalar(select(Member.phone).where(Member.id == view.member_id)) or ""
    return Handover(Source.PRIZE.value, view.code, view.display, view.name, view.kind, view.face_value_fen,
                    view.expires_on, view.member_id, view.member_name, mask_phone(phone), view.issued_at, view.state,
                    view.written_off_at, view.written_off_store, prizes.refusal(view, tz_name))


def look_up(db: Database, actor: Actor, typed: str) -> Handover:
    """What the code is (a mall voucher or a wheel prize), whose, and whether it can be handed over now."""
    return _by_source(db, actor, typed, prizes.look_up, vouchers.look_up)


def hand_over(db: Database, actor: Actor, typed: str) -> Handover:
    """Write the code off once, whichever kind it is; refused (Conflict) when used, cancelled or expired."""
    return _by_source(db, actor, typed, prizes.write_off, vouchers.write_off)


def _by_source(db: Database, actor: Actor, typed: str, on_prize: Callable[[Database, Actor, str], PrizeView],
               on_voucher: Callable[[Database, Actor, str], VoucherView]) -> Handover:
    """Run the code's own kind's service (its business day and refusals as its write-off has them)."""
    require(actor, Permission.VOUCHER_WRITE_OFF)
    code = read_code(typed)
    with db.read() as session:
        code = _moved(session, actor.store_id, code)
        source = _source(session, code)
    if source is Source.PRIZE:
        prize = on_prize(db, actor, code)
        with db.read() as session:
            return _prize(session, prize, actor.store_tz)
    voucher = on_voucher(db, actor, code)
    with db.read() as session:
        return _mall(session, voucher, actor.store_tz)


def prizes_to_hand_over(db: Database, actor: Actor, member_id: uuid.UUID, *, limit: int = 50) -> list[Handover]:
    """The member's wheel prizes not yet handed over and still valid, newest first."""
    require(actor, Permission.MEMBER_VIEW)
    today = business_day(utc_now(), actor.store_tz)
    with db.read() as session:
        rows = session.execute(
            select(PrizeVoucher, Member.name, Member.phone).join(Member, Member.id == PrizeVoucher.member_id)
            .outerjoin(PrizeVoucherWriteOff, PrizeVoucherWriteOff.voucher_code == PrizeVoucher.code)
            .where(PrizeVoucher.member_id == member_id, PrizeVoucherWriteOff.voucher_code.is_(None),
                   or_(PrizeVoucher.expires_on.is_(None), PrizeVoucher.expires_on >= today))
            .order_by(PrizeVoucher.issued_at.desc()).limit(limit)).all()
        # one statement for the list (not a prize_view per prize): the games page reads it after every spin
        return [Handover(Source.PRIZE.value, v.code, vouchers.display_code(v.code), v.name, v.kind,
                         v.face_value_fen, v.expires_on, v.member_id, name, mask_phone(phone), v.issued_at,
                         "valid", None, None, None)
                for v, name, phone in rows]
