"""The games at the counter (游戏): daily sign-in with its calendar, and the spin wheel, for the member served.

The page follows the member the counter is serving (``member_selected``).
F2 signs the member in (the big button does the same); the calendar shows
the month, and a missed day that can still be made up (补签) asks for a
confirmation with its cost. F3 (or the wheel's centre button) spins: the
core draws and commits the spin first, and only then does the wheel turn
and land on the committed segment; the prize is announced when it stops (a
voucher with its QR code and slip for goods and coupons). A refused spin
shows the core's reason and the wheel does not move. While the wheel turns
nothing else can be spun, and the member's new balance waits until it
lands. The customer screen mirrors the wheel and the result. Under the
wheel, the member's prizes not yet collected wait to be handed over.
"""
from __future__ import annotations

import uuid
from datetime import date
from importlib import resources

from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QVBoxLayout, QWidget
from qasync import asyncSlot

from pointsmall.ids import new_id
from pointsmall.members import MemberView
from pointsmall.staff import Permission
from pointsmall.wheel import Outcome, SpinStatus
from pointsmall.wheel_setup import PrizeKind, WheelView

from .. import i18n
from ..context import AppContext
from ..customer_screen import CustomerScreen
from ..messages import error_text
from ..ops import games as games_ops
from ..tasks import Tasks
from ..widgets.mall_member import MallMemberStrip
from ..widgets.prize_handover import PrizesToHandOver
from ..widgets.prize_voucher import PrizeVoucherDialog
from ..widgets.signin_panel import SHORTCUT as SIGN_IN_KEY
from ..widgets.signin_panel import SigninPanel
from ..widgets.wheel_panel import SHORTCUT as SPIN_KEY
from ..widgets.wheel_panel import WheelPanel


class GamesPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("gamesPage")
        self.ctx = ctx
        self.member_id: uuid.UUID | None = None
        self.member: MemberView | None = None
        self.month: tuple[int, int] | None = None  # the month browsed; None: today's
        self.wheels: list[WheelView] = []
        self.status: SpinStatus | None = None
        self.loaded = False
        self.signing = False
        self.spinning = False  # from the press of the key until the wheel has landed
        self.spin: games_ops.Spin | None = None  # committed, being animated
        self.last_spin: games_ops.Spin | None = None  # the last one announced
        self.spun_phone = ""  # of the member the last spin was for (the prize slip masks it)
        self._tasks = Tasks(self)
        self.confirm: QMessageBox | None = None
        self.voucher: PrizeVoucherDialog | None = None
        self.customer: CustomerScreen | None = None
        qss = resources.files("assets") / "games.qss"
        if qss.is_file():
            self.setStyleSheet(qss.read_text(encoding="utf-8"))

        self.strip = MallMemberStrip(ctx.language)
        self.strip.browsing.setText(self.tr("No member — find the member at the counter to sign in or spin."))
        self.signin = SigninPanel()
        self.wheel_panel = WheelPanel()
        self.wheel = self.wheel_panel.wheel
        self.prizes = PrizesToHandOver(ctx)
        self.wheel_panel.extras.addWidget(self.prizes)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addWidget(self.signin, 5)
        columns.addWidget(self.wheel_panel, 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)
        layout.addWidget(self.strip)
        layout.addLayout(columns, 1)

        QShortcut(QKeySequence(SIGN_IN_KEY), self, self.sign_in)
        QShortcut(QKeySequence(SPIN_KEY), self, self.spin_wheel)
        self.signin.button.clicked.connect(self.sign_in)
        self.signin.calendar.month_requested.connect(self.browse_month)
        self.signin.calendar.makeup_requested.connect(self.ask_make_up)
        self.signin.calendar.explained.connect(lambda text: self.signin.say(text, "info"))
        self.wheel_panel.button.clicked.connect(self.spin_wheel)
        self.wheel.spin_requested.connect(self.spin_wheel)
        self.wheel.finished.connect(self._landed)
        self.wheel_panel.chooser.currentIndexChanged.connect(lambda _row: self._load_wheels())
        self.wheel_panel.customer_button.toggled.connect(self.show_customer_screen)
        self.wheel_panel.voucher_button.clicked.connect(self._open_voucher)
        self.strip.pending.known.connect(self.signin.show_pending)  # one lookup marks every balance here
        self.strip.pending.known.connect(self.wheel_panel.show_pending)
        ctx.changes.member_selected.connect(self.serve)
        ctx.changes.member_changed.connect(self._member_changed)
        ctx.changes.games_changed.connect(self._load_wheels)
        if not ctx.can(Permission.SIGN_IN):
            self.signin.setEnabled(False)
            self.signin.hint.setText(self.tr("Your role may not sign members in."))
        if not ctx.can(Permission.WHEEL_SPIN):
            self.wheel_panel.may_spin = False
            self.wheel_panel.button.setEnabled(False)
            self.wheel.set_interactive(False)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    # -- the member and what is read for them --------------------------------------------------

    def serve(self, member_id: uuid.UUID | None) -> None:
        """The counter serves another member (or none)."""
        if member_id == self.member_id:
            return
        if self.spin is not None:
            self.wheel.finish_now()  # the last customer's prize is announced before the next is served
        self.member_id, self.member, self.month, self.last_spin = member_id, None, None, None
        self.signin.clear()
        self.wheel_panel.say("", "")
        self.wheel_panel.voucher_button.hide()
        self.strip.show_member(None)
        self.signin.show_calendar(None)
        self.wheel_panel.show_recent([])
        self.wheel_panel.show_holds([])
        self.prizes.show_member(None)
        if self.customer is not None:
            self.customer.show_waiting()
        if self.loaded or self.isVisible():
            self.reload()

    def reload(self) -> None:
        self.loaded = True
        self._load_member()
        self._load_wheels()

    def _member_changed(self, member_id: uuid.UUID) -> None:
        if member_id != self.member_id:
            return
        if self.spinning:
            return  # the balance would give the prize away before the wheel stops: read when it lands
        self._load_member()
        self._load_wheels()

    def _load_member(self) -> None:
        if self.member_id is None:
            self._tasks.cancel("member")
            return
        self._tasks.start("member", self._read_member(self.member_id, self.month))

    async def _read_member(self, member_id: uuid.UUID, month: tuple[int, int] | None) -> None:
        try:
            view = await games_ops.sign_in_view(self.ctx, member_id, *(month or (None, None)))
        except Exception as exc:  # said where the cashier looks, never swallowed
            self.signin.say(error_text(exc), "error")
            return
        if member_id != self.member_id:
            return
        self.member = view.member
        self.strip.show_member(view.member)
        self.signin.show_balance(view.member.balance)  # the sign-in's words follow the balance after a spin
        self.signin.show_calendar(view.calendar)

    def browse_month(self, year: int, month: int) -> None:
        if self.member_id is None:
            return
        self.month = (year, month)
        self._tasks.start("month", self._read_month(self.member_id, year, month))

    async def _read_month(self, member_id: uuid.UUID, year: int, month: int) -> None:
        try:
            cal = await games_ops.calendar(self.ctx, member_id, year, month)
        except Exception as exc:
            self.signin.say(error_text(exc), "error")
            return
        if member_id == self.member_id and self.month == (year, month):
            self.signin.show_calendar(cal, month_only=True)

    def _load_wheels(self) -> None:
        if self.spinning:
            return  # the wheel being animated stays as it is; read after it lands
        self.prizes.show_member(self.member_id)  # after the landing: a prize is not listed before it is announced
        self._tasks.start("wheels", self._read_wheels(self.member_id, self.wheel_panel.chosen_id()))

    async def _read_wheels(self, member_id: uuid.UUID | None, wheel_id: uuid.UUID | None) -> None:
        try:
            choice = await games_ops.wheel_choice(self.ctx, member_id, wheel_id)
        except Exception as exc:
            self.wheel_panel.show_refusal(error_text(exc))
            return
        if member_id != self.member_id or self.spinning:
            return
        self.wheels, self.status = choice.wheels, choice.status
        self.wheel_panel.show_holds(choice.holds)  # said there in full (the strip would only repeat it)
        chosen = choice.status.wheel.id if choice.status is not None else wheel_id
        self.wheel_panel.show_wheels(choice.wheels, chosen)
        if choice.status is None and choice.wheels:
            self.wheel_panel.draw_wheel(next((w for w in choice.wheels if w.id == chosen), choice.wheels[0]))
        self.wheel_panel.show_status(choice.status, member_id is not None)
        self.wheel_panel.show_recent(choice.recent)
        if self.customer is not None and self.wheel_panel.shown is not None:
            self.customer.show_title(self.wheel_panel.shown.name)

    # -- signing in ------------------------------------------------------------------------------

    @asyncSlot()
    async def sign_in(self) -> None:
        if self.signing or not self.ctx.can(Permission.SIGN_IN):
            return
        if self.member_id is None:
            self.signin.say(self.tr("No member is being served: find the member at the counter first."), "error")
            return
        member_id = self.member_id
        self.signing = True
        self.signin.button.setEnabled(False)
        try:
            result = await games_ops.sign_in(self.ctx, member_id)
        except Exception as exc:  # already signed in today, a frozen member...: the core's words
            self.signin.say(error_text(exc), "error")
            return
        finally:
            self.signing = False
            self.signin.button.setEnabled(True)
        if member_id == self.member_id:
            self.signin.announce(result)

    def ask_make_up(self, day: date) -> None:
        cal = self.signin.calendar.calendar
        if cal is None or self.member_id is None or (self.confirm is not None and self.confirm.isVisible()):
            return
        balance = self.member.balance if self.member is not None else 0
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Make-up sign-in (补签)"),
                          self.tr("Make up {day} for {cost} points?").format(
                              day=i18n.day(day), cost=i18n.points(cal.makeup_cost)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("makeUpConfirm")
        box.setInformativeText(self.tr("The streak carries on over that day. Balance {balance}; make-ups left this "
                                       "month: {left}.").format(balance=i18n.points(balance), left=cal.makeups_left))
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Make up"))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        member_id = self.member_id
        box.finished.connect(lambda _result: self._make_up_answered(box, member_id, day))
        self.confirm = box
        box.open()

    def _make_up_answered(self, box: QMessageBox, member_id: uuid.UUID, day: date) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes) and member_id == self.member_id:
            self._tasks.start("makeup", self._make_up(member_id, day))

    async def _make_up(self, member_id: uuid.UUID, day: date) -> None:
        try:
            result = await games_ops.make_up(self.ctx, member_id, day)
        except Exception as exc:  # none left, not enough points, too long ago: the core's words
            self.signin.say(error_text(exc), "error")
            return
        if member_id == self.member_id:
            self.signin.announce(result)

    # -- spinning --------------------------------------------------------------------------------

    @asyncSlot()
    async def spin_wheel(self) -> None:
        if self.wheel_panel.held() and not self.spinning:  # F3 or a click on the wheel: say why it waits
            self.wheel_panel.say(self.wheel_panel.held(), "error")
            return
        if self.spinning or self.wheel.is_spinning() or not self.wheel_panel.button.isEnabled():
            return
        if not self.ctx.can(Permission.WHEEL_SPIN):
            return
        wheel_id = self.wheel_panel.chosen_id()
        if self.member_id is None:
            self.wheel_panel.say(self.tr("No member is being served: find the member at the counter first."),
                                 "error")
            return
        if wheel_id is None:
            self.wheel_panel.say(self.tr("No wheel is open now."), "error")
            return
        member_id = self.member_id
        self.spinning = True
        self.wheel_panel.set_busy(True)
        self.wheel_panel.voucher_button.hide()
        self.wheel_panel.say(self.tr("Spinning…"), "spinning")
        self.spun_phone = self.member.phone if self.member is not None else ""
        try:
            outcome = await games_ops.spin(self.ctx, member_id, wheel_id, new_id().hex)
        except Exception as exc:  # not enough points, cap reached, closed, member blocked: no animation
            self.spinning = False
            self.wheel_panel.set_busy(False)
            self.wheel_panel.say(error_text(exc), "error")
            self._load_wheels()
            return
        self.spin = outcome  # committed: from here on the prize is announced whatever happens
        result = outcome.result
        if not self._drawn(result.wheel_id, result.version):
            # an operator published a new version since the wheel was drawn: draw the one spun
            try:
                self.wheel_panel.draw_wheel(await games_ops.wheel_version(self.ctx, result.wheel_id))
            except Exception as exc:
                self.wheel_panel.show_refusal(error_text(exc))
        if self.customer is not None:
            self.customer.show_result(self.tr("Good luck!"), "spinning")
        if self._drawn(result.wheel_id, result.version) and 0 <= result.segment_index < len(self.wheel.segments()):
            self.wheel.spin_to(result.segment_index)
        else:
            self._landed(result.segment_index)  # the wheel shown is not the one spun: announce without turning

    def _drawn(self, wheel_id: uuid.UUID, version: int) -> bool:
        shown = self.wheel_panel.shown
        return shown is not None and (shown.id, shown.version) == (wheel_id, version)

    def _landed(self, _index: int) -> None:
        outcome, self.spin = self.spin, None
        if outcome is None:
            return
        self.spinning = False
        self.last_spin = outcome
        self.wheel_panel.set_busy(False)
        result = outcome.result
        if result.prize == PrizeKind.POINTS.value:
            text = self.tr("{name} won {points} points! Balance {balance}").format(
                name=result.member_name, points=i18n.points(result.prize_points), balance=i18n.points(result.balance))
            customer = self.tr("Congratulations! You won {points} points").format(
                points=i18n.points(result.prize_points))
            kind = "win"
        elif outcome.prize is not None:
            text = self.tr("{name} won {prize}! Prize code {code}").format(
                name=result.member_name, prize=outcome.prize.name, code=outcome.prize.display)
            customer = self.tr("Congratulations! You won {prize}").format(prize=outcome.prize.name)
            kind = "win"
        else:
            text = self.tr("Thanks for playing — better luck next time.")
            if result.outcome in (Outcome.OUT_OF_STOCK.value, Outcome.OVER_BUDGET.value):
                text += " " + self.tr("(The prize drawn has run out.)")
            customer = self.tr("Thanks for playing — better luck next time!")
            kind = "nothing"
        self.wheel_panel.say(text, kind)
        if self.customer is not None:
            self.customer.show_result(customer, kind)
        if outcome.prize is not None:
            self.wheel_panel.voucher_button.show()
            self._open_voucher()
        self._load_member()
        self._load_wheels()

    def _open_voucher(self) -> None:
        outcome = self.last_spin if self.spin is None else None
        if outcome is None or outcome.prize is None:
            return
        self.voucher = PrizeVoucherDialog(outcome.result, outcome.prize, self.spun_phone, self.ctx.actor.store_name,
                                          self)
        self.voucher.open()

    # -- the customer's screen ---------------------------------------------------------------

    def show_customer_screen(self, wanted: bool) -> None:
        if not wanted:
            if self.customer is not None:
                self.customer.close()
            return
        if self.customer is None:
            self.customer = CustomerScreen(self.wheel, self)
            self.customer.closed.connect(self._customer_closed)
        if self.wheel_panel.shown is not None:
            self.customer.show_title(self.wheel_panel.shown.name)
        self.customer.open_on_customer_side()

    def _customer_closed(self) -> None:
        self.wheel_panel.customer_button.blockSignals(True)
        self.wheel_panel.customer_button.setChecked(False)
        self.wheel_panel.customer_button.blockSignals(False)
