"""Handing prizes over at the counter, as a cashier does it (issue #5).

A wheel prize's code typed or scanned in the mall's write-off place is
found like a mall voucher and handed over once; a mistyped code says what is
wrong with it; the games page lists the member's prizes not yet collected
with a Hand over button; the prize slip is titled as a prize slip; the
sign-in bar's balance follows the balance after a spin.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from pointsmall import handover, vouchers, wheel, wheel_setup
from pointsmall.wheel_setup import SegmentDraft, WheelDraft
from ui import i18n
from ui.context import AppContext
from ui.pages.games import GamesPage
from ui.pages.mall import MallPage
from ui.printing import slip as slips

from .mall_data import member, system_actor
from .page_support import show_page

pytestmark = pytest.mark.usefixtures("close_pages")
WAIT = 8000
COUPON_DRAW = 70  # thanks [0, 50), the ¥5 coupon [50, 80), 10 points [80, 90), 20 points [90, 100)

@pytest.fixture
def coupon_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every spin lands on the ¥5 coupon."""
    monkeypatch.setattr(secrets, "randbelow", lambda n: COUPON_DRAW * n // 100)


def prize_wheel(db, cost: int = 0) -> wheel_setup.WheelView:  # type: ignore[no-untyped-def]
    now = datetime.now(timezone.utc)
    segments = (SegmentDraft(label="谢谢参与", colour="#FCE7B2", weight=50, prize="nothing"),
                SegmentDraft(label="¥5 券", colour="#10B981", weight=30, prize="coupon", face_value_fen=500,
                             validity_days=7, value_points=50),
                SegmentDraft(label="10积分", colour="#E5484D", weight=10, prize="points", points=10),
                SegmentDraft(label="20积分", colour="#8B5CF6", weight=10, prize="points", points=20))
    return wheel_setup.save_wheel(db, system_actor(db), WheelDraft(
        name="领奖测试转盘", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), segments=segments,
        fallback_index=0, cost_points=cost))


