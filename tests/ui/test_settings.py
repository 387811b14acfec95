"""The Settings page, driven as an operator, an administrator and a cashier would."""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, QLocale, QPoint, QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLineEdit, QPushButton, QTableWidget

from pointsmall import campaigns, rules, staff, tiers
from pointsmall.errors import PermissionDenied
from pointsmall.staff import Role
from tests.conftest import make_actor
from tests.ui.conftest import make_context
from ui import i18n
from ui.app import MainWindowKeeper
from ui.context import AppContext
from ui.ops import settings as ops
from ui.pages.settings import SettingsPage


@pytest.fixture
def operator_ctx(ui_db, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.OPERATOR, language)
    yield ctx
    ctx.worker.shutdown()


def open_page(qtbot, ctx: AppContext) -> SettingsPage:  # type: ignore[no-untyped-def]
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1130, 760)
    page.show()
    qtbot.waitUntil(lambda: page.tiers.table.rowCount() == 4, timeout=5000)
    return page


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    if isinstance(widget, QAbstractButton) and not isinstance(widget, QPushButton):
        # a check or radio box reacts to clicks on its box and words, not on the empty rest of its row
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_row(qtbot, table: QTableWidget, row: int) -> None:  # type: ignore[no-untyped-def]
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def retype(qtbot, widget: QLineEdit | QAbstractSpinBox, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def run(qtbot, coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:  # type: ignore[no-untyped-def]
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=5000)
    return task


def test_operator_edits_a_tier_threshold(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    tab = page.tiers
    assert "spend over the last 12 months" in tab.basis_text.text()
    assert "never the points balance" in tab.basis_text.text()
    assert tab.table.item(2, 3).text() == "10% off"  # gold pays 90 %
    assert tab.table.item(2, 1).text() == "¥5,000"
    click_row(qtbot, tab.table, 1)  # silver
    editor = tab.editor
    assert editor is not None and editor.tier is not None and editor.tier.code == "silver"
    retype(qtbot, editor.threshold, "6000")  # above gold's ¥5,000: the ladder breaks
    click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: editor.error.text() != "", timeout=5000)
    assert "more growth than the one below" in editor.error.text()
    assert editor.threshold.property("invalid") == "true"
    retype(qtbot, editor.threshold, "1,500")
    qtbot.keyClick(editor.threshold, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.table.item(1, 1).text() == "¥1,500", timeout=5000)
    assert editor.error.text() == "" and editor.done.text() == "Saved."
    assert editor.threshold.property("invalid") == "false"
    with ui_db.read() as session:
        assert {t.code: t.threshold for t in tiers.list_tiers(session)}["silver"] == 150_000


def test_operator_changes_point_expiry(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    page.show_tab(page.earning)
    tab = page.earning
    qtbot.waitUntil(lambda: "24th month" in tab.words.text(), timeout=5000)
    assert "¥1 earns 1 point" in tab.words.text()
    retype(qtbot, tab.expiry, "12")
    assert "12th month" in tab.words.text()  # the plain words follow the input before saving
    with qtbot.waitSignal(tab.loaded, timeout=5000):  # the save announces settings_changed; the tab reloads
        click(qtbot, tab.save_button)
    assert tab.done.text() == "Saved." and tab.expiry.value() == 12
    with ui_db.read() as session:
        assert rules.load_rules(session).expiry_months == 12
    retype(qtbot, tab.max_purchase, "12abc")
    click(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: "Enter an amount" in tab.error.text(), timeout=5000)


def test_operator_creates_a_double_eleven_campaign(qtbot, operator_ctx, ui_db):
    past = date.today() - timedelta(days=60)
    campaigns.save_campaign(ui_db, operator_ctx.actor, name="国庆双倍", starts_on=past,
                            ends_on=past + timedelta(days=7), multiplier_permille=2000)
    page = open_page(qtbot, operator_ctx)
    page.show_tab(page.campaigns)
    tab = page.campaigns
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1 and len(tab.tier_boxes) == 4, timeout=5000)
    assert tab.table.item(0, 4).text() == "Ended"
    assert tab.table.item(0, 0).foreground().color().name() == "#94a3b8"  # greyed
    click(qtbot, tab.new_button)
    qtbot.keyClicks(tab.name, "11.11 ")
    tab.name.insert("金卡5倍")  # what an input method commits (keyClicks types ASCII only)
    tab.starts.setDate(QDate(2031, 11, 1))
    tab.ends.setDate(QDate(2031, 11, 11))
    retype(qtbot, tab.multiplier, "5")
    click(qtbot, tab.tier_boxes["gold"])
    assert "Gold" in tab.words.text() and "5.0×" in tab.words.text()
    click(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=5000)
    assert tab.done.text() == "Saved."
    with ui_db.read() as session:
        saved = next(c for c in campaigns.list_campaigns(session) if c.name == "11.11 金卡5倍")
    assert (saved.starts_on, saved.ends_on) == (date(2031, 11, 1), date(2031, 11, 11))
    assert saved.multiplier_permille == 5000 and saved.tier_codes == ("gold",) and saved.active
    row = next(r for r in range(2) if tab.table.item(r, 0).text() == "11.11 金卡5倍")
    assert tab.table.item(row, 2).text() == "5.0×" and tab.table.item(row, 3).text() == "Gold"


def test_admin_creates_a_staff_account_that_can_log_in(qtbot, admin_ctx, ui_db):
    page = open_page(qtbot, admin_ctx)
    assert page.staff is not None
    page.show_tab(page.staff)
    tab = page.staff
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1 and tab.store.count() == 1, timeout=5000)
    qtbot.keyClicks(tab.username, "xiaoli")
    tab.display_name.insert("小李")  # what an input method commits
    tab.role.setCurrentIndex(tab.role.findData(Role.SUPERVISOR))
    qtbot.keyClicks(tab.password, "till-pass-1")
    qtbot.keyClicks(tab.password2, "till-pass-2")
    click(qtbot, tab.create_button)
    qtbot.waitUntil(lambda: "differ" in tab.create_error.text(), timeout=5000)
    qtbot.keyClicks(tab.password2, "till-pass-1")
    qtbot.keyClick(tab.password2, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=5000)
    assert "xiaoli" in tab.created.text()
    actor = staff.authenticate(ui_db, "xiaoli", "till-pass-1")
    assert actor.role is Role.SUPERVISOR and actor.display_name == "小李"
    row = next(r for r in range(2) if tab.table.item(r, 0).text() == "xiaoli")
    assert tab.table.item(row, 2).text() == "Supervisor"
    # deactivate: the account can no longer log in
    click_row(qtbot, tab.table, row)
    click(qtbot, tab.toggle_active)
    qtbot.waitUntil(lambda: "can no longer log in" in tab.edited.text(), timeout=5000)
    with pytest.raises(Exception):
        staff.authenticate(ui_db, "xiaoli", "till-pass-1")


