"""The sign-in half of the games page: the big sign-in button, what it gives, the last result, the calendar.

A view only: the games page runs the sign-in and the make-up and passes the
results in. The button stays pressable after today's sign-in (the core then
says "already signed in today"), but reads and looks done.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pointsmall.signin import MONTH, WEEK, SignInResult, SigninCalendar

from .. import i18n
from .pending_points import balance_with_note
from .signin_calendar import SigninCalendarView

SHORTCUT = "F2"


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class SigninPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signinPanel")
        self.button = QPushButton(objectName="signInButton")
        self.button.setProperty("primary", True)
        self.button.setMinimumHeight(58)
        self.button.setToolTip(self.tr("Sign the member in for today ({key})").format(key=SHORTCUT))
        self.hint = QLabel(objectName="signInHint")
        self.hint.setWordWrap(True)
        self.result = QLabel(objectName="signInResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self.announced = ""  # the last sign-in's words without the balance (which a later spin may change)
        self.balance: int | None = None  # the member's balance last shown
        self.pending = 0  # of which head office has not confirmed (offline-capable store)
        self.calendar = SigninCalendarView()
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(self.button)
        top.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.result)
        layout.addWidget(self.calendar, 1)
        self.show_calendar(None)

    def show_calendar(self, cal: SigninCalendar | None, *, month_only: bool = False) -> None:
        """The calendar; with ``month_only`` another month was browsed and the button keeps today's state."""
        self.calendar.show_calendar(cal)
        if month_only:
            return
        done = cal is not None and cal.signed_today
        self.button.setText(self.tr("Signed in today ✓") if done else
                            self.tr("Sign in  {key}").format(key=SHORTCUT))
        self.button.setProperty("done", done)
        _restyle(self.button)
        if cal is None:
            self.hint.setText(self.tr("Find the member at the counter to sign them in."))
        elif done:
            self.hint.setText(self.tr("Come back tomorrow for {points} points.").format(
                points=i18n.points(cal.tomorrow_points)))
        else:
            self.hint.setText(self.tr("Today gives {points} points · day {day} in a row").format(
                points=i18n.points(cal.today_points), day=cal.streak + 1))

    def announce(self, result: SignInResult) -> str:
        """Show what a sign-in or make-up gave (and return the words).

        The balance is shown apart from what the sign-in gave, and follows the
        member's balance afterwards (``show_balance``): a spin after the sign-in
        must not leave the balance at sign-in time on screen.
        """
        if result.kind == "makeup":
            text = self.tr("Made up {day} for {cost} points · streak {streak}").format(
                day=i18n.day(result.day), cost=i18n.points(result.cost), streak=result.streak)
        else:
            text = self.tr("Signed in: +{points} points · streak {streak}").format(
                points=i18n.points(result.points), streak=result.streak)
        for bonus in result.bonuses:
            if bonus.kind == WEEK:
                text += " · " + self.tr("all week bonus +{points}").format(points=i18n.points(bonus.points))
            elif bonus.kind == MONTH:
                text += " · " + self.tr("{days} days this month bonus +{points}").format(
                    days=bonus.days, points=i18n.points(bonus.points))
        self.announced = text
        self.say(text, "success")
        self.show_balance(result.balance)
        return self.result.text()

    def show_balance(self, balance: int) -> None:
        """The member's balance now, after the last sign-in's words (nothing when none is shown)."""
        self.balance = balance
        if not self.announced or self.result.property("kind") != "success":
            return
        self.result.setText(self.announced + " · " + self.tr("balance {balance}").format(
            balance=balance_with_note(i18n.points(balance), self.pending)))

    def show_pending(self, pending: int) -> None:
        """Points in the balance HQ has not confirmed (``pending_points``): the balance shown is marked."""
        self.pending = pending
        if self.balance is not None:
            self.show_balance(self.balance)

    def say(self, text: str, kind: str) -> None:
        """``kind``: success, error, info."""
        if kind != "success":
            self.announced = ""
        self.result.setText(text)
        self.result.setProperty("kind", kind)
        _restyle(self.result)
        self.result.setVisible(bool(text))

    def clear(self) -> None:
        self.balance, self.pending = None, 0
        self.say("", "")