def won_prize(db, who) -> str:  # type: ignore[no-untyped-def]
    """A coupon won earlier (at another till): its code as stored."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(secrets, "randbelow", lambda n: COUPON_DRAW * n // 100)
        result = wheel.spin(db, system_actor(db), member_id=who.id, wheel_id=prize_wheel(db).id)
    assert result.voucher_code is not None
    return vouchers.normalise_code(result.voucher_code)  # stored form: 12 characters, no dashes


def open_mall(qtbot, ctx: AppContext) -> MallPage:  # type: ignore[no-untyped-def]
    page = show_page(qtbot, MallPage(ctx), 1130, 770)
    qtbot.waitUntil(lambda: page.loaded, timeout=WAIT)
    page.tabs.setCurrentWidget(page.write_off)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.write_off.code, timeout=WAIT)
    return page


def scan(qtbot, page: MallPage, code: str) -> None:  # type: ignore[no-untyped-def]
    box = page.write_off.code
    box.clear()
    qtbot.keyClicks(box, code)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def open_games(qtbot, ctx: AppContext) -> GamesPage:  # type: ignore[no-untyped-def]
    page = GamesPage(ctx)
    page.wheel.duration_ms = 300
    return show_page(qtbot, page, 1216, 760)


def serve(qtbot, page: GamesPage, who, *, wheel_open: bool = True) -> None:  # type: ignore[no-untyped-def]
    page.ctx.changes.member_selected.emit(who.id)
    qtbot.waitUntil(lambda: page.member is not None and page.member.id == who.id
                    and page.signin.calendar.calendar is not None
                    and (page.status is not None or not wheel_open), timeout=WAIT)


# -- the write-off place: one for both kinds -------------------------------------------------------------

def test_a_wheel_prize_is_handed_over_once_where_vouchers_are_written_off(qtbot, cashier_ctx, ui_db):
    who = member(ui_db)
    code = won_prize(ui_db, who)
    page = open_mall(qtbot, cashier_ctx)
    panel = page.write_off
    scan(qtbot, page, vouchers.display_code(code).lower())
    qtbot.waitUntil(lambda: panel.card.isVisible(), timeout=WAIT)
    assert panel.item.text() == "¥5 券" and panel.member.text() == "张三丰"
    assert panel.phone.text() == "138****8000"  # masked: the full number is not the cashier's business
    assert panel.kind.text() == f"Wheel prize · Coupon · face value {i18n.money_short(500)}"
    assert panel.state.text() == "Valid" and panel.write_off_button.text() == "Hand over"
    assert panel.expiry.text() == i18n.day(handover.look_up(ui_db, system_actor(ui_db), code).expires_on)
    assert "Press Enter again or click Hand over" in panel.message.text()
    qtbot.keyClick(panel.code, Qt.Key.Key_Return)  # Enter again hands it over
    qtbot.waitUntil(lambda: panel.message.property("kind") == "success", timeout=WAIT)
    assert panel.message.text() == "Handed over: ¥5 券 to 张三丰"
    assert panel.state.text() == "Handed over" and not panel.write_off_button.isEnabled()
    scan(qtbot, page, code)  # the member comes back with the same slip
    qtbot.waitUntil(lambda: panel.message.property("kind") == "refused", timeout=WAIT)
    assert panel.message.text().startswith("This prize was already handed over on ")
    assert not panel.write_off_button.isEnabled()
    assert handover.look_up(ui_db, system_actor(ui_db), code).state == "written_off"


def test_a_mistyped_or_unknown_code_says_what_is_wrong(qtbot, cashier_ctx, ui_db):
    who = member(ui_db)
    code = won_prize(ui_db, who)
    page = open_mall(qtbot, cashier_ctx)
    panel = page.write_off
    swapped = code[:1] + code[2] + code[1] + code[3:] if code[1] != code[2] else code[:-2] + code[-1] + code[-2]
    cases = [(swapped, "a character is mistyped or two are swapped"),
             (code[:5] + "O" + code[6:], "codes never use 0, O, 1, I, L or U, so O was misread"),
             (code[:10], "codes have 12 characters (like K7MQ-9XH2-TD4R), this one has 10")]
    for typed, words in cases:
        if vouchers.clean_code(typed, 12) is not None:
            continue  # a swap of two characters 15 apart is the one the check cannot see
        scan(qtbot, page, typed)
        qtbot.waitUntil(lambda: words in panel.message.text(), timeout=WAIT)
        assert panel.message.property("kind") == "refused" and not panel.card.isVisible()
    body = "ABCDEFGHJKM"
    unknown = next(body + c for c in vouchers.ALPHABET if vouchers.clean_code(body + c, 12))
    scan(qtbot, page, unknown)
    qtbot.waitUntil(lambda: panel.message.text() == f"No voucher or prize has the code "
                    f"{vouchers.display_code(unknown)}; check it and type it again.", timeout=WAIT)
    assert handover.look_up(ui_db, system_actor(ui_db), code).state == "valid"  # nothing was written off


# -- the games page: the member's prizes to collect ------------------------------------------------------

def test_the_games_page_hands_over_a_prize_won_earlier(qtbot, cashier_ctx, ui_db):
    who = member(ui_db)
    code = won_prize(ui_db, who)
    page = open_games(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    prizes = page.prizes
    qtbot.waitUntil(lambda: prizes.list.count() == 1 and prizes.isVisible(), timeout=WAIT)
    assert prizes.caption.text() == "Prizes to hand over (1)"
    assert prizes.list.item(0).text().startswith(f"¥5 券 · {vouchers.display_code(code)} · valid until ")
    qtbot.mouseClick(prizes.button, Qt.MouseButton.LeftButton)
    box = prizes.confirm
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=WAIT)
    assert box.text() == "Give ¥5 券 to 张三丰 now?"
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prizes.message.property("kind") == "success", timeout=WAIT)
    assert prizes.message.text() == "Handed over: ¥5 券 to 张三丰"
    qtbot.waitUntil(lambda: prizes.list.count() == 0, timeout=WAIT)
    assert not prizes.list.isVisible() and prizes.message.isVisible()
    assert handover.look_up(ui_db, system_actor(ui_db), code).state == "written_off"


def test_a_cancelled_hand_over_changes_nothing_and_another_member_has_none(qtbot, cashier_ctx, ui_db):
    who = member(ui_db)
    code = won_prize(ui_db, who)
    other = member(ui_db, name="李四", phone="13900139000")
    page = open_games(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    qtbot.waitUntil(lambda: page.prizes.list.count() == 1, timeout=WAIT)
    qtbot.keyClick(page.prizes.list, Qt.Key.Key_Return)  # nothing: only the button or a double click hands over
    page.prizes.list.itemDoubleClicked.emit(page.prizes.list.item(0))
    box = page.prizes.confirm
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=WAIT)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    assert handover.look_up(ui_db, system_actor(ui_db), code).state == "valid"
    serve(qtbot, page, other)
    qtbot.waitUntil(lambda: page.prizes.list.count() == 0 and not page.prizes.isVisible(), timeout=WAIT)


def test_a_prize_handed_over_meanwhile_at_another_till_is_refused_in_words(qtbot, cashier_ctx, ui_db):
    who = member(ui_db)
    code = won_prize(ui_db, who)
    page = open_games(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    qtbot.waitUntil(lambda: page.prizes.list.count() == 1, timeout=WAIT)
    handover.hand_over(ui_db, system_actor(ui_db), code)  # the other till
    qtbot.mouseClick(page.prizes.button, Qt.MouseButton.LeftButton)
    box = page.prizes.confirm
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=WAIT)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.prizes.message.property("kind") == "error", timeout=WAIT)
    assert page.prizes.message.text().startswith("This prize was already handed over on ")
    qtbot.waitUntil(lambda: page.prizes.list.count() == 0, timeout=WAIT)  # read again: nothing left to hand over


@pytest.mark.usefixtures("coupon_draws")
def test_a_prize_spun_now_is_listed_once_the_wheel_lands_and_prints_as_a_prize_slip(qtbot, cashier_ctx, ui_db):
    who = member(ui_db)
    prize_wheel(ui_db, cost=10)
    page = open_games(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: page.spinning, timeout=WAIT)
    assert page.prizes.list.count() == 0  # not before the wheel has landed on it
    qtbot.waitUntil(lambda: page.last_spin is not None and not page.spinning, timeout=WAIT)
    qtbot.waitUntil(lambda: page.voucher is not None and page.voucher.isVisible(), timeout=WAIT)
    slip = page.voucher.slip
    assert slips.title_of(slip) == "Wheel prize slip" and slip.points_caption == "Spin cost"
    assert slip.code_caption == "Prize code" and slip.points == 10
    assert not slips.render_image(slip).isNull()
    page.voucher.accept()
    qtbot.waitUntil(lambda: page.prizes.list.count() == 1, timeout=WAIT)
    assert page.last_spin.prize is not None
    assert page.prizes.prizes[0].code == page.last_spin.prize.code


def test_the_redemption_slip_keeps_its_own_title(qapp):  # type: ignore[no-untyped-def]
    slip = slips.Slip("总店", datetime.now(timezone.utc), "张三丰", "138****8000", "马克杯", "goods", 1, 1000, 0, 320,
                      "K7MQ-9XH2-TD4R", vouchers.qr_png("K7MQ9XH2TD4R"), None)
    assert slips.title_of(slip) == "Points redemption slip"


# -- the sign-in bar after a spin ----------------------------------------------------------------------

@pytest.mark.usefixtures("coupon_draws")
def test_the_sign_in_bar_shows_the_balance_after_a_later_spin(qtbot, cashier_ctx, ui_db):
    """Issue #5: the sign-in result kept the balance at sign-in time after a spin changed it."""
    who = member(ui_db, points=1320)
    prize_wheel(ui_db, cost=10)
    page = open_games(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    qtbot.keyClick(page, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: page.signin.result.property("kind") == "success", timeout=WAIT)
    signed = page.signin.result.text()
    after_sign_in = int(signed.rsplit("balance ", 1)[1].replace(",", ""))
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: page.last_spin is not None and not page.spinning, timeout=WAIT)
    if page.voucher is not None:
        page.voucher.accept()
    now = after_sign_in - 10
    qtbot.waitUntil(lambda: page.strip.balance.text() == i18n.points(now), timeout=WAIT)
    qtbot.waitUntil(lambda: page.signin.result.text().endswith(f"balance {i18n.points(now)}"), timeout=WAIT)
    assert page.signin.result.text().startswith("Signed in: +")


@pytest.mark.parametrize("language", ["zh_CN"], indirect=True)
def test_the_chinese_sign_in_result_uses_chinese_punctuation(qtbot, cashier_ctx, ui_db, language):
    who = member(ui_db)
    page = open_games(qtbot, cashier_ctx)
    serve(qtbot, page, who, wheel_open=False)
    qtbot.keyClick(page, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: page.signin.result.property("kind") == "success", timeout=WAIT)
    text = page.signin.result.text()
    assert text.startswith("签到成功：+") and ":" not in text, text
    assert page.signin.button.toolTip() == "为会员签到（F2）"
