"""Handing over at the counter: scan or type a mall voucher's or a wheel prize's code, check it, write it off once.

One place for both kinds: the core (``handover``) finds the code among the
mall's vouchers and the wheel's prizes. The code box keeps the focus, so a
scanner can be used at any time. Enter on a new code looks it up and shows
it (what it is, whose, with the phone masked, until when, its state);
Enter again on the same valid code, or the Write off / Hand over button,
writes it off. A code already used, cancelled, expired, unknown or mistyped
shows why in large red text.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget
from qasync import asyncSlot

from pointsmall.errors import Conflict
from pointsmall.handover import Handover, Source

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import mall as mall_ops


class VoucherWriteOff(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voucherWriteOff")
        self.ctx = ctx
        self.voucher: Handover | None = None
        self._busy = False
        self.code = QLineEdit(objectName="writeOffCode")
        self.code.setPlaceholderText(self.tr("Scan or type the code of a voucher or a prize, then press Enter"))
        self.code.setMaxLength(32)
        self.code.setClearButtonEnabled(True)
        self.check_button = QPushButton(self.tr("Check"), objectName="writeOffCheck")
        self.check_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.write_off_button = QPushButton(self.tr("Write off"), objectName="writeOffButton")
        self.write_off_button.setProperty("primary", True)
        self.write_off_button.setEnabled(False)
        self.write_off_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the code box keeps the focus for the scanner

        self.card = QFrame(objectName="voucherCard")
        self.item = QLabel(objectName="writeOffItem")
        self.item.setWordWrap(True)
        self.state = QLabel(objectName="writeOffState")
        self.member = QLabel(objectName="writeOffMember")
        self.phone = QLabel(objectName="writeOffPhone")
        self.kind = QLabel(objectName="writeOffKind")
        self.expiry = QLabel(objectName="writeOffExpiry")
        self.issued = QLabel(objectName="writeOffIssued")
        self.display = QLabel(objectName="writeOffDisplay")
        self.message = QLabel(objectName="writeOffMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.hide()
        self._build_layout()
        self.card.hide()
        self.code.returnPressed.connect(self.on_enter)
        self.code.textEdited.connect(self._edited)
        self.check_button.clicked.connect(self.look_up)
        self.write_off_button.clicked.connect(self.write_off)

    def _build_layout(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.code, 1)
        row.addWidget(self.check_button)
        facts = QGridLayout()
        facts.setHorizontalSpacing(18)
        facts.setVerticalSpacing(6)
        self.captions: dict[QLabel, QLabel] = {}
        for n, (caption, value) in enumerate([(self.tr("Code"), self.display), (self.tr("Member"), self.member),
                                              (self.tr("Phone"), self.phone),
                                              (self.tr("Kind"), self.kind), (self.tr("Valid until"), self.expiry),
                                              (self.tr("Issued"), self.issued)]):
            label = QLabel(caption)
            label.setProperty("hint", True)
            self.captions[value] = label
            facts.addWidget(label, n, 0)
            facts.addWidget(value, n, 1)
        facts.setColumnStretch(1, 1)
        top = QHBoxLayout()
        top.addWidget(self.item, 1)
        top.addWidget(self.state, 0, Qt.AlignmentFlag.AlignTop)
        card = QVBoxLayout(self.card)
        card.setContentsMargins(24, 18, 24, 18)
        card.setSpacing(12)
        card.addLayout(top)
        card.addLayout(facts)
        card.addWidget(self.write_off_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(14)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.card)
        layout.addStretch(1)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.code.setFocus()

    # -- actions -------------------------------------------------------------

    def on_enter(self) -> None:
        """Enter on the code just checked writes it off; on any other code, checks it."""
        if self.voucher is not None and self.write_off_button.isEnabled() and self._same_code():
            self.write_off()
        else:
            self.look_up()

    @asyncSlot()
    async def look_up(self) -> None:
        typed = self.code.text().strip()
        if not typed or self._busy:
            return
        self._busy = True
        self.check_button.setEnabled(False)
        self.write_off_button.setEnabled(False)
        self._say("", "")
        try:
            check = await mall_ops.look_up_voucher(self.ctx, typed)
        except Exception as exc:  # a mistyped or unknown code: said in red where the cashier looks
            self.voucher = None
            self.card.hide()
            self._say(error_text(exc), "refused")
            return
        finally:
            self._busy = False
            self.check_button.setEnabled(True)
            self.code.setFocus()
            self.code.selectAll()  # the next scan replaces the code
        self._show(check)
        if check.refusal is not None:
            self._say(error_text(check.refusal), "refused")
        elif check.source == Source.PRIZE.value:
            self.write_off_button.setEnabled(True)
            self._say(self.tr("A wheel prize, not handed over yet. Press Enter again or click Hand over to give "
                              "it to the member."), "info")
        else:
            self.write_off_button.setEnabled(True)
            self._say(self.tr("Valid. Press Enter again or click Write off to use it."), "info")

    @asyncSlot()
    async def write_off(self) -> None:
        if self.voucher is None or self._busy:
            return
        self._busy = True
        self.write_off_button.setEnabled(False)
        try:
            view = await mall_ops.write_off(self.ctx, self.voucher.code)
        except Exception as exc:  # used meanwhile at another till, expired at midnight...: said in red
            self._say(error_text(exc), "refused")
            if isinstance(exc, Conflict):
                self.state.setText(self.tr("Not valid"))
            return
        finally:
            self._busy = False
            self.code.setFocus()
            self.code.selectAll()
        self._show(view)
        if view.source == Source.PRIZE.value:
            self._say(self.tr("Handed over: {prize} to {member}").format(prize=view.name, member=view.member_name),
                      "success")
        else:
            self._say(self.tr("Written off: {item} for {member}").format(item=view.name, member=view.member_name),
                      "success")

    # -- showing -------------------------------------------------------------

    def _show(self, view: Handover) -> None:
        self.voucher = view
        prize = view.source == Source.PRIZE.value
        self.item.setText(view.name)
        self.display.setText(view.display)
        self.member.setText(view.member_name)
        self.phone.setText(view.member_phone)
        kinds = {"goods": self.tr("Goods"), "coupon": self.tr("Coupon"), "service": self.tr("Service")}
        kind = (self.tr("Wheel prize") if prize else self.tr("Mall voucher")) + " · " + kinds.get(view.kind, view.kind)
        if view.face_value_fen:
            kind += " · " + self.tr("face value {value}").format(value=i18n.money_short(view.face_value_fen))
        self.kind.setText(kind)
        self.expiry.setText(i18n.day(view.expires_on) if view.expires_on else self.tr("No expiry"))
        self.issued.setText(i18n.moment(view.issued_at))
        self.captions[self.issued].setText(self.tr("Won") if prize else self.tr("Issued"))
        states = {"valid": self.tr("Valid"), "written_off": self.tr("Handed over") if prize else self.tr("Used"),
                  "cancelled": self.tr("Cancelled"), "expired": self.tr("Expired")}
        self.write_off_button.setText(self.tr("Hand over") if prize else self.tr("Write off"))
        self.state.setText(states.get(view.state, view.state))
        self.state.setProperty("state", view.state)
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        self.card.show()

    def _say(self, text: str, kind: str) -> None:
        self.message.setText(text)
        self.message.setProperty("kind", kind)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def _same_code(self) -> bool:
        typed = "".join(ch for ch in self.code.text().upper() if ch not in " -\t")
        return self.voucher is not None and typed == self.voucher.code

    def _edited(self) -> None:
        if not self._same_code():
            self.write_off_button.setEnabled(False)
