"""Voucher codes (typeable, checked, QR) and writing a voucher off exactly once."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import segno
from PIL import Image

from pointsmall import redemption, vouchers
from pointsmall.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pointsmall.vouchers import ALPHABET

from .mall_support import (  # noqa: F401  (mall is a fixture)
    assert_clean,
    freeze_time,
    mall,
    member_with,
    new_item,
)

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 on 10 December in Shanghai


def coupon_voucher(mall, validity_days: int = 30):  # type: ignore[no-untyped-def]
    member = member_with(mall, 1000)
    item = new_item(mall, stock=5, kind="coupon", price_points=1000, face_value_fen=5000,
                    validity_days=validity_days, name="¥50 无门槛券")
    return redemption.redeem(mall.db, mall.cashier, member_id=member.id, item_id=item.id)


# -- codes ------------------------------------------------------------------------

def test_a_code_is_twelve_unambiguous_characters_shown_in_groups_of_four():
    for _ in range(200):
        code = vouchers.new_code()
        assert len(code) == 12 and set(code) <= set(ALPHABET)
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", vouchers.display_code(code))
        assert vouchers.normalise_code(code) == code
    assert not set("01OILU") & set(ALPHABET) and len(ALPHABET) == 30


def test_typed_codes_are_normalised():
    code = vouchers.new_code()
    shown = vouchers.display_code(code)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in shown.lower())  # an input method in full-width mode
    for typed in (code.lower(), shown, shown.lower(), f"  {code[:4]} {code[4:8]}  {code[8:]} ", f"{shown}\r\n",
                  shown.replace("-", " - "), "\t" + shown.replace("-", "—"), full_width):
        assert vouchers.normalise_code(typed) == code, typed


def test_every_single_mistyped_character_is_caught():
    """Bug: with weights 1..11 on an alphabet of 30 some single typos kept the check character valid."""
    for _ in range(100):
        code = vouchers.new_code()
        for i in range(len(code)):
            for ch in ALPHABET.replace(code[i], ""):
                with pytest.raises(ValidationError):
                    vouchers.normalise_code(code[:i] + ch + code[i + 1:])


def test_swapped_neighbours_are_caught_unless_fifteen_apart():
    caught = 0
    for _ in range(200):
        code = vouchers.new_code()
        for i in range(len(code) - 1):
            a, b = code[i], code[i + 1]
            if a == b or abs(ALPHABET.index(a) - ALPHABET.index(b)) == 15:
                continue
            with pytest.raises(ValidationError):
                vouchers.normalise_code(code[:i] + b + a + code[i + 2:])
            caught += 1
    assert caught > 1000


@pytest.mark.parametrize("typed", ["", "   ", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "0BCD-EFGH-JKMN", "ABCD/EFGH/JKMN"])
def test_malformed_codes_are_refused_with_a_message(typed):
    with pytest.raises(ValidationError) as exc:
        vouchers.normalise_code(typed)
    assert exc.value.message == "That is not a valid voucher code; check it and type it again."


def test_the_qr_code_is_a_full_qr_png_of_the_printed_code():
    code = vouchers.new_code()
    png = vouchers.qr_png(code, scale=4)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == image.height > 0
    # Read the modules back from the pixels and compare with a full QR symbol of the printed code.
    qr = segno.make_qr(vouchers.display_code(code), error="m")
    assert not qr.is_micro
    border, side = 4, len(qr.matrix)
    assert image.width == (side + 2 * border) * 4
    grey = image.convert("L")
    read = [[grey.getpixel(((x + border) * 4 + 2, (y + border) * 4 + 2)) < 128 for x in range(side)]
            for y in range(side)]
    assert read == [[bool(m) for m in row] for row in qr.matrix]
    assert any(any(row) for row in read) and not all(all(row) for row in read)


# -- write-off ----------------------------------------------------------------------

def test_a_voucher_is_written_off_once_and_the_second_time_says_when_and_where(mall, monkeypatch):
    freeze_time(monkeypatch, NOW)
    done = coupon_voucher(mall)
    view = vouchers.look_up(mall.db, mall.cashier, done.voucher_display.lower())
    assert (view.state, view.item_name, view.face_value_fen, view.expires_on) == (
        "valid", "¥50 无门槛券", 5000, date(2027, 1, 8))
    used = vouchers.write_off(mall.db, mall.cashier, done.voucher_code)
    assert (used.state, used.written_off_at, used.written_off_store) == ("written_off", NOW, "总店")
    with pytest.raises(Conflict) as exc:
        vouchers.write_off(mall.db, mall.supervisor, done.voucher_display)
    assert exc.value.message == "This voucher was already used on 2026-12-10 10:00 at 总店."
    assert vouchers.look_up(mall.db, mall.cashier, done.voucher_code).state == "written_off"
    assert_clean(mall.db)


def test_a_cancelled_voucher_is_refused(mall):
    done = coupon_voucher(mall)
    redemption.cancel(mall.db, mall.supervisor, done.redemption_id, "顾客退回 returned")
    with pytest.raises(Conflict) as exc:
        vouchers.write_off(mall.db, mall.cashier, done.voucher_code)
    assert exc.value.message == "This voucher was cancelled with its redemption."
    assert vouchers.look_up(mall.db, mall.cashier, done.voucher_code).state == "cancelled"


def test_an_expired_voucher_is_refused_after_its_last_day_in_store_time(mall, monkeypatch):
    freeze_time(monkeypatch, NOW)
    last_day = coupon_voucher(mall, validity_days=3)
    expired = coupon_voucher(mall, validity_days=3)
    assert expired.voucher_expires_on == date(2026, 12, 12)
    freeze_time(monkeypatch, datetime(2026, 12, 12, 15, 59, tzinfo=timezone.utc))  # 23:59 on the 12th there
    assert vouchers.write_off(mall.db, mall.cashier, last_day.voucher_code).state == "written_off"
    freeze_time(monkeypatch, datetime(2026, 12, 12, 16, 0, tzinfo=timezone.utc))  # midnight: the 13th
    with pytest.raises(Conflict) as exc:
        vouchers.write_off(mall.db, mall.cashier, expired.voucher_code)
    assert exc.value.message == "This voucher expired on 2026-12-12."
    assert vouchers.look_up(mall.db, mall.cashier, expired.voucher_code).state == "expired"


def test_goods_vouchers_never_expire(mall, monkeypatch):
    member = member_with(mall, 100)
    item = new_item(mall, stock=1)
    done = redemption.redeem(mall.db, mall.cashier, member_id=member.id, item_id=item.id)
    freeze_time(monkeypatch, NOW + timedelta(days=3650))
    assert vouchers.write_off(mall.db, mall.cashier, done.voucher_code).state == "written_off"


def test_an_unknown_code_and_a_role_without_write_off(mall):
    code = vouchers.new_code()
    with pytest.raises(NotFound) as exc:
        vouchers.write_off(mall.db, mall.cashier, code)
    assert exc.value.message == f"No voucher with the code {vouchers.display_code(code)}; check it and type it again."
    with pytest.raises(NotFound):
        vouchers.look_up(mall.db, mall.cashier, code)
    done = coupon_voucher(mall)
    with pytest.raises(PermissionDenied):
        vouchers.write_off(mall.db, mall.operator, done.voucher_code)
    assert vouchers.look_up(mall.db, mall.cashier, done.voucher_code).state == "valid"
