"""Adjusting a member's points by hand: how many, why, and above a limit, who approves.

Only staff who may adjust points see the button that opens this; the core
checks the permission again. Above the configured limit a second staff
member with approval rights types their own user name and password here,
and the core checks them in the same transaction as the adjustment. The
request id is made when the dialog opens, so pressing OK twice (or a retry
after a lost reply) adjusts once. A refusal is shown next to its field and
nothing is written.
"""
from __future__ import annotations

import unicodedata
import uuid
from typing import Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from pointsmall import adjustments
from pointsmall.adjustments import Approval, ReasonCategory
from pointsmall.errors import (AccountLocked, ApprovalRequired, AuthenticationFailed, DomainError,
                               InsufficientPoints, PermissionDenied, ValidationError)
from pointsmall.members import MemberView
from pointsmall.staff import Permission

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import points as point_ops
from .fields import FieldGrid
from .style import members_style_sheet

FIELDS = ("points", "reason_category", "note", "approver")


def parse_points(text: str) -> int | None:
    """"+100", "-50", "1,000", full-width "１００" or "−50" as an int; None when it is not a whole number."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace("−", "-").replace(",", "").replace(" ", "")
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("+-")
    if not digits.isdigit() or len(cleaned) - len(digits) > 1 or len(digits) > 9:
        return None
    return sign * int(digits)


class AdjustPointsDialog(QDialog):
    adjusted = Signal(object)  # adjustments.AdjustResult

    def __init__(self, ctx: AppContext, member: MemberView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adjustPointsDialog")
        self.ctx = ctx
        self.member = member
        self.request_id = uuid.uuid4().hex  # one per opened dialog: a double submit adjusts once
        self.limit: int | None = None
        self._touched: set[str] = set()
        self._server_errors: dict[str, str] = {}
        self.setWindowTitle(self.tr("Adjust points — {name}").format(name=member.name))
        self.setMinimumWidth(560)
        self.setStyleSheet(members_style_sheet())

        who = QLabel(self.tr("{name} · card {card} · balance {points}").format(
            name=member.name, card=member.card_code, points=i18n.points(member.balance)), objectName="adjustMember")
        who.setProperty("heading", True)
        who.setWordWrap(True)
        self.points = QLineEdit(objectName="adjustPoints")
        self.points.setMaxLength(12)
        self.points.setPlaceholderText(self.tr("e.g. 100 to add, -100 to deduct"))
        self.preview = QLabel(objectName="adjustPreview")
        self.preview.setProperty("hint", True)
        self.reason = QComboBox(objectName="adjustReason")
        self.reason.setPlaceholderText(self.tr("Choose a reason…"))
        for category, words in self.reason_words().items():
            self.reason.addItem(words, category.value)
        self.reason.setCurrentIndex(-1)
        self.note = QLineEdit(objectName="adjustNote")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("Why? e.g. wrong receipt amount on 3 May"))
        self.errors = {f: self._error_label(f) for f in FIELDS}
        self.general = self._error_label("general")

        self.approver_box = QGroupBox(self.tr("Approval by a second staff member"), objectName="approverBox")
        self.approver_hint = QLabel(objectName="approverHint")
        self.approver_hint.setProperty("hint", True)
        self.approver_hint.setWordWrap(True)
        self.approver_user = QLineEdit(objectName="approverUser")
        self.approver_user.setPlaceholderText(self.tr("Approver's user name"))
        self.approver_secret = QLineEdit(objectName="approverSecret")
        self.approver_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.approver_secret.setPlaceholderText(self.tr("Approver's password"))
        approver_form = FieldGrid(self.approver_box)
        approver_form.add_wide(self.approver_hint)
        approver_form.add_field(self.tr("User"), self.approver_user)
        approver_form.add_field(self.tr("Password"), self.approver_secret, self.errors["approver"])
        self.approver_box.hide()

        form = FieldGrid()
        form.add_field(self.tr("Points"), self.points, self.preview, self.errors["points"])
        form.add_field(self.tr("Reason"), self.reason, self.errors["reason_category"])
        form.add_field(self.tr("Note"), self.note, self.errors["note"])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(self.tr("Adjust"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_label = self.ok.text()
        self.ok.setObjectName("adjustOk")
        self.ok.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(who)
        layout.addLayout(form)
        layout.addWidget(self.approver_box)
        layout.addWidget(self.general)
        layout.addStretch()
        layout.addWidget(self.buttons)

        self.points.textEdited.connect(lambda _t: self._edited("points"))
        self.reason.currentIndexChanged.connect(lambda _i: self._edited("reason_category"))
        self.note.textEdited.connect(lambda _t: self._edited("note"))
        self.approver_user.textEdited.connect(lambda _t: self._edited("approver"))
        self.approver_secret.textEdited.connect(lambda _t: self._edited("approver"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.validate()
        self.load_limit()

    def reason_words(self) -> dict[ReasonCategory, str]:
        return {
            ReasonCategory.GOODWILL: self.tr("Goodwill (making up for a problem)"),
            ReasonCategory.CORRECTION: self.tr("Correction of a mistake at the till"),
            ReasonCategory.PROMOTION: self.tr("Promotion or event"),
            ReasonCategory.MIGRATION: self.tr("Points from an old system"),
            ReasonCategory.OTHER: self.tr("Other"),
        }

    def _error_label(self, field: str) -> QLabel:
        label = QLabel(objectName=f"adjustError_{field}")
        label.setProperty("error", True)
        label.setWordWrap(True)
        label.hide()
        return label

    @asyncSlot()
    async def load_limit(self) -> None:
        try:
            limit = await point_ops.adjust_limit(self.ctx)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self.general.setText(error_text(exc))
                self.general.show()
            return
        if shiboken6.isValid(self):
            self.limit = limit
            self.validate()

    # -- checking as the person types -----------------------------------------------------

    def points_value(self) -> int | None:
        return parse_points(self.points.text())

    def needs_approval(self) -> bool:
        value = self.points_value()
        return value is not None and self.limit is not None and abs(value) > self.limit

    def _edited(self, field: str) -> None:
        self._touched.add(field)
        self._server_errors.pop(field, None)
        self.general.hide()
        self.validate()

    def field_errors(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        value = self.points_value()
        category = self.reason.currentData() or ""
        if value is None:
            problems["points"] = self.tr("Enter a whole number of points, e.g. 100 or -100.")
        checks: list[tuple[str, Any]] = [
            ("points", lambda: adjustments.validate_adjustment(value, ReasonCategory.OTHER.value, "ok")),
            ("reason_category", lambda: adjustments.validate_adjustment(1, category, "ok")),
            ("note", lambda: adjustments.validate_adjustment(1, ReasonCategory.OTHER.value, self.note.text())),
        ]
        for field, check in checks:
            if field in problems:
                continue
            try:
                check()
            except DomainError as exc:
                problems[field] = error_text(exc)
        if self.needs_approval() and not (self.approver_user.text().strip() and self.approver_secret.text()):
            problems["approver"] = self.tr("The approver types their user name and password.")
        problems.update(self._server_errors)
        return problems

    def validate(self) -> bool:
        value = self.points_value()
        if value:
            self.preview.setText(self.tr("Balance after: {points}").format(
                points=i18n.points(self.member.balance + value)))
        else:
            self.preview.clear()
        if self.limit is not None:
            self.approver_hint.setText(self.tr("Over {limit} points: another supervisor signs in here to approve.")
                                       .format(limit=i18n.points(self.limit)))
        self.approver_box.setVisible(self.needs_approval() or "approver" in self._server_errors)
        problems = self.field_errors()
        for field, label in self.errors.items():
            shown = field in self._touched or field in self._server_errors
            text = problems.get(field, "") if shown else ""
            label.setText(text)
            label.setVisible(bool(text))
        self.ok.setEnabled(not problems and self.limit is not None)
        return not problems

    # -- adjusting -------------------------------------------------------------------------

    @asyncSlot()
    async def submit(self) -> None:
        self._touched.update(FIELDS)
        value = self.points_value()
        if not self.validate() or value is None or self.limit is None:
            return
        approval = None
        if self.needs_approval():
            approval = Approval(self.approver_user.text().strip(), self.approver_secret.text())
        self.ok.setEnabled(False)
        self.ok.setText(self.tr("Checking and adjusting…"))
        self.general.hide()
        try:
            result = await point_ops.adjust(self.ctx, self.member.id, value, self.reason.currentData(),
                                            self.note.text(), approval, self.request_id)
        except DomainError as exc:
            self._show_refusal(exc)
            return
        except Exception as exc:  # never swallowed
            self.general.setText(error_text(exc))
            self.general.show()
            return
        finally:
            if shiboken6.isValid(self):  # the window may have been closed and deleted meanwhile
                self.ok.setText(self.ok_label)
                self.validate()
        if not shiboken6.isValid(self):
            return
        self.adjusted.emit(result)
        self.accept()

    def _show_refusal(self, exc: DomainError) -> None:
        field = ""
        if isinstance(exc, ApprovalRequired):
            self.limit = int(exc.params.get("limit", self.limit or 0))  # the limit changed meanwhile
            field = "approver"
        elif isinstance(exc, (AuthenticationFailed, AccountLocked)):
            field = "approver"
            self.approver_secret.clear()
        elif isinstance(exc, PermissionDenied) and self.ctx.can(Permission.POINTS_ADJUST):
            field = "approver"  # we may adjust, so it is the approver who may not approve
        elif isinstance(exc, InsufficientPoints):
            field = "points"
        elif isinstance(exc, ValidationError) and exc.field in FIELDS:
            field = exc.field
        if not field:
            self.general.setText(error_text(exc))
            self.general.show()
            return
        self._server_errors[field] = error_text(exc)
        focus = {"points": self.points, "reason_category": self.reason, "note": self.note,
                 "approver": self.approver_secret if self.approver_user.text() else self.approver_user}[field]
        focus.setFocus()


def open_adjust_points(ctx: AppContext, member: MemberView, parent: QWidget | None = None) -> AdjustPointsDialog:
    """Open the adjustment dialog window-modal; listen to ``adjusted`` for the result."""
    dialog = AdjustPointsDialog(ctx, member, parent)
    dialog.open()
    return dialog
