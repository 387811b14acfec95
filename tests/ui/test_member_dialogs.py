"""Registering and editing members, adjusting points, freezing and clearing flags, through the dialogs."""
from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from pointsmall import adjustments, members, purchases, rules
from pointsmall.errors import PermissionDenied
from pointsmall.models import PointEntry, Staff
from pointsmall.staff import Role
from tests.conftest import STAFF_SECRET, make_actor
from ui.dialogs.adjust_points import AdjustPointsDialog, parse_points
from ui.dialogs.member_detail import MemberDetailDialog
from ui.dialogs.member_edit import MemberEditDialog, parse_birthday
from ui.dialogs.reason import ReasonDialog
from ui.ops import points as point_ops
from ui.pages.members import MembersPage

from .ime import commit_text

LEFT = Qt.MouseButton.LeftButton


def open_detail(qtbot, ctx, member_id) -> MemberDetailDialog:  # type: ignore[no-untyped-def]
    detail = MemberDetailDialog(ctx, member_id)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitUntil(lambda: detail.member is not None, timeout=5000)
    return detail


def open_adjust(qtbot, detail: MemberDetailDialog) -> AdjustPointsDialog:  # type: ignore[no-untyped-def]
    assert detail.adjust_button.isVisible() and detail.adjust_button.isEnabled()
    qtbot.mouseClick(detail.adjust_button, LEFT)
    dialog = detail.child
    assert isinstance(dialog, AdjustPointsDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.limit is not None, timeout=5000)
    return dialog


def fill_adjustment(qtbot, dialog: AdjustPointsDialog, points: str, note: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.points, points)
    dialog.reason.setFocus()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)  # the first reason: goodwill
    commit_text(dialog.note, note)


def entries(db, member_id) -> list[PointEntry]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        rows = list(session.scalars(select(PointEntry).where(PointEntry.member_id == member_id)))
        session.expunge_all()
        return rows


def failed_logins(db, username: str) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalars(select(Staff.failed_logins).where(Staff.username == username)).one()


# -- registering and editing ------------------------------------------------------

def test_register_a_member_with_inline_checks_as_the_phone_is_typed(qtbot, supervisor_ctx):
    page = MembersPage(supervisor_ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.mouseClick(page.new_button, LEFT)
    dialog = page.editor
    assert isinstance(dialog, MemberEditDialog) and dialog.isVisible()
    assert not dialog.ok.isEnabled()  # nothing typed yet
    commit_text(dialog.name, "张三丰")
    qtbot.keyClicks(dialog.phone, "1380013")
    assert dialog.errors["phone"].isVisible()
    assert "11 digits" in dialog.errors["phone"].text()
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.phone, "8000")
    assert not dialog.errors["phone"].isVisible()
    assert dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.birthday, "1990-13-01")
    assert dialog.errors["birthday"].isVisible() and not dialog.ok.isEnabled()
    dialog.birthday.clear()
    qtbot.keyClicks(dialog.birthday, "1990-05-31")
    assert not dialog.errors["birthday"].isVisible() and dialog.ok.isEnabled()
    dialog.consent.setFocus()
    qtbot.keyClick(dialog.consent, Qt.Key.Key_Space)
    assert dialog.consent.isChecked()
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        qtbot.mouseClick(dialog.ok, LEFT)
    view = saved.args[0]
    assert (view.name, view.phone, view.consent) == ("张三丰", "13800138000", True)
    assert view.birthday.isoformat() == "1990-05-31"
    assert not dialog.isVisible()
    # The new member opens, and the table has it.
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.member is not None, timeout=5000)
    assert page.detail.member.id == view.id
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)


def test_a_phone_that_belongs_to_someone_else_is_refused_next_to_the_field(qtbot, supervisor_ctx):
    members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="李四", phone="13800138000")
    dialog = MemberEditDialog(supervisor_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    commit_text(dialog.name, "张三丰")
    qtbot.keyClicks(dialog.phone, "138 0013 8000")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.errors["phone"].isVisible(), timeout=5000)
    assert "already belongs to member 李四" in dialog.errors["phone"].text()
    assert dialog.isVisible() and not dialog.ok.isEnabled()
    with supervisor_ctx.db.read() as session:
        assert members.count_members(session) == 1  # nothing written
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.phone, "1")
    assert not dialog.errors["phone"].isVisible() and dialog.ok.isEnabled()


def test_a_card_that_belongs_to_someone_else_is_refused_next_to_the_card(qtbot, supervisor_ctx):
    other = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="李四", phone="13800138000")
    dialog = MemberEditDialog(supervisor_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    commit_text(dialog.name, "王芳")
    qtbot.keyClicks(dialog.phone, "13900139000")
    qtbot.keyClicks(dialog.card, other.card_code[:-1] + str((int(other.card_code[-1]) + 1) % 10))
    assert "check digit" in dialog.errors["card_code"].text() and not dialog.ok.isEnabled()
    dialog.card.clear()
    qtbot.keyClicks(dialog.card, other.card_code)
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.errors["card_code"].isVisible(), timeout=5000)
    assert "already belongs to member 李四" in dialog.errors["card_code"].text()


