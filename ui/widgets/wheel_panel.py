"""The wheel half of the games page: choose a wheel, its status for the member, the wheel, the result.

A view only: the games page reads the wheels and the member's status, runs
the spin and passes the words in. The status says what the next spin costs,
the free spins left today and the caps, the balance (marked when head office
has not confirmed part of it), and (in red) why the member cannot spin now:
a hold for review (``member_holds``) before the cashier tries, else as the
core says it.
"""
from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout,
                               QWidget)

from pointsmall.reviews import Hold
from pointsmall.wheel import SpinResult, SpinStatus
from pointsmall.wheel_setup import WheelView

from .. import i18n
from ..messages import error_text
from .member_holds import hold_refusal, hold_words
from .pending_points import balance_with_note
from .wheel_view import SpinWheel

SHORTCUT = "F3"


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class WheelPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wheelPanel")
        self.shown: WheelView | None = None  # the wheel version drawn
        self.spin_status: SpinStatus | None = None  # the status shown
        self.pending = 0  # points in the balance head office has not confirmed (offline-capable store)
        self.holds: list[Hold] = []  # the member's open review cases
        self.busy = False
        self.may_spin = True  # the role may spin (the games page says)
        self.chooser = QComboBox(objectName="wheelChoice")
        self.chooser.setMinimumWidth(200)
        self.customer_button = QPushButton(self.tr("Customer screen"), objectName="customerScreenButton")
        self.customer_button.setCheckable(True)
        self.customer_button.setToolTip(self.tr("Show the wheel on the screen facing the customer"))
        self.status = QLabel(objectName="wheelStatus")
        self.status.setWordWrap(True)
        self.refusal = QLabel(objectName="wheelRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        self.wheel = SpinWheel()
        self.empty = QLabel(self.tr("No wheel is open now. Operators set wheels up under Games setup."),
                            objectName="wheelEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget(objectName="wheelStack")
        self.stack.addWidget(self.wheel)
        self.stack.addWidget(self.empty)
        self.button = QPushButton(self.tr("Spin  {key}").format(key=SHORTCUT), objectName="spinButton")
        self.button.setProperty("primary", True)
        self.button.setMinimumHeight(50)
        self.button.setToolTip(self.tr("Spin the wheel for the member ({key})").format(key=SHORTCUT))
        self.result = QLabel(objectName="spinResult")
        self.result.setWordWrap(True)
        self.result.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result.hide()
        self.voucher_button = QPushButton(self.tr("Show the prize voucher…"), objectName="prizeVoucherButton")
        self.voucher_button.hide()
        self.recent = QLabel(objectName="spinRecent")
        self.recent.setWordWrap(True)
        self.recent.hide()

        top = QHBoxLayout()
        top.setSpacing(10)
        caption = QLabel(self.tr("Wheel"), objectName="wheelCaption")
        top.addWidget(caption)
        top.addWidget(self.chooser, 1)
        top.addWidget(self.customer_button)
        bottom = QHBoxLayout()
        bottom.setSpacing(12)
        bottom.addWidget(self.voucher_button)
        bottom.addStretch(1)
        bottom.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.refusal)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.recent)
        self.extras = QVBoxLayout()  # the games page puts the member's prizes to hand over here
        self.extras.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.extras)
        layout.addLayout(bottom)
        self.wheel.set_centre_text(self.tr("Spin"))

    # -- the wheels ----------------------------------------------------------------------------

    def show_wheels(self, wheels: list[WheelView], chosen: uuid.UUID | None) -> None:
        """The open wheels in the chooser (without announcing a change), ``chosen`` selected."""
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for view in wheels:
            self.chooser.addItem(view.name, view.id)
        row = next((i for i, view in enumerate(wheels) if view.id == chosen), 0)
        self.chooser.setCurrentIndex(row if wheels else -1)
        self.chooser.blockSignals(False)
        self.chooser.setEnabled(len(wheels) > 1)
        self.stack.setCurrentWidget(self.wheel if wheels else self.empty)
        if not wheels:
            self.shown = None
            self.status.setText("")
            self.show_refusal("")

    def chosen_id(self) -> uuid.UUID | None:
        value = self.chooser.currentData()
        return value if isinstance(value, uuid.UUID) else None

    def draw_wheel(self, view: WheelView) -> None:
        """Draw ``view``'s segments, unless that very version is drawn already."""
        if self.shown is not None and (self.shown.id, self.shown.version) == (view.id, view.version):
            self.shown = view
            return
        self.shown = view
        self.wheel.set_segments([(s.label, s.colour) for s in view.segments])

    def show_status(self, status: SpinStatus | None, member_known: bool) -> None:
        self.spin_status = status
        if status is None:
            self.status.setText(self.tr("Find the member at the counter to spin.") if not member_known else "")
            self.wheel.set_centre_text(self.tr("Spin"))
            self.show_refusal(hold_words(self.holds) if member_known else "")
            return
        self.draw_wheel(status.wheel)
        self.status.setText(self.status_words(status))
        cost = self.tr("Free") if status.next_cost == 0 else \
            self.tr("{points} pts").format(points=i18n.points(status.next_cost))
        self.wheel.set_centre_text(self.tr("Spin"), cost)
        refusal = hold_words(self.holds) or (error_text(status.refusal) if status.refusal is not None else "")
        self.show_refusal(refusal)

    def show_holds(self, holds: list[Hold]) -> None:
        """The member's open review cases: a blocking one is said before the cashier tries, and the
        spin button waits (the page refuses F3 and a click on the wheel with the same words)."""
        self.holds = list(holds)
        self._enable()
        if hold_words(self.holds):
            self.show_refusal(hold_words(self.holds))
        elif self.spin_status is not None and self.spin_status.refusal is not None:
            self.show_refusal(error_text(self.spin_status.refusal))
        else:
            self.show_refusal("")

    def held(self) -> str:
        """Why spinning waits for a review ("" when it does not): the short refusal."""
        refusal = hold_refusal(self.holds)
        return error_text(refusal) if refusal is not None else ""

    def show_pending(self, pending: int) -> None:
        """Points in the balance HQ has not confirmed (``pending_points``): the balance is marked."""
        self.pending = pending
        if self.spin_status is not None:
            self.status.setText(self.status_words(self.spin_status))

    def show_recent(self, spins: list[SpinResult]) -> None:
        """The member's last spins, newest first: a prize committed before a crash is never lost from sight."""
        words = []
        for spin in spins:
            prize = spin.label if spin.voucher_code is None else f"{spin.label} ({spin.voucher_code})"
            words.append(f"{i18n.moment(spin.occurred_at)} {prize}")
        self.recent.setText(self.tr("Last spins: {spins}").format(spins=" · ".join(words)) if words else "")
        self.recent.setVisible(bool(words))

    def show_refusal(self, text: str) -> None:
        self.refusal.setText(text)
        self.refusal.setVisible(bool(text))

    # -- spinning and the result ---------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        """While a spin is committed and animated: nothing else can be started here."""
        self.busy = busy
        self._enable()
        self.chooser.setEnabled(not busy and self.chooser.count() > 1)
        self.wheel.set_interactive(not busy)

    def _enable(self) -> None:
        self.button.setEnabled(self.may_spin and not self.busy and not hold_refusal(self.holds))

    def say(self, text: str, kind: str) -> None:
        """``kind``: win, prize, nothing, error, spinning."""
        self.result.setText(text)
        self.result.setProperty("kind", kind)
        _restyle(self.result)
        self.result.setVisible(bool(text))

    def status_words(self, status: SpinStatus) -> str:
        parts = []
        if status.free_spins_left:
            parts.append(self.tr("Free spins left today: {n}").format(n=status.free_spins_left))
            if status.wheel.cost_points:
                parts.append(self.tr("then {points} points a spin").format(
                    points=i18n.points(status.wheel.cost_points)))
        elif status.wheel.cost_points:
            parts.append(self.tr("{points} points a spin").format(points=i18n.points(status.wheel.cost_points)))
        else:
            parts.append(self.tr("Spins are free"))
        if status.spins_left_today is not None:
            parts.append(self.tr("spins left today: {n}").format(n=status.spins_left_today))
        if status.spins_left_total is not None:
            parts.append(self.tr("left on this wheel: {n}").format(n=status.spins_left_total))
        if status.pity_in is not None:
            parts.append(self.tr("a prize is certain within {n} spins").format(n=status.pity_in))
        parts.append(self.tr("balance {balance}").format(
            balance=balance_with_note(i18n.points(status.balance), self.pending)))
        return " · ".join(parts)
