"""The Games setup page (游戏设置), driven as an operator drives it: type, click, pick a colour, read the screen."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QColorDialog, QLineEdit, QPushButton

from pointsmall import catalog, risk, signin, tasks, wheel, wheel_setup
from pointsmall.catalog import ItemDraft
from pointsmall.db import Database
from pointsmall.staff import Role
from tests.conftest import make_actor
from ui.context import AppContext
from ui.dialogs.wheel_editor import WheelEditorDialog
from ui.main_window import MainWindow
from ui.pages.games_setup import GamesSetupPage

from .conftest import make_context
from .ime import commit_text
from .mall_data import member

WAIT = 5000


@pytest.fixture
def operator_ctx(ui_db: Database, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.OPERATOR, language)
    yield ctx
    ctx.worker.shutdown()


def open_page(qtbot, ctx: AppContext) -> GamesSetupPage:  # type: ignore[no-untyped-def]
    page = GamesSetupPage(ctx)
    qtbot.addWidget(page)
    page.resize(1130, 760)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: not page.signin.stale and not page.signin.loading, timeout=WAIT)
    return page


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    if isinstance(widget, QAbstractButton) and not isinstance(widget, QPushButton):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_text(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    """Keys for ASCII, an input method's commit for Chinese (QTest aborts on 张)."""
    edit.setFocus()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        commit_text(edit, text)


