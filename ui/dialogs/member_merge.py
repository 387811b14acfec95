"""The duplicate-phone case's two decisions: merge the two accounts of one person, or correct a phone.

``MemberMergeDialog`` shows both members side by side (name, phone, card,
balance, tier, the store they joined at, last activity); the supervisor
picks the one to keep and reads, before confirming, what will happen
("张三's 1,250 points move to …"). ``PhoneCorrectionDialog`` is for two
different people: the member registered offline gets its real phone. The
core does the work (``pointsmall/merge.py``) and closes the case with it.
"""
from __future__ import annotations

import uuid

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit,
                               QRadioButton, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.merge import MergeCandidate, MergePair

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import merge as ops
from ..pages.settings.common import heading, hint, styled

MIN_NOTE = 2


class MemberMergeDialog(QDialog):
    """Both members of a duplicate-phone case; the one kept receives the other's points."""

    merged = Signal(object)  # (MergeResult, ops QueueRow)

    def __init__(self, ctx: AppContext, case_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberMergeDialog")
        self.setWindowTitle(self.tr("Merge into…"))
        self.setMinimumWidth(620)
        self.ctx = ctx
        self.case_id = case_id
        self.request_id = uuid.uuid4().hex  # a retry of this dialog's merge is recognised, never merged twice
        self.pair: MergePair | None = None
        self.title = heading(self.tr("One person, two accounts"), "mergeTitle")
        self.intro = QLabel(objectName="mergeIntro")
        self.intro.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(6)
        self.keep = QButtonGroup(self)
        self.summary = QLabel(objectName="mergeSummary")
        self.summary.setWordWrap(True)
        styled(self.summary, heading=True)
        self.note = QLineEdit(objectName="mergeNote")
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(self.tr("What was checked (e.g. the customer confirmed both cards)"))
        self.error = QLabel(objectName="mergeError")
        self.error.setWordWrap(True)
        styled(self.error, error=True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(self.tr("Merge"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("mergeOk")
        self.ok.setProperty("danger", True)
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(self.grid)
        layout.addWidget(self.summary)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.keep.idToggled.connect(lambda *_: self._update())
        self.note.textChanged.connect(lambda *_: self._update())
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.load()

    @asyncSlot()
    async def load(self) -> None:
        try:
            pair = await ops.candidates(self.ctx, self.case_id)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._fail(exc)
            return
        if shiboken6.isValid(self):
            self.show_pair(pair)

    def show_pair(self, pair: MergePair) -> None:
        self.pair = pair
        self.intro.setText(self.tr("Both accounts were registered with the phone {phone}. Choose the account to "
                                   "keep: the other one's points move to it through the ledger (expiry dates "
                                   "unchanged) and it is closed as merged.").format(phone=pair.phone))
        rows = [self.tr("Name"), self.tr("Phone"), self.tr("Card"), self.tr("Balance"), self.tr("Tier"),
                self.tr("Joined at store"), self.tr("Joined on"), self.tr("Last activity")]
        for r, text in enumerate(rows, start=1):
            label = QLabel(text)
            styled(label, muted=True)
            self.grid.addWidget(label, r, 0)
        for c, m in enumerate(pair.members, start=1):
            button = QRadioButton(self.tr("Keep this account"), objectName=f"mergeKeep{c}")
            self.keep.addButton(button, c - 1)
            self.grid.addWidget(button, 0, c)
            origin = self.tr("registered offline") if m.registered_offline else self.tr("registered first")
            values = [m.name, m.phone, m.card_code, i18n.points(m.balance), self._tier(m),
                      f"{m.home_store_id} ({origin})", i18n.day(m.joined_on),
                      i18n.moment(m.last_activity) if m.last_activity else self.tr("none yet")]
            for r, text in enumerate(values, start=1):
                value = QLabel(text, objectName=f"mergeValue{c}_{r}")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.grid.addWidget(value, r, c)
        if len(pair.members) < 2:
            self._fail(None, self.tr("The other member of this case was not found: correct the phone instead."))
        self._update()

    def _tier(self, m: MergeCandidate) -> str:
        return m.tier_name_zh if self.ctx.language.startswith("zh") else m.tier_name_en

    def chosen(self) -> tuple[MergeCandidate, MergeCandidate] | None:
        index = self.keep.checkedId()
        if self.pair is None or len(self.pair.members) != 2 or index < 0:
            return None
        keep = self.pair.members[index]
        return keep, self.pair.members[1 - index]

    def _update(self) -> None:
        picked = self.chosen()
        if picked is None:
            self.summary.setText(self.tr("Choose the account to keep."))
        else:
            keep, gone = picked
            into = self.tr("{name} (card {card})").format(name=keep.name, card=keep.card_code)
            if gone.balance > 0:
                moves = self.tr("{name}'s {points} points move to {into}.").format(
                    name=gone.name, points=i18n.points(gone.balance), into=into)
            elif gone.balance < 0:
                moves = self.tr("{name}'s debt of {points} points moves to {into}.").format(
                    name=gone.name, points=i18n.points(-gone.balance), into=into)
            else:
                moves = self.tr("{name} has no points to move; the account goes into {into}.").format(
                    name=gone.name, into=into)
            self.summary.setText(moves + " " + self.tr(
                "Card {card} is closed as merged: scanning it finds the kept account. Purchases stay where they "
                "were made.").format(card=gone.card_code))
        self.ok.setEnabled(picked is not None and len(self.note.text().strip()) >= MIN_NOTE)
        self.adjustSize()  # the summary's wrapped lines change with the choice

    def _fail(self, exc: Exception | None, text: str = "") -> None:
        self.error.setText(error_text(exc) if exc is not None else text)
        self.error.show()

    @asyncSlot()
    async def submit(self) -> None:
        picked = self.chosen()
        if picked is None or len(self.note.text().strip()) < MIN_NOTE or not self.ok.isEnabled():
            return
        self.ok.setEnabled(False)
        self.error.hide()
        try:
            done = await ops.merge_case(self.ctx, self.case_id, picked[0].id, self.note.text().strip(),
                                        self.request_id)
        except Exception as exc:  # the core's refusal (frozen, already decided...), shown; never swallowed
            if shiboken6.isValid(self):
                self._fail(exc)
                self._update()
            return
        if not shiboken6.isValid(self):
            return
        self.merged.emit(done)
        self.accept()


class PhoneCorrectionDialog(QDialog):
    """Two different people: the member registered offline gets its own, real phone."""

    corrected = Signal(object)  # ops QueueRow

    def __init__(self, ctx: AppContext, case_id: uuid.UUID, name: str, phone: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phoneCorrectionDialog")
        self.setWindowTitle(self.tr("Different people: correct the phone…"))
        self.setMinimumWidth(460)
        self.ctx = ctx
        self.case_id = case_id
        self.prompt = QLabel(self.tr("{name}, registered offline, is a different person from the member who has "
                                     "{phone}. Type {name}'s own mobile number; the other member keeps {phone}.")
                             .format(name=name, phone=phone), objectName="phonePrompt")
        self.prompt.setWordWrap(True)
        self.phone = QLineEdit(objectName="phoneNew")
        self.phone.setPlaceholderText(self.tr("New mobile number, 11 digits"))
        self.note = QLineEdit(objectName="phoneNote")
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(self.tr("What was checked (needed for any decision)"))
        self.error = QLabel(objectName="phoneError")
        self.error.setWordWrap(True)
        styled(self.error, error=True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(self.tr("Correct the phone"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("phoneOk")
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.prompt)
        layout.addWidget(self.phone)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(hint(self.tr("The phone is checked as at registration and must not belong to anyone.")))
        layout.addWidget(self.buttons)
        for field in (self.phone, self.note):
            field.textChanged.connect(self._update)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.phone.text().strip()) and len(self.note.text().strip()) >= MIN_NOTE)

    @asyncSlot()
    async def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        self.ok.setEnabled(False)
        self.error.hide()
        try:
            row = await ops.correct_phone(self.ctx, self.case_id, self.phone.text(), self.note.text().strip())
        except Exception as exc:  # a mistyped or taken phone, shown; never swallowed
            if shiboken6.isValid(self):
                self.error.setText(error_text(exc))
                self.error.show()
                self._update()
            return
        if not shiboken6.isValid(self):
            return
        self.corrected.emit(row)
        self.accept()
