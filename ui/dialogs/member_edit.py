"""Registering a member, or editing one, with every field checked as it is typed.

The checks are the core's own (``members.normalise_name``,
``normalise_phone``, ``is_card_code``), run in a try as the person types, so
the words under a field are the words the service would refuse with. What
only the database knows (a phone or card that already belongs to someone)
comes back from the save as a ``Conflict`` and is shown under that field.
The save button is enabled only while everything is valid.

A cashier who may not see full phone numbers edits a member without seeing
the old number: the phone field starts empty and an empty field keeps it.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from pointsmall import members
from pointsmall.errors import Conflict, DomainError, ValidationError
from pointsmall.members import MemberView
from pointsmall.staff import Permission

from ..context import AppContext
from ..messages import error_text
from ..ops import members as member_ops
from .fields import FieldGrid
from .style import members_style_sheet

FIELDS = ("name", "phone", "card_code", "birthday")
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


def parse_birthday(text: str) -> date | None:
    """"1990-05-31", "1990/5/31", "19900531" or "1990年5月31日"; None when empty. Raises ValueError."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace(" ", "")
    if not cleaned:
        return None
    match = _DATE_RE.match(cleaned)
    if match is None:
        raise ValueError(cleaned)
    year, month, day = (int(g) for g in match.groups() if g is not None)
    return date(year, month, day)


