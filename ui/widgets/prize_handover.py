"""The member's wheel prizes not handed over yet, on the games page, each handed over with one click.

A prize won earlier (today at another till, last week, before a till went
down) waits here until the member collects it: what it is, its code and
until when it is valid. Hand over asks once (the member is at the counter,
the goods are given now), then writes the prize off through the same core
path as the mall's write-off tab (``handover.hand_over``); a refusal (handed
over meanwhile at another till, expired at midnight) is said in red.
The games page says when to read (``show_member``): never while the wheel
turns, so a prize is not shown before the wheel lands on it.
"""
from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton, \
    QVBoxLayout, QWidget

from pointsmall.handover import Handover
from pointsmall.staff import Permission

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import mall as mall_ops
from ..tasks import Tasks

CODE = Qt.ItemDataRole.UserRole


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class PrizesToHandOver(QFrame):
    handed_over = Signal(object)  # the Handover written off

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prizesToHandOver")
        self.ctx = ctx
        self.member_id: uuid.UUID | None = None
        self.prizes: list[Handover] = []
        self.confirm: QMessageBox | None = None
        self._busy = False
        self._tasks = Tasks(self)
        self.caption = QLabel(objectName="prizesCaption")
        self.list = QListWidget(objectName="prizesList")
        self.list.setAlternatingRowColors(True)
        self.button = QPushButton(self.tr("Hand over…"), objectName="handOverPrize")
        self.button.setEnabled(False)
        self.button.setToolTip(self.tr("Give the chosen prize to the member now; its code can be used once"))
        self.message = QLabel(objectName="prizesMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.list)
        layout.addWidget(self.message)
        self.setStyleSheet("QLabel#prizesCaption { font-size: 14px; font-weight: 700; color: #7C2D12; }"
                           "QLabel#prizesMessage[kind=\"success\"] { color: #166534; font-weight: 700; }"
                           "QLabel#prizesMessage[kind=\"error\"] { color: #B42318; font-weight: 700; }")
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.list.itemDoubleClicked.connect(lambda _item: self.ask())
        self.button.clicked.connect(self.ask)
        self.hide()

    # -- reading -----------------------------------------------------------------------------

    def show_member(self, member_id: uuid.UUID | None) -> None:
        """Read the prizes ``member_id`` has to collect (none without a member)."""
        if member_id != self.member_id:
            self.say("", "")
        self.member_id = member_id
        if member_id is None:
            self._tasks.cancel("read")
            self._show([])
            return
        self._tasks.start("read", self._read(member_id))

    async def _read(self, member_id: uuid.UUID) -> None:
        try:
            prizes = await mall_ops.prizes_to_hand_over(self.ctx, member_id)
        except Exception as exc:  # said where the cashier looks, never swallowed
            self.say(error_text(exc), "error")
            self.show()
            return
        if member_id == self.member_id:
            self._show(prizes)

    def _show(self, prizes: list[Handover]) -> None:
        chosen = self.chosen()
        self.prizes = prizes
        self.list.clear()
        for prize in prizes:
            valid = (self.tr("valid until {day}").format(day=i18n.day(prize.expires_on))
                     if prize.expires_on is not None else self.tr("no expiry"))
            item = QListWidgetItem(f"{prize.name} · {prize.display} · {valid}")
            item.setData(CODE, prize.code)
            self.list.addItem(item)
        rows = [i for i, p in enumerate(prizes) if chosen is not None and p.code == chosen.code]
        self.list.setCurrentRow(rows[0] if rows else 0 if prizes else -1)
        self.caption.setText(self.tr("Prizes to hand over ({n})").format(n=len(prizes)))
        self.setVisible(bool(prizes) or self.message.isVisible())
        self.list.setVisible(bool(prizes))
        if prizes:  # up to three rows in sight; the list scrolls beyond
            rows = min(len(prizes), 3)
            self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth() + 2)
        self._enable()

    def chosen(self) -> Handover | None:
        row = self.list.currentRow()
        return self.prizes[row] if 0 <= row < len(self.prizes) else None

    def _enable(self) -> None:
        self.button.setEnabled(self.chosen() is not None and not self._busy
                               and self.ctx.can(Permission.VOUCHER_WRITE_OFF))

    # -- handing over ----------------------------------------------------------------------------

    def ask(self) -> None:
        prize = self.chosen()
        if prize is None or self._busy or not self.button.isEnabled():
            return
        if self.confirm is not None and self.confirm.isVisible():
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Hand over a prize"),
                          self.tr("Give {prize} to {member} now?").format(prize=prize.name, member=prize.member_name),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("handOverConfirm")
        box.setInformativeText(self.tr("Prize code {code}. It can be handed over once.").format(code=prize.display))
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Hand over"))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _result: self._answered(box, prize))
        self.confirm = box
        box.open()

    def _answered(self, box: QMessageBox, prize: Handover) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes) and prize.member_id == self.member_id:
            self._tasks.start("hand_over", self._hand_over(prize))

    async def _hand_over(self, prize: Handover) -> None:
        self._busy = True
        self._enable()
        try:
            view = await mall_ops.write_off(self.ctx, prize.code)
        except Exception as exc:  # handed over meanwhile at another till, expired at midnight: the core's words
            self.say(error_text(exc), "error")
            if self.member_id is not None:
                self.show_member(self.member_id)
            return
        finally:
            self._busy = False
            self._enable()
        self.say(self.tr("Handed over: {prize} to {member}").format(prize=view.name, member=view.member_name),
                 "success")
        self.handed_over.emit(view)
        if self.member_id is not None:
            self.show_member(self.member_id)

    def say(self, text: str, kind: str) -> None:
        self.message.setText(text)
        self.message.setProperty("kind", kind)
        _restyle(self.message)
        self.message.setVisible(bool(text))
        if text:
            self.show()