def test_a_cashier_edits_a_member_without_seeing_the_full_phone(qtbot, cashier_ctx):
    view = members.create_member(cashier_ctx.db, cashier_ctx.actor, name="王芳", phone="13800138000")
    detail = open_detail(qtbot, cashier_ctx, view.id)
    assert not detail.adjust_button.isVisibleTo(detail)
    qtbot.mouseClick(detail.edit_button, LEFT)
    dialog = detail.child
    assert isinstance(dialog, MemberEditDialog)
    assert dialog.phone.text() == "" and "138****8000" in dialog.phone_hint.text()
    assert dialog.ok.isEnabled()  # an empty phone keeps the old one
    dialog.name.selectAll()
    commit_text(dialog.name, "王芳芳")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: detail.member.name == "王芳芳", timeout=5000)
    with cashier_ctx.db.read() as session:
        assert members.search_in(session, cashier_ctx.actor, "13800138000").members[0].name == "王芳芳"


def test_parsing_what_people_type():
    assert parse_points("+100") == 100
    assert parse_points("-1,000") == -1000
    assert parse_points("１００") == 100  # full-width digits from a Chinese input method
    assert parse_points("−50") == -50
    assert parse_points("1e3") is None and parse_points("--5") is None and parse_points("") is None
    assert parse_birthday("") is None
    assert parse_birthday("1990/5/31").isoformat() == "1990-05-31"
    assert parse_birthday("1990年5月31日").isoformat() == "1990-05-31"
    assert parse_birthday("19900531").isoformat() == "1990-05-31"
    with pytest.raises(ValueError):
        parse_birthday("1990-02-30")


# -- adjusting points --------------------------------------------------------------

def test_a_supervisor_adjusts_100_points_and_the_detail_shows_it(qtbot, supervisor_ctx):
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    assert detail.card.balance.text() == "0" and detail.ledger.rowCount() == 0
    dialog = open_adjust(qtbot, detail)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.points, "100")
    assert not dialog.approver_box.isVisible()
    assert dialog.preview.text() == "Balance after: 100"
    assert not dialog.ok.isEnabled()  # no reason or note yet
    dialog.reason.setFocus()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)
    assert dialog.reason.currentData() == "goodwill"
    commit_text(dialog.note, "补")
    assert dialog.errors["note"].isVisible() and not dialog.ok.isEnabled()  # at least 2 characters
    commit_text(dialog.note, "偿")
    assert dialog.ok.isEnabled()
    with qtbot.waitSignal(dialog.adjusted, timeout=5000) as adjusted:
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    assert adjusted.args[0].balance == 100
    qtbot.waitUntil(lambda: detail.card.balance.text() == "100", timeout=5000)
    qtbot.waitUntil(lambda: detail.ledger.rowCount() == 1, timeout=5000)
    assert detail.ledger.entry(0).note == "补偿"


def test_a_double_submit_adjusts_once(qtbot, supervisor_ctx):
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    dialog = open_adjust(qtbot, detail)
    fill_adjustment(qtbot, dialog, "100", "补偿")
    dialog.submit()
    dialog.submit()  # the second press of a double click, before the first came back
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    qtbot.wait(300)
    assert dialog.ok.text() == "Adjust"
    assert [e.points for e in entries(supervisor_ctx.db, view.id)] == [100]


def test_800_points_need_a_second_supervisor(qtbot, supervisor_ctx, ui_db):
    make_actor(ui_db, Role.SUPERVISOR, "zhaoqiang")
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    dialog = open_adjust(qtbot, detail)
    fill_adjustment(qtbot, dialog, "800", "旧系统积分迁移")
    assert dialog.approver_box.isVisible()
    assert "500" in dialog.approver_hint.text()
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.approver_user, "zhaoqiang")
    qtbot.keyClicks(dialog.approver_secret, "wrong-password")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.errors["approver"].isVisible(), timeout=5000)
    assert dialog.errors["approver"].text() == "Wrong user name or password."
    assert dialog.isVisible() and dialog.approver_secret.text() == ""
    assert entries(supervisor_ctx.db, view.id) == []  # nothing written
    assert failed_logins(ui_db, "zhaoqiang") == 1  # but the wrong password counts towards the lock-out
    qtbot.keyClicks(dialog.approver_secret, STAFF_SECRET)
    with qtbot.waitSignal(dialog.adjusted, timeout=5000) as adjusted:
        qtbot.mouseClick(dialog.ok, LEFT)
    assert adjusted.args[0].approved_by == "zhaoqiang"
    qtbot.waitUntil(lambda: detail.card.balance.text() == "800", timeout=5000)
    [entry] = entries(supervisor_ctx.db, view.id)
    assert entry.points == 800 and entry.approved_by is not None


