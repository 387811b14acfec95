"""Voucher codes a person can read out and type, and writing them off once.

Codes use 30 characters with nothing that looks alike (no 0/O, 1/I/L, no U),
12 characters in groups of four with a check character, e.g. ``K7MQ-9XH2-TD4R``.
Typed codes are normalised (case, full-width characters from an input method,
spaces, dashes). The check character catches every single mistyped character
and every swap of two neighbours except of two characters 15 apart in the
alphabet. A write-off locks the voucher row (so does a cancellation) and its
row's primary key is the code, so two tills writing off the same voucher at
once, or one writing it off while another cancels it, cannot both succeed.
"""
from __future__ import annotations

import io
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import segno
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit
from .clock import business_day, utc_now, zone
from .db import Database
from .errors import Conflict, DomainError, NotFound, ValidationError
from .models import CatalogItem, Member, Redemption, RedemptionCancellation, Store, Voucher, VoucherWriteOff
from .staff import Actor, Permission, require

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 symbols: no 0 O 1 I L U
BODY = 11
# Weights prime to 30, so no single substitution leaves the sum unchanged
# mod 30 (weights 1..11 missed e.g. a change by 5 at the 6th character), and
# neighbours differ by a number prime to 15, so a swap is caught unless the
# two characters are 15 apart.
_WEIGHTS = (1, 23, 7, 29)
_SEPARATORS = set("-‐‑‒–—_")


def _check_char(body: str) -> str:
    total = sum(_WEIGHTS[i % len(_WEIGHTS)] * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code(body_length: int = BODY) -> str:
    """A random code with its check character (vouchers: 11 + 1; referral codes are shorter)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(body_length))
    return body + _check_char(body)


def display_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    code = clean_code(typed, BODY + 1)
    if code is None:
        raise ValidationError("That is not a valid voucher code; check it and type it again.", field="code")
    return code


def clean_code(typed: str, length: int) -> str | None:
    """A typed code of ``length`` characters in its stored form, or None when it cannot be one."""
    # NFKC turns an input method's full-width letters, digits and dashes into ASCII.
    text = unicodedata.normalize("NFKC", typed or "").upper()
    code = "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)
    if len(code) != length or any(c not in ALPHABET for c in code) or _check_char(code[:-1]) != code[-1]:
        return None
    return code


def qr_png(code: str, scale: int = 6) -> bytes:
    """The voucher's QR code as PNG bytes (the payload is the code as printed)."""
    out = io.BytesIO()
    # A full QR code, never a Micro QR (which segno.make picks for short text): phone cameras and
    # many counter scanners cannot read Micro QR.
    segno.make_qr(display_code(code), error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


@dataclass(frozen=True)
class VoucherView:
    code: str
    display: str
    item_name: str
    kind: str
    face_value_fen: int | None
    expires_on: date | None
    member_name: str
    redemption_id: uuid.UUID
    issued_at: datetime
    state: str  # valid, written_off, cancelled, expired
    written_off_at: datetime | None
    written_off_store: str | None


def voucher_view(session: Session, code: str, today: date) -> VoucherView:
    row = session.execute(
        select(Voucher, CatalogItem.name, Member.name)
        .join(Redemption, Redemption.id == Voucher.redemption_id)
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .join(Member, Member.id == Redemption.member_id)
        .where(Voucher.code == code)
    ).first()
    if row is None:
        raise NotFound("No voucher with the code {code}; check it and type it again.", code=display_code(code))
    voucher, item_name, member_name = row
    written = session.get(VoucherWriteOff, code)
    cancelled = session.get(RedemptionCancellation, voucher.redemption_id) is not None
    state = ("written_off" if written else "cancelled" if cancelled
             else "expired" if voucher.expires_on and voucher.expires_on < today else "valid")
    store = session.get(Store, written.store_id).name if written else None  # type: ignore[union-attr]
    return VoucherView(code, display_code(code), item_name, voucher.kind, voucher.face_value_fen, voucher.expires_on,
                       member_name, voucher.redemption_id, voucher.issued_at, state,
                       written.occurred_at if written else None, store)


def look_up(db: Database, actor: Actor, typed: str) -> VoucherView:
    require(actor, Permission.VOUCHER_WRITE_OFF)
    code = normalise_code(typed)
    with db.read() as session:
        return voucher_view(session, code, business_day(utc_now(), actor.store_tz))


def write_off(db: Database, actor: Actor, typed: str) -> VoucherView:
    """Redeem a voucher at the counter: once only, never when cancelled or expired."""
    return write_off_once(
        db, actor, typed, voucher=Voucher, view=voucher_view, refuse=_refuse_unless_valid,
        fact=lambda code, now: VoucherWriteOff(voucher_code=code, staff_id=actor.staff_id, store_id=actor.store_id,
                                               occurred_at=now),
        not_found=lambda code: NotFound("No voucher with the code {code}; check it and type it again.",
                                        code=display_code(code)),
        action="voucher.write_off", entity="voucher")


V = TypeVar("V")


def write_off_once(db: Database, actor: Actor, typed: str, *, voucher: type[Any],
                   view: Callable[[Session, str, date], V], refuse: Callable[[V, str], None],
                   fact: Callable[[str, datetime], Any], not_found: Callable[[str], DomainError], action: str,
                   entity: str) -> V:
    """The one write-off path for every kind of code (mall vouchers, wheel prizes).

    The typed code is normalised, the voucher row (primary key: the code) is
    locked, so a second write-off or a cancellation of the same voucher waits
    here and then sees what this one did; ``refuse`` says why it cannot be
    used (already used, cancelled, expired); the write-off row, whose primary
    key is the code, makes a second one fail even if a check were wrong.
    """
    require(actor, Permission.VOUCHER_WRITE_OFF)
    code = normalise_code(typed)
    now = utc_now()
    today = business_day(now, actor.store_tz)
    try:
        with db.write() as session:
            if session.get(voucher, code, with_for_update=True) is None:
                raise not_found(code)
            before = view(session, code, today)
            refuse(before, actor.store_tz)
            session.add(fact(code, now))
            session.flush()
            audit.record(session, actor, action, entity, code, {"state": getattr(before, "state")},
                         {"state": "written_off"}, now)
            return view(session, code, today)
    except IntegrityError:
        with db.read() as session:
            refuse(view(session, code, today), actor.store_tz)
        raise


def refusal(view: VoucherView, tz_name: str) -> Conflict | None:
    """Why this voucher cannot be written off (used, cancelled, expired), or None when it can."""
    try:
        _refuse_unless_valid(view, tz_name)
    except Conflict as exc:
        return exc
    return None


def _refuse_unless_valid(view: VoucherView, tz_name: str) -> None:
    if view.state == "written_off":
        when = view.written_off_at.astimezone(zone(tz_name)) if view.written_off_at else None
        raise Conflict("This voucher was already used on {when} at {store}.",
                       when=when.strftime("%Y-%m-%d %H:%M") if when else "?",
                       store=view.written_off_store or "?")
    if view.state == "cancelled":
        raise Conflict("This voucher was cancelled with its redemption.")
    if view.state == "expired":
        raise Conflict("This voucher expired on {day}.", day=view.expires_on.isoformat() if view.expires_on else "?")