def test_cashier_cannot_see_or_change_settings(qtbot, cashier_ctx):
    page = open_page(qtbot, cashier_ctx)
    labels = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Staff" not in labels and page.staff is None
    assert page.tiers.editor is None and page.tiers.findChild(QPushButton, "tierSave") is None
    assert page.tiers.findChild(QPushButton, "tierBasisSave") is None
    assert page.campaigns.findChild(QPushButton, "campaignSave") is None
    page.show_tab(page.earning)
    assert not page.earning.save_button.isVisible() and not page.earning.expiry.isEnabled()
    ctx = cashier_ctx
    refused = [
        run(qtbot, ops.update_tier(ctx, "gold", threshold=400_000)),
        run(qtbot, ops.update_rules(ctx, expiry_months=12)),
        run(qtbot, ops.save_campaign(ctx, name="双11", starts_on=date(2031, 11, 1), ends_on=date(2031, 11, 11),
                                     multiplier_permille=5000, tier_codes=("gold",), active=True)),
        run(qtbot, ops.create_staff(ctx, username="sneaky", display_name="x", role=Role.ADMIN, secret="secret-99")),
        run(qtbot, ops.load_staff(ctx)),
    ]
    for task in refused:
        assert isinstance(task.exception(), PermissionDenied)


def test_switching_language_rebuilds_the_window(qtbot, admin_ctx, tmp_path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    keeper = MainWindowKeeper(admin_ctx.db, admin_ctx.worker, admin_ctx.actor, "en")
    first = keeper.show()
    qtbot.addWidget(first)
    first.show_page("settings")
    settings = first.settings
    settings.show_tab(settings.language)
    try:
        click(qtbot, settings.language.choices["zh_CN"])
        with qtbot.waitSignal(keeper.rebuilt, timeout=5000) as blocker:
            click(qtbot, settings.language.apply)
        second = blocker.args[0]
        assert second is keeper.window and second is not first
        assert second.ctx.language == "zh_CN" and QLocale().name() == "zh_CN"
        assert i18n.saved_language() == "zh_CN"
        assert second.isVisible() and not first.isVisible()
        assert second.settings.tabs.currentWidget() is second.settings.language  # same page and tab
        assert second.ctx.actor == admin_ctx.actor
        assert second.settings.language.choices["zh_CN"].isChecked()
        click(qtbot, second.settings.language.choices["en"])
        with qtbot.waitSignal(keeper.rebuilt, timeout=5000) as blocker:
            click(qtbot, second.settings.language.apply)
        third = blocker.args[0]
        assert third.ctx.language == "en" and QLocale().name() == "en_US"
        assert i18n.saved_language() == "en"
        assert third.windowTitle() == "pointsmall — Points mall"
    finally:
        keeper.window.close()
        i18n.install_language("en")


def test_a_second_operator_sees_the_change(qtbot, operator_ctx, ui_db):
    """Settings changed at one till show at another when its tab reloads (settings_changed)."""
    page = open_page(qtbot, operator_ctx)
    other = make_actor(ui_db, Role.OPERATOR)
    tiers.update_tier(ui_db, other, "gold", discount_pct=85)
    operator_ctx.changes.settings_changed.emit()
    qtbot.waitUntil(lambda: page.tiers.table.item(2, 3).text() == "15% off", timeout=5000)


def test_operator_switches_the_tier_basis_to_points(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    tab = page.tiers
    tab.basis.setCurrentIndex(tab.basis.findData("points"))
    assert "review them" in tab.basis_warning.text()
    retype(qtbot, tab.window, "6")
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        click(qtbot, tab.basis_save)
    assert tab.basis_text.text() == "Tier follows points earned over the last 6 months; never the points balance."
    assert tab.table.item(1, 1).text() == "100,000 points"
    assert tab.basis_warning.text() == ""
    with ui_db.read() as session:
        stored = rules.load_rules(session)
    assert (stored.tier_basis, stored.tier_window_months) == ("points", 6)