def retype(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(qtbot, edit, text)


def saved_rules(db: Database) -> signin.SigninRules:
    with db.read() as session:
        return signin.load_signin_rules(session)


# -- the sign-in schedule ------------------------------------------------------------------------------

def test_operator_edits_and_saves_the_signin_schedule(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    editor = page.signin
    assert [e.text() for e in editor.days] == ["5", "5", "10", "5", "5", "10", "30"]
    assert "5, 5, 10, 5, 5, 10, 30 points" in editor.preview.text()
    assert "adds 50 points once that week" in editor.preview.text()

    editor.cycle_length.setFocus()
    editor.cycle_length.selectAll()
    qtbot.keyClicks(editor.cycle_length, "5")
    assert len(editor.days) == 5
    for edit, points in zip(editor.days, ("2", "4", "6", "8", "40")):
        retype(qtbot, edit, points)
    assert "2, 4, 6, 8, 40 points" in editor.preview.text()
    assert "Signing in every day of the 5-day cycle earns 60 points." in editor.preview.text()
    retype(qtbot, editor.week_bonus, "0")
    assert "The weekly challenge is off." in editor.preview.text()
    click(qtbot, editor.tier_multiplier)
    assert "Gold 1.5× (day 5: 60)" in editor.preview.text()  # 40 points on day 5, times Gold's 1.5

    retype(qtbot, editor.makeup_days, "0")  # the core's own refusal, in words, before saving
    assert editor.error.text() == "A make-up can reach back 1 to 31 days."
    assert editor.makeup_days.property("invalid") == "true"
    click(qtbot, editor.save_button)
    qtbot.wait(100)
    assert saved_rules(ui_db) == signin.SigninRules()  # refused: nothing saved
    retype(qtbot, editor.days[1], "4.5")
    retype(qtbot, editor.makeup_days, "5")
    assert "whole number" in editor.error.text() and editor.days[1].property("invalid") == "true"
    retype(qtbot, editor.days[1], "4")
    assert editor.error.text() == ""

    click(qtbot, editor.add_bonus)  # a third monthly bonus: 25 days, 80 points
    days, points, _ = editor.bonus_rows[-1]
    retype(qtbot, days, "25")
    retype(qtbot, points, "80")
    assert "25 signed days add 80 points" in editor.preview.text()
    with qtbot.waitSignal(editor.loaded, timeout=WAIT):  # the save announces games_changed; the tab reloads
        click(qtbot, editor.save_button)
    assert editor.done.text().startswith("Saved.")
    rules = saved_rules(ui_db)
    assert rules.cycle == (2, 4, 6, 8, 40) and rules.week_bonus == 0 and rules.tier_multiplier
    assert rules.makeup_days == 5 and rules.month_bonuses == ((10, 20), (20, 50), (25, 80))


def test_duplicate_monthly_bonus_days_are_refused_in_words(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    editor = page.signin
    click(qtbot, editor.add_bonus)
    days, points, _ = editor.bonus_rows[-1]
    retype(qtbot, days, "10")  # the first bonus is at 10 days already
    retype(qtbot, points, "30")
    assert "Each monthly bonus needs its own number of days" in editor.error.text()
    assert days.property("invalid") == "true"
    click(qtbot, editor.save_button)
    qtbot.wait(100)
    assert saved_rules(ui_db) == signin.SigninRules()
    _, _, remove = editor.bonus_rows[-1]
    click(qtbot, remove)
    assert editor.error.text() == "" and len(editor.bonus_rows) == 2


# -- wheels -----------------------------------------------------------------------------------------------

def open_new_wheel(qtbot, page: GamesSetupPage) -> WheelEditorDialog:  # type: ignore[no-untyped-def]
    page.show_tab(page.wheels)
    qtbot.waitUntil(lambda: page.wheels.listing is not None, timeout=WAIT)
    click(qtbot, page.wheels.new_button)
    dialog = page.wheels.editor
    assert dialog is not None and dialog.isVisible()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.segments.add_button.height() > 0, timeout=WAIT)  # laid out, clickable
    return dialog


def test_operator_builds_a_five_segment_wheel_and_the_core_spins_it(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    dialog = open_new_wheel(qtbot, page)
    rows = dialog.segments.rows
    assert len(rows) == 4 and rows[0].fallback.isChecked()
    type_text(qtbot, dialog.name, "春季大转盘")
    click(qtbot, dialog.segments.add_button)
    assert len(rows) == 5
    fifth = rows[4]
    retype(qtbot, fifth.label, "100积分")
    retype(qtbot, fifth.points, "100")
    retype(qtbot, fifth.weight, "10")
    # thanks 50, 5 pts 30, 20 pts 15, ¥5 coupon (50 pts to the budget) 5, 100 pts 10: 110 in all
    assert dialog.cost_panel.per_spin.text() == "About 15.5 points paid out per spin"
    assert dialog.cost_panel.table.item(4, 1).text() == "9.1%"
    retype(qtbot, fifth.weight, "60")  # the expected cost follows the typing
    assert dialog.cost_panel.per_spin.text() == "About 41.9 points paid out per spin"
    assert "Payout ratio 418.8% of the 10-point spin cost" in dialog.cost_panel.ratio.text()
    assert dialog.cost_panel.ratio.property("error") == "true"
    assert dialog.cost_panel.table.item(4, 1).text() == "37.5%"
    assert dialog.preview.segments()[4] == ("100积分", fifth.colour_value)

    with qtbot.waitSignal(dialog.saved, timeout=WAIT) as saved:
        click(qtbot, dialog.ok)
    view = saved.args[0]
    assert view.version == 1 and len(view.segments) == 5 and view.name == "春季大转盘"
    assert [s.weight for s in view.segments] == [50, 30, 15, 5, 60]
    qtbot.waitUntil(lambda: page.wheels.table.rowCount() == 1, timeout=WAIT)
    assert page.wheels.table.item(0, 0).text() == "春季大转盘"

    # Only the 100-point segment left with a weight: the core's spin lands there under the saved version.
    page.wheels.table.selectRow(0)
    click(qtbot, page.wheels.edit_button)
    editor = page.wheels.editor
    assert editor is not None and editor is not dialog
    for row in editor.segments.rows[:4]:
        retype(qtbot, row.weight, "0")
    assert editor.cost_panel.table.item(4, 1).text() == "100.0%"
    with qtbot.waitSignal(editor.saved, timeout=WAIT) as saved:
        click(qtbot, editor.ok)
    assert saved.args[0].version == 2
    cashier = make_actor(ui_db, Role.CASHIER)
    someone = member(ui_db, points=500)
    result = wheel.spin(ui_db, cashier, member_id=someone.id, wheel_id=view.id)
    assert (result.version, result.segment_index, result.label, result.prize_points) == (2, 4, "100积分", 100)


def test_invalid_wheel_is_refused_with_a_message_and_nothing_is_saved(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    dialog = open_new_wheel(qtbot, page)
    click(qtbot, dialog.ok)  # no name yet
    qtbot.waitUntil(lambda: dialog.error.text() == "A wheel needs a name of 1 to 64 characters.", timeout=WAIT)
    assert dialog.name.property("invalid") == "true" and dialog.isVisible()
    type_text(qtbot, dialog.name, "周末转盘")
    assert dialog.error.text() == ""
    third = dialog.segments.rows[2]
    retype(qtbot, third.weight, "lots")
    assert "whole number" in dialog.error.text() and third.weight.property("invalid") == "true"
    retype(qtbot, third.weight, "15")
    coupon = dialog.segments.rows[3]
    retype(qtbot, coupon.days, "0")
    assert dialog.error.text() == "Segment 4's coupon must stay valid for 1 to 3,650 days."
    assert coupon.days.property("invalid") == "true"
    click(qtbot, dialog.ok)
    retype(qtbot, coupon.days, "30")
    click(qtbot, dialog.segments.rows[1].fallback)  # a points segment cannot be the fallback
    assert not dialog.segments.rows[1].fallback.isEnabled()
    dialog.segments.clear_fallback()
    dialog.segments.changed.emit()
    assert "fallback segment" in dialog.error.text()
    click(qtbot, dialog.ok)
    qtbot.wait(100)
    assert wheel_setup.list_wheels(ui_db, operator_ctx.actor) == []  # nothing was saved
    click(qtbot, dialog.segments.rows[0].fallback)
    assert dialog.error.text() == ""


def test_budget_warning_and_colour_choice(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    dialog = open_new_wheel(qtbot, page)
    type_text(qtbot, dialog.name, "预算转盘")
    assert not dialog.cost_panel.warning.isVisible()
    retype(qtbot, dialog.budget, "700")  # 7 points a spin: 100 spins
    assert "pays for about 100 spins" in dialog.cost_panel.budget.text()
    retype(qtbot, dialog.expected_spins, "500")
    assert dialog.cost_panel.warning.isVisible()
    assert "fewer than the 500 expected" in dialog.cost_panel.warning.text()
    retype(qtbot, dialog.expected_spins, "80")
    assert not dialog.cost_panel.warning.isVisible()

    row = dialog.segments.rows[1]
    chooser = row.choose_colour()
    assert isinstance(chooser, QColorDialog) and chooser.isVisible()
    chooser.setCurrentColor(QColor("#123456"))
    chooser.accept()
    assert row.colour_value == "#123456"
    assert dialog.preview.segments()[1][1] == "#123456"
    with qtbot.waitSignal(dialog.saved, timeout=WAIT) as saved:
        click(qtbot, dialog.ok)
    view = saved.args[0]
    assert view.budget == 700 and view.segments[1].colour == "#123456"


def test_pausing_and_resuming_a_wheel(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    dialog = open_new_wheel(qtbot, page)
    type_text(qtbot, dialog.name, "暂停转盘")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT):
        click(qtbot, dialog.ok)
    tab = page.wheels
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT)
    tab.table.selectRow(0)
    assert tab.toggle_button.text() == "Pause"
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        click(qtbot, tab.toggle_button)
    qtbot.waitUntil(lambda: tab.table.item(0, 1).text() == "Paused", timeout=WAIT)
    assert not wheel_setup.list_wheels(ui_db, operator_ctx.actor)[0].active
    tab.table.selectRow(0)
    assert tab.toggle_button.text() == "Resume"


# -- who sees the page -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, sees", [(Role.CASHIER, False), (Role.SUPERVISOR, False), (Role.OPERATOR, True),
                                        (Role.ADMIN, True)])
def test_only_roles_that_configure_games_see_the_page(qtbot, ui_db, event_loop, language, role, sees):
    ctx = make_context(ui_db, role, language)
    window = MainWindow(ctx)
    try:
        labels = [window.nav.item(i).text() for i in range(window.nav.count())]
        assert ("Games setup" in labels) is sees
        assert (window.games_setup is not None) is sees
        if sees:
            window.show_page("games-setup")
            assert window.pages.currentWidget() is window.games_setup
    finally:
        window.close()
        window.deleteLater()
        qtbot.wait(50)
        ctx.worker.shutdown()


# -- tasks and abuse rules ----------------------------------------------------------------------------

def test_operator_adds_a_daily_task_and_the_counter_pays_it(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    tab = page.tasks
    assert tab is not None
    page.show_tab(tab)
    qtbot.waitUntil(lambda: not tab.loading and not tab.stale, timeout=WAIT)
    assert tab.empty.isVisible()
    click(qtbot, tab.new_button)
    dialog = tab.editor
    assert dialog is not None and dialog.error.text() == ""  # nothing refused before the operator types
    type_text(qtbot, dialog.name, "到店打卡")
    retype(qtbot, dialog.points, "0")
    assert dialog.error.text() == "A task pays 1 to 100,000 points."
    assert dialog.points.property("invalid") == "true"
    click(qtbot, dialog.ok)
    qtbot.wait(100)
    assert tasks.list_tasks(ui_db, operator_ctx.actor) == []  # refused: nothing saved
    retype(qtbot, dialog.points, "8")
    assert dialog.words.text() == "A member earns 8 points each time, up to 1 a business day."

    dialog.kind.setCurrentIndex(dialog.kind.findData("growth"))  # a one-time task: the limit is 1, fixed
    dialog.trigger.setCurrentIndex(dialog.trigger.findData("first_purchase"))
    assert not dialog.times.isEnabled() and dialog.times.text() == "1"
    assert dialog.words.text() == "A member earns 8 points once."
    dialog.kind.setCurrentIndex(dialog.kind.findData("daily"))
    retype(qtbot, dialog.times, "2")
    assert dialog.words.text() == "A member earns 8 points each time, up to 2 a business day."
    with qtbot.waitSignal(dialog.saved, timeout=WAIT) as saved:
        click(qtbot, dialog.ok)
    task = saved.args[0]
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT)
    assert tab.table.item(0, 0).text() == "到店打卡" and tab.table.item(0, 3).text() == "2 a day"
    someone = member(ui_db, points=0)
    paid = tasks.claim(ui_db, make_actor(ui_db, Role.CASHIER), someone.id, task.id)
    assert paid.points == 8 and paid.times == 2  # the counter pays what was saved

    tab.table.selectRow(0)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        click(qtbot, tab.toggle_button)
    qtbot.waitUntil(lambda: tab.table.item(0, 5).text() == "Off", timeout=WAIT)
    assert not tasks.list_tasks(ui_db, operator_ctx.actor)[0].active


def test_operator_adds_an_abuse_rule_in_plain_words(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    tab = page.risk
    assert tab is not None
    page.show_tab(tab)
    qtbot.waitUntil(lambda: not tab.loading and not tab.stale, timeout=WAIT)
    click(qtbot, tab.new_button)
    dialog = tab.editor
    assert dialog is not None
    type_text(qtbot, dialog.name, "签到过快")
    retype(qtbot, dialog.threshold, "lots")
    assert "whole number" in dialog.error.text() and dialog.threshold.property("invalid") == "true"
    click(qtbot, dialog.ok)
    qtbot.wait(100)
    assert risk.list_rules(ui_db, operator_ctx.actor) == []
    retype(qtbot, dialog.threshold, "3")
    dialog.metric_box.setCurrentIndex(dialog.metric_box.findData("sign_ins"))
    retype(qtbot, dialog.window_edit, "2")
    dialog.unit.setCurrentIndex(dialog.unit.findData(24 * 60))
    click(qtbot, dialog.block)
    assert dialog.words.text() == ("Flag a member who earns more than 3 sign-ins within 2 days: those earnings go "
                                   "to the review queue. The member cannot redeem or spin until a supervisor has "
                                   "decided.")
    retype(qtbot, dialog.window_edit, "40")  # 40 days: more than the core allows
    assert dialog.error.text() == "The window is 1 minute to 31 days."
    retype(qtbot, dialog.window_edit, "2")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT):
        click(qtbot, dialog.ok)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT)
    rule = risk.list_rules(ui_db, operator_ctx.actor)[0]
    assert (rule.metric, rule.window_minutes, rule.threshold, rule.block_redeem) == ("sign_ins", 2880, 3, True)
    assert tab.table.item(0, 1).text().startswith("Flag a member who earns more than 3 sign-ins within 2 days")
    tab.table.selectRow(0)
    click(qtbot, tab.edit_button)  # the editor shows the window in the unit it was typed in
    assert tab.editor is not None and tab.editor is not dialog
    assert tab.editor.window_edit.text() == "2" and tab.editor.unit.currentData() == 24 * 60


def test_an_item_prize_stays_chosen_when_a_wheel_is_edited(qtbot, operator_ctx, ui_db):
    """The item combo once lost its choice on reopening (ids compared as objects): the prize became "choose"."""
    bag = catalog.save_item(ui_db, operator_ctx.actor, ItemDraft(sku="BAG-01", name="环保购物袋", category="生活",
                                                                 price_points=150))
    dialog_page = open_page(qtbot, operator_ctx)
    dialog = open_new_wheel(qtbot, dialog_page)
    type_text(qtbot, dialog.name, "商品转盘")
    row = dialog.segments.rows[3]
    row.kind.setCurrentIndex(row.kind.findData("item"))
    retype(qtbot, row.value, "")
    retype(qtbot, row.label, "")
    row.item.setCurrentIndex(row.item.findData(str(bag.id)))
    assert row.label.text() == "环保购物袋"  # an empty label takes the item's name
    assert row.value.text() == "150"  # what the mall asks for it, as a first guess of its cost
    with qtbot.waitSignal(dialog.saved, timeout=WAIT) as saved:
        click(qtbot, dialog.ok)
    view = saved.args[0]
    assert view.segments[3].item_id == bag.id and view.segments[3].item_name == "环保购物袋"
    qtbot.waitUntil(lambda: dialog_page.wheels.table.rowCount() == 1, timeout=WAIT)
    catalog.set_active(ui_db, operator_ctx.actor, bag.id, False)  # off sale: still the prize this wheel gives
    with qtbot.waitSignal(dialog_page.wheels.loaded, timeout=WAIT):
        operator_ctx.changes.catalog_changed.emit()
    dialog_page.wheels.table.selectRow(0)
    editor = dialog_page.wheels.open_editor(dialog_page.wheels.selected())
    assert editor is not None
    assert editor.segments.rows[3].item.currentText() == "环保购物袋 (BAG-01)"
    assert editor.read()[0].segments[3].item_id == bag.id


def test_unsaved_schedule_edits_survive_another_games_change(qtbot, operator_ctx, ui_db):
    page = open_page(qtbot, operator_ctx)
    editor = page.signin
    retype(qtbot, editor.days[6], "50")
    with qtbot.waitSignal(editor.loaded, timeout=WAIT):
        operator_ctx.changes.games_changed.emit()  # e.g. a wheel was published meanwhile
    assert editor.days[6].text() == "50" and "10, 50 points" in editor.preview.text()