class MemberEditDialog(QDialog):
    saved = Signal(object)  # MemberView

    def __init__(self, ctx: AppContext, member: MemberView | None = None, parent: QWidget | None = None, *,
                 name: str = "", phone: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("memberEditDialog")
        self.ctx = ctx
        self.member = member
        self._keep_phone = member is not None and not ctx.can(Permission.PHONE_VIEW_FULL)
        self._touched: set[str] = set()
        self._server_errors: dict[str, str] = {}
        self.setWindowTitle(self.tr("New member") if member is None else self.tr("Edit member"))
        self.setMinimumWidth(560)
        self.setStyleSheet(members_style_sheet())

        self.name = QLineEdit(objectName="editName")
        self.name.setMaxLength(members.MAX_NAME)
        self.name.setPlaceholderText(self.tr("e.g. 张三丰"))
        self.phone = QLineEdit(objectName="editPhone")
        self.phone.setMaxLength(20)
        self.phone.setPlaceholderText(self.tr("11-digit mobile, e.g. 138 0013 8000"))
        self.card = QLineEdit(objectName="editCard")
        self.card.setMaxLength(16)
        self.card.setPlaceholderText(self.tr("Scan a card, or leave empty for a new number"))
        self.birthday = QLineEdit(objectName="editBirthday")
        self.birthday.setMaxLength(12)
        self.birthday.setPlaceholderText(self.tr("Optional, e.g. 1990-05-31"))
        self.consent = QCheckBox(self.tr("Agrees to the privacy policy"), objectName="editConsent")
        consent_hint = QLabel(self.tr("Personal data is kept for the membership; messages only with consent."),
                              objectName="editConsentHint")
        consent_hint.setProperty("hint", True)
        consent_hint.setWordWrap(True)
        self.errors = {f: self._error_label(f) for f in FIELDS}
        self.general = self._error_label("general")

        self.phone_hint = QLabel(objectName="editPhoneHint")
        self.phone_hint.setProperty("hint", True)
        self.phone_hint.setWordWrap(True)
        form = FieldGrid()
        form.add_field(self.tr("Name"), self.name, self.errors["name"])
        form.add_field(self.tr("Mobile"), self.phone, self.phone_hint, self.errors["phone"])
        if member is None:
            form.add_field(self.tr("Card"), self.card, self.errors["card_code"])
        else:
            self.card.hide()
        form.add_field(self.tr("Birthday"), self.birthday, self.errors["birthday"])
        form.add_field(self.tr("Privacy"), self.consent, consent_hint)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(self.tr("Register") if member is None else self.tr("Save"),
                                         QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_label = self.ok.text()
        self.ok.setObjectName("memberSave")
        self.ok.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addStretch()
        layout.addWidget(self.buttons)

        self._fill(member, name, phone)
        for field, edit in self._edits().items():
            edit.textEdited.connect(lambda _text, f=field: self._edited(f))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.validate()

    def _error_label(self, field: str) -> QLabel:
        label = QLabel(objectName=f"editError_{field}")
        label.setProperty("error", True)
        label.setWordWrap(True)
        label.hide()
        return label

    def _fill(self, member: MemberView | None, name: str, phone: str) -> None:
        if member is None:
            self.name.setText(name)
            self.phone.setText(phone)
            self.phone_hint.hide()
            self._touched.update(f for f, v in (("name", name), ("phone", phone)) if v)
            return
        self.name.setText(member.name)
        if self._keep_phone:
            self.phone_hint.setText(self.tr("Now {phone}. Leave empty to keep it, or type the new number.")
                                    .format(phone=member.phone))
        else:
            self.phone.setText(member.phone)
            self.phone_hint.hide()
        if member.birthday is not None:
            self.birthday.setText(member.birthday.isoformat())
        self.consent.setChecked(member.consent)
        self._touched.update(("name", "phone"))

    # -- checking as the person types ----------------------------------------------

    def _edited(self, field: str) -> None:
        self._touched.add(field)
        self._server_errors.pop(field, None)
        self.general.hide()
        self.validate()

    def _edits(self) -> dict[str, QLineEdit]:
        return {"name": self.name, "phone": self.phone, "card_code": self.card, "birthday": self.birthday}

    def field_errors(self) -> dict[str, str]:
        """What is wrong with each field now, in the core's words (empty when all is well)."""
        problems: dict[str, str] = {}
        checks: list[tuple[str, Any]] = [("name", lambda: members.normalise_name(self.name.text()))]
        if not (self._keep_phone and not self.phone.text().strip()):
            checks.append(("phone", lambda: members.normalise_phone(self.phone.text())))
        if self.member is None and self.card.text().strip():
            checks.append(("card_code", self._check_card))
        for field, check in checks:
            try:
                check()
            except DomainError as exc:
                problems[field] = error_text(exc)
        try:
            parse_birthday(self.birthday.text())
        except ValueError:
            problems["birthday"] = self.tr("Type the birthday as 1990-05-31, or leave it empty.")
        problems.update(self._server_errors)
        return problems

    def _check_card(self) -> None:
        code = "".join(self.card.text().split()).replace("-", "")
        if not members.is_card_code(code):
            raise ValidationError("A card code has 12 digits with a valid check digit; check for a typo.",
                                  field="card_code")

    def validate(self) -> bool:
        problems = self.field_errors()
        for field, label in self.errors.items():
            text = problems.get(field, "") if field in self._touched or field in self._server_errors else ""
            label.setText(text)
            label.setVisible(bool(text))
            edit = self._edits()[field]
            edit.setProperty("invalid", bool(text))
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        self.ok.setEnabled(not problems)
        return not problems

    def birthday_value(self) -> date | None:
        try:
            return parse_birthday(self.birthday.text())
        except ValueError:
            return None

    # -- saving ------------------------------------------------------------------------

    @asyncSlot()
    async def submit(self) -> None:
        self._touched.update(FIELDS)
        if not self.validate():
            return
        self.ok.setEnabled(False)
        self.ok.setText(self.tr("Saving…"))
        self.general.hide()
        try:
            view = await self._save()
        except DomainError as exc:  # shown next to the field it is about
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
        self.saved.emit(view)
        self.accept()

    async def _save(self) -> MemberView:
        name, birthday = self.name.text(), self.birthday_value()
        if self.member is None:
            card = self.card.text().strip() or None
            return await member_ops.create(self.ctx, name=name, phone=self.phone.text(), card_code=card,
                                           birthday=birthday, consent=self.consent.isChecked())
        phone = self.phone.text() if self.phone.text().strip() else None
        return await member_ops.update(self.ctx, self.member.id, name=name, phone=phone, birthday=birthday,
                                       clear_birthday=birthday is None, consent=self.consent.isChecked())

    def _show_refusal(self, exc: DomainError) -> None:
        field = ""
        if isinstance(exc, ValidationError) and exc.field in FIELDS:
            field = exc.field
        elif isinstance(exc, Conflict):
            field = "card_code" if "card" in exc.params else "phone" if "phone" in exc.params else ""
        if field and (field != "card_code" or self.member is None):
            self._server_errors[field] = error_text(exc)
            self._edits()[field].setFocus()
        else:
            self.general.setText(error_text(exc))
            self.general.show()


def open_member_editor(ctx: AppContext, parent: QWidget | None = None, member: MemberView | None = None, *,
                       name: str = "", phone: str = "") -> MemberEditDialog:
    """Open registration (no ``member``) or editing, window-modal; listen to ``saved`` for the result."""
    dialog = MemberEditDialog(ctx, member, parent, name=name, phone=phone)
    dialog.open()
    return dialog