def test_approving_your_own_adjustment_is_refused(qtbot, supervisor_ctx):
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    dialog = open_adjust(qtbot, detail)
    fill_adjustment(qtbot, dialog, "800", "迁移")
    qtbot.keyClicks(dialog.approver_user, supervisor_ctx.actor.username)
    qtbot.keyClicks(dialog.approver_secret, STAFF_SECRET)
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.errors["approver"].isVisible(), timeout=5000)
    assert "different staff member" in dialog.errors["approver"].text()
    assert entries(supervisor_ctx.db, view.id) == []


def test_a_limit_lowered_meanwhile_asks_for_approval_inline(qtbot, supervisor_ctx, ui_db):
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    dialog = open_adjust(qtbot, detail)
    rules.update_rules(ui_db, make_actor(ui_db, Role.ADMIN), adjust_limit=50)  # at another till
    fill_adjustment(qtbot, dialog, "100", "补偿")
    assert not dialog.approver_box.isVisible()
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.errors["approver"].isVisible(), timeout=5000)
    assert "above 50 points" in dialog.errors["approver"].text()
    assert dialog.approver_box.isVisible() and dialog.limit == 50
    assert entries(supervisor_ctx.db, view.id) == []


def test_deducting_more_than_the_balance_is_refused_at_the_points(qtbot, supervisor_ctx):
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    dialog = open_adjust(qtbot, detail)
    fill_adjustment(qtbot, dialog, "-100", "更正")
    assert dialog.preview.text() == "Balance after: -100"
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.errors["points"].isVisible(), timeout=5000)
    assert dialog.errors["points"].text().startswith("Not enough points")
    assert entries(supervisor_ctx.db, view.id) == []


def test_a_cashier_has_no_adjust_button_and_the_core_refuses_anyway(qtbot, cashier_ctx):
    view = members.create_member(cashier_ctx.db, cashier_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, cashier_ctx, view.id)
    assert not detail.adjust_button.isVisibleTo(detail)
    assert not detail.freeze_button.isVisibleTo(detail)
    future = asyncio.ensure_future(point_ops.adjust(cashier_ctx, view.id, 100, "goodwill", "补偿", None, "req-1"))
    qtbot.waitUntil(future.done, timeout=5000)
    assert isinstance(future.exception(), PermissionDenied)
    assert entries(cashier_ctx.db, view.id) == []


# -- freezing and the review flag ------------------------------------------------------

def test_a_supervisor_freezes_and_unfreezes_with_a_reason(qtbot, supervisor_ctx):
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="张三丰", phone="13800138000")
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    assert detail.freeze_button.text() == "Freeze"
    qtbot.mouseClick(detail.freeze_button, LEFT)
    reason = detail.child
    assert isinstance(reason, ReasonDialog) and not reason.ok.isEnabled()
    commit_text(reason.reason, "疑似盗刷")
    qtbot.keyClick(reason.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: detail.member.status == "frozen", timeout=5000)
    assert not reason.isVisible()
    assert detail.freeze_button.text() == "Unfreeze" and not detail.adjust_button.isEnabled()
    qtbot.mouseClick(detail.freeze_button, LEFT)
    commit_text(detail.child.reason, "已核实")
    qtbot.mouseClick(detail.child.ok, LEFT)
    qtbot.waitUntil(lambda: detail.member.status == "active", timeout=5000)
    assert detail.adjust_button.isEnabled()


def test_clearing_a_review_flag_is_refused_inline_while_the_balance_is_negative(qtbot, supervisor_ctx):
    db, actor = supervisor_ctx.db, supervisor_ctx.actor
    view = members.create_member(db, actor, name="张三丰", phone="13800138000")
    purchases.award_for_purchase(db, actor, member_id=view.id, receipt_no="R1", amount_fen=50_000)
    adjustments.adjust_points(db, actor, member_id=view.id, points=-400, reason_category="correction", note="兑换")
    purchases.refund_purchase(db, actor, receipt_no="R1", refund_no="RF1", amount_fen=50_000)
    detail = open_detail(qtbot, supervisor_ctx, view.id)
    assert detail.member.needs_review and detail.review_button.isVisible()
    assert detail.card.warning.isVisible()
    qtbot.mouseClick(detail.review_button, LEFT)
    dialog = detail.child
    commit_text(dialog.reason, "已核对小票")
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "below zero" in dialog.error.text() and dialog.isVisible()
    dialog.reject()
    adjustments.adjust_points(db, actor, member_id=view.id, points=400, reason_category="correction", note="补回")
    supervisor_ctx.changes.member_changed.emit(view.id)
    qtbot.waitUntil(lambda: detail.member.balance == 0, timeout=5000)
    qtbot.mouseClick(detail.review_button, LEFT)
    commit_text(detail.child.reason, "已核对小票")
    qtbot.mouseClick(detail.child.ok, LEFT)
    qtbot.waitUntil(lambda: not detail.member.needs_review, timeout=5000)
    assert not detail.review_button.isVisible()
