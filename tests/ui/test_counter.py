"""The counter page, driven as a cashier drives it: scan, type, Enter, read the screen."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pointsmall import ledger, members, purchases, staff
from pointsmall.db import Database
from pointsmall.members import MemberView
from pointsmall.staff import Actor
from pointsmall.tiers import TierProgress, list_tiers
from ui import i18n
from ui.pages.counter import CounterPage
from ui.widgets.amount_field import AmountError, AmountProblem, parse_yuan
from ui.widgets.tier_progress import TierProgressView

WAIT = 5000


def system_actor(db: Database) -> Actor:
    with db.read() as session:
        return staff.system_actor(session)


def new_member(db: Database, name: str, phone: str, spent_fen: int = 0) -> MemberView:
    actor = system_actor(db)
    member = members.create_member(db, actor, name=name, phone=phone)
    if spent_fen:
        purchases.award_for_purchase(db, actor, member_id=member.id, receipt_no=f"SEED-{phone}",
                                     amount_fen=spent_fen)
    return member


def entry_count(db: Database, member: MemberView) -> int:
    with db.read() as session:
        return ledger.count_entries(session, member.id)


def balance(db: Database, member: MemberView) -> int:
    return members.get_member(db, system_actor(db), member.id).balance


@pytest.fixture
def page(qtbot, cashier_ctx):  # type: ignore[no-untyped-def]
    widget = CounterPage(cashier_ctx)
    qtbot.addWidget(widget)
    widget.resize(1130, 760)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget.scan, timeout=WAIT)
    return widget


def scan(qtbot, page: CounterPage, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.scan, text)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)


def load(qtbot, page: CounterPage, member: MemberView) -> None:  # type: ignore[no-untyped-def]
    scan(qtbot, page, member.card_code)
    qtbot.waitUntil(lambda: page.card.member is not None and page.card.member.id == member.id, timeout=WAIT)


def award(qtbot, page: CounterPage, receipt: str, amount: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.receipt, receipt)
    qtbot.keyClick(page.receipt, Qt.Key.Key_Return)  # Enter in the receipt goes on to the amount
    assert QApplication.focusWidget() is page.amount
    if amount.isascii():
        qtbot.keyClicks(page.amount, amount)
    else:
        page.amount.insert(amount)  # what an input method commits; QTest types ASCII only
    qtbot.keyClick(page.amount, Qt.Key.Key_Return)


# -- finding the member --------------------------------------------------------

def test_scanning_a_card_shows_the_member(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000", spent_fen=30_000)
    scan(qtbot, page, member.card_code)
    qtbot.waitUntil(lambda: page.card.name.text() == "张三丰", timeout=WAIT)
    assert page.member_stack.currentWidget() is page.card
    assert page.card.phone.text().startswith("138****8000")
    assert page.card.balance.text() == i18n.points(300)
    assert page.card.tier_name.text() == "Regular"
    assert page.card.progress.words.text() == "Spend ¥700 more to reach Silver"
    assert page.card.progress.bar.value() == 30
    assert "points expire on" in page.card.expiring.text()
    assert page.scan.text() == ""
    assert QApplication.focusWidget() is page.scan
    assert page.entries.topLevelItemCount() == 1


def test_typing_a_full_phone_shows_the_member(qtbot, page, ui_db):
    new_member(ui_db, "李四", "13700001234")
    scan(qtbot, page, "137 0000 1234")
    qtbot.waitUntil(lambda: page.card.name.text() == "李四", timeout=WAIT)
    assert not page.results.isVisible()


def test_last_four_lists_the_matches_and_arrow_enter_picks_one(qtbot, page, ui_db):
    new_member(ui_db, "张三丰", "13800138000")
    new_member(ui_db, "张小凡", "13912348000")
    scan(qtbot, page, "8000")
    qtbot.waitUntil(lambda: page.results.isVisible(), timeout=WAIT)
    assert page.results.topLevelItemCount() == 2
    assert page.card.member is None  # nothing is loaded until the cashier picks
    second = page.results.topLevelItem(1).text(0)
    qtbot.keyClick(page.scan, Qt.Key.Key_Down)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.card.name.text() == second, timeout=WAIT)
    assert not page.results.isVisible()
    assert QApplication.focusWidget() is page.scan


def test_clicking_a_match_loads_it(qtbot, page, ui_db):
    new_member(ui_db, "张三丰", "13800138000")
    new_member(ui_db, "张小凡", "13912348000")
    scan(qtbot, page, "8000")
    qtbot.waitUntil(lambda: page.results.isVisible(), timeout=WAIT)
    item = page.results.topLevelItem(1)
    name = item.text(0)
    qtbot.mouseClick(page.results.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.results.visualItemRect(item).center())
    qtbot.waitUntil(lambda: page.card.name.text() == name, timeout=WAIT)
    assert QApplication.focusWidget() is page.scan


def test_pinyin_initials_list_the_member(qtbot, page, ui_db):
    new_member(ui_db, "张三丰", "13800138000")
    scan(qtbot, page, "zsf")
    qtbot.waitUntil(lambda: page.results.isVisible(), timeout=WAIT)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.card.name.text() == "张三丰", timeout=WAIT)


def test_nothing_found_says_so(qtbot, page, ui_db):
    scan(qtbot, page, "13999999999")
    qtbot.waitUntil(lambda: "No member found" in page.scan_message.text(), timeout=WAIT)
    assert page.member_stack.currentWidget() is page.empty
    assert not page.award_panel.isEnabled()


def test_a_new_search_replaces_the_one_still_running(qtbot, page, ui_db):
    new_member(ui_db, "张三丰", "13800138000")
    second = new_member(ui_db, "李四", "13700001234")
    scan(qtbot, page, "13800138000")
    scan(qtbot, page, second.card_code)  # before the first answer is shown
    qtbot.waitUntil(lambda: page.card.name.text() == "李四", timeout=WAIT)
    qtbot.wait(300)
    assert page.card.name.text() == "李四"


def test_escape_starts_over(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000")
    load(qtbot, page, member)
    qtbot.keyClicks(page.scan, "abc")
    qtbot.keyClick(page.scan, Qt.Key.Key_Escape)
    assert page.scan.text() == ""
    assert page.card.member is not None
    qtbot.keyClick(page.scan, Qt.Key.Key_Escape)
    assert page.card.member is None
    assert page.member_stack.currentWidget() is page.empty


# -- awarding points ------------------------------------------------------------

def test_award_shows_the_points_and_refreshes_the_card(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000", spent_fen=30_000)
    load(qtbot, page, member)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)  # Enter on the empty scan box goes to the receipt
    assert QApplication.focusWidget() is page.receipt
    award(qtbot, page, "R-1001", "128.50")
    qtbot.waitUntil(lambda: page.toast.isVisible(), timeout=WAIT)
    assert page.toast.text() == f"Earned {i18n.points(128)} points for this purchase, balance {i18n.points(428)}"
    qtbot.waitUntil(lambda: page.card.balance.text() == i18n.points(428), timeout=WAIT)
    assert page.card.progress.bar.value() == 42
    assert page.card.progress.words.text() == "Spend ¥571.50 more to reach Silver"
    top = page.entries.topLevelItem(0)
    assert top.text(page.entries.KIND) == "Purchase"
    assert top.text(page.entries.POINTS) == "+128"
    assert top.text(page.entries.BALANCE) == i18n.points(428)
    assert "R-1001" in top.text(page.entries.REFERENCE)
    assert page.receipt.text() == "" and page.amount.text() == ""
    assert QApplication.focusWidget() is page.scan
    assert not page.celebration.isVisible()


def test_award_that_crosses_a_threshold_celebrates(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000", spent_fen=90_000)
    load(qtbot, page, member)
    assert page.card.tier_name.text() == "Regular"
    award(qtbot, page, "R-2001", "150")
    qtbot.waitUntil(lambda: page.celebration.isVisible(), timeout=WAIT)
    assert page.celebration.text == "Upgraded to Silver!"
    assert page.card.badge.is_flashing()
    qtbot.waitUntil(lambda: page.card.tier_name.text() == "Silver", timeout=WAIT)
    assert page.card.progress.words.text() == "Spend ¥3,950 more to reach Gold"
    # The overlay does not block the till: the next scan is typed while it plays.
    qtbot.keyClicks(page.scan, "8000")
    assert page.scan.text() == "8000"
    qtbot.waitUntil(lambda: not page.celebration.isVisible(), timeout=WAIT)


@pytest.mark.parametrize("amount, words", [
    ("12.345", "at most two decimals"),
    ("-5", "cannot be negative"),
    ("0", "more than zero"),
    ("0.00", "more than zero"),
    ("12元", "number of yuan"),
    ("abc", "number of yuan"),
    ("", "Enter the amount"),
])
def test_bad_amounts_are_refused_inline_and_write_nothing(qtbot, page, ui_db, amount, words):
    member = new_member(ui_db, "张三丰", "13800138000")
    load(qtbot, page, member)
    award(qtbot, page, "R-3001", amount)
    qtbot.waitUntil(lambda: page.award_error.text() != "", timeout=WAIT)
    assert words in page.award_error.text()
    assert QApplication.focusWidget() is page.amount
    qtbot.wait(100)
    assert entry_count(ui_db, member) == 0
    assert not page.toast.isVisible()


def test_missing_receipt_is_refused_inline(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000")
    load(qtbot, page, member)
    qtbot.keyClicks(page.amount, "10")
    qtbot.keyClick(page.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.award_error.text() == "Enter the receipt number.", timeout=WAIT)
    assert QApplication.focusWidget() is page.receipt
    assert entry_count(ui_db, member) == 0


def test_the_same_receipt_twice_earns_once(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000")
    load(qtbot, page, member)
    award(qtbot, page, "R-4001", "100")
    qtbot.waitUntil(lambda: page.card.balance.text() == i18n.points(100), timeout=WAIT)
    award(qtbot, page, "R-4001", "100")
    qtbot.waitUntil(lambda: "already earned" in page.toast.text(), timeout=WAIT)
    assert "nothing new was added" in page.toast.text()
    qtbot.wait(200)
    assert balance(ui_db, member) == 100
    assert entry_count(ui_db, member) == 1
    assert page.card.balance.text() == i18n.points(100)


def test_a_receipt_reused_with_another_amount_is_refused(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000")
    load(qtbot, page, member)
    award(qtbot, page, "R-5001", "100")
    qtbot.waitUntil(lambda: page.card.balance.text() == i18n.points(100), timeout=WAIT)
    award(qtbot, page, "R-5001", "200")
    qtbot.waitUntil(lambda: page.award_error.text() != "", timeout=WAIT)
    assert "R-5001" in page.award_error.text()
    assert QApplication.focusWidget() is page.receipt
    assert balance(ui_db, member) == 100


def test_a_frozen_member_is_flagged_and_cannot_earn(qtbot, page, ui_db):
    member = new_member(ui_db, "张三丰", "13800138000")
    members.set_status(ui_db, system_actor(ui_db), member.id, "frozen", "lost card")
    load(qtbot, page, member)
    assert page.card.warning.isVisible()
    assert "frozen" in page.card.warning.text()
    award(qtbot, page, "R-6001", "50")
    qtbot.waitUntil(lambda: page.award_error.text() != "", timeout=WAIT)
    assert page.award_error.text() == "This member's account is frozen; points cannot change."
    assert entry_count(ui_db, member) == 0


def test_changes_made_elsewhere_refresh_the_card(qtbot, page, ui_db, cashier_ctx):
    member = new_member(ui_db, "张三丰", "13800138000")
    load(qtbot, page, member)
    purchases.award_for_purchase(ui_db, system_actor(ui_db), member_id=member.id, receipt_no="ELSE-1",
                                 amount_fen=5_000)
    cashier_ctx.changes.member_changed.emit(member.id)
    qtbot.waitUntil(lambda: page.card.balance.text() == i18n.points(50), timeout=WAIT)
    assert page.entries.topLevelItemCount() == 1


# -- the words under the progress bar ---------------------------------------------

def test_progress_words_for_each_basis_the_top_tier_and_a_tier_set_by_hand(qtbot, ui_db, language):
    with ui_db.read() as session:
        regular, silver, gold, diamond = list_tiers(session)
    view = TierProgressView("en")
    qtbot.addWidget(view)
    assert view.progress_words(TierProgress("spend", 468_000, silver, gold, 32_000, 92, None)) == \
        "Spend ¥320 more to reach Gold"
    assert view.progress_words(TierProgress("spend", 467_950, silver, gold, 32_050, 92, None)) == \
        "Spend ¥320.50 more to reach Gold"
    assert view.progress_words(TierProgress("points", 700, regular, silver, 1_300, 35, None)) == \
        f"Earn {i18n.points(1300)} more points to reach Silver"
    assert view.progress_words(TierProgress("spend", 3_000_000, diamond, None, 0, 100, None)) == "Top tier"
    view.show_progress(TierProgress("spend", 0, gold, diamond, 2_000_000, 0, date(2027, 3, 31)), "VIP")
    assert view.manual.text() == f"Set by hand until {i18n.day(date(2027, 3, 31))} (VIP)"
    chinese = TierProgressView("zh_CN")
    qtbot.addWidget(chinese)
    assert "金卡会员" in chinese.progress_words(TierProgress("spend", 468_000, silver, gold, 32_000, 92, None))


# -- the amount, parsed without float --------------------------------------------

@pytest.mark.parametrize("text, fen", [
    ("128", 12_800), ("128.5", 12_850), ("128.50", 12_850), ("0.29", 29), (".5", 50), ("1,280.05", 128_005),
    ("¥12", 1_200), ("１２．５", 1_250), (" 7.00 ", 700),
])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text, problem", [
    ("", AmountProblem.EMPTY), ("12.345", AmountProblem.TOO_MANY_DECIMALS), ("-1", AmountProblem.NEGATIVE),
    ("0", AmountProblem.ZERO), ("0.00", AmountProblem.ZERO), ("abc", AmountProblem.NOT_A_NUMBER),
    ("1e3", AmountProblem.NOT_A_NUMBER), ("1.2.3", AmountProblem.NOT_A_NUMBER), (".", AmountProblem.NOT_A_NUMBER),
    ("nan", AmountProblem.NOT_A_NUMBER),
])
def test_parse_yuan_refuses(text, problem):
    with pytest.raises(AmountError) as caught:
        parse_yuan(text)
    assert caught.value.problem is problem
