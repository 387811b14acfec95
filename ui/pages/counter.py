"""The counter (柜台): find the member, see them at a glance, award points.

Keyboard first. The scan box has the focus whenever the page is shown and
after every action; a barcode scanner types the card code and presses
Enter. A card code or a full phone loads the member at once; last four
digits or a name (or pinyin initials) list the matches, picked with the
arrow keys and Enter. Enter on an empty scan box goes to the receipt field,
Enter there to the amount, Enter in the amount awards. Escape starts over.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from importlib import resources
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStackedWidget,
                               QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.errors import Conflict, ValidationError
from pointsmall.members import MatchKind, MemberSummary
from pointsmall.purchases import AwardResult
from pointsmall.staff import Permission

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import members as member_ops
from ..ops import points as point_ops
from ..widgets.amount_field import AmountError, AmountField
from ..widgets.celebration import Celebration
from ..widgets.member_card import MemberCard
from ..widgets.recent_entries import RecentEntries
from ..widgets.scan_box import ScanBox
from ..widgets.search_results import SearchResults
from ..widgets.tier_badge import tier_benefits, tier_name
from ..widgets.toast import Toast

SEARCH_LIMIT = 20
RECENT_ENTRIES = 10


class CounterPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("counterPage")
        self.ctx = ctx
        self._running = Running()
        self.destroyed.connect(self._running.cancel_all)  # no answer may arrive at a page that is gone
        self._results_query = ""
        self._awarding = False
        qss = resources.files("assets") / "counter.qss"
        if qss.is_file():
            self.setStyleSheet(qss.read_text(encoding="utf-8"))

        self.scan = ScanBox()
        self.scan.setPlaceholderText(self.tr("Scan the member card, or type a phone, its last 4 digits or a name"))
        self.find_button = QPushButton(self.tr("Find"), objectName="findButton")
        self.find_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scan_message = QLabel(objectName="scanMessage")
        self.scan_message.setFixedHeight(26)
        self.results = SearchResults(self)  # floats over the page below the scan box
        self.results.hide()

        self.card = MemberCard(ctx.language)
        self.empty = QLabel(self.tr("Scan a member card to begin.\n\nOr type a phone number, its last four digits, "
                                    "a name or pinyin initials (e.g. zsf), then press Enter."),
                            objectName="emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.member_stack = QStackedWidget(objectName="memberStack")
        self.member_stack.addWidget(self.empty)
        self.member_stack.addWidget(self.card)

        self.receipt = QLineEdit(objectName="receiptInput")
        self.receipt.setPlaceholderText(self.tr("Scan or type"))
        self.receipt.setMaxLength(64)
        self.amount = AmountField()
        self.amount.setObjectName("amountInput")
        self.award_button = QPushButton(self.tr("Award points"), objectName="awardButton")
        self.award_button.setDefault(True)
        self.award_error = QLabel(objectName="awardError")
        self.award_error.setWordWrap(True)
        self.entries = RecentEntries()
        self.toast = Toast(self)
        self.celebration = Celebration(self)

        self._build_layout()
        self.setTabOrder(self.scan, self.receipt)
        self.setTabOrder(self.receipt, self.amount)
        self.setTabOrder(self.amount, self.award_button)
        self.scan.returnPressed.connect(self.on_scan)
        self.find_button.clicked.connect(self.on_scan)
        self.scan.moved.connect(self.results.step)
        self.scan.escaped.connect(self.start_over)
        self.results.picked.connect(self.pick)
        self.receipt.returnPressed.connect(self.amount.setFocus)
        self.amount.returnPressed.connect(self.award)
        self.award_button.clicked.connect(self.award)
        ctx.changes.member_changed.connect(self._member_changed)
        self._show_no_member()

    # -- layout --------------------------------------------------------------

    def _build_layout(self) -> None:
        scan_row = QHBoxLayout()
        scan_row.setSpacing(10)
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.find_button)

        self.award_panel = QFrame(objectName="awardPanel")
        receipt_label = QLabel(self.tr("Receipt no."), objectName="fieldLabel")
        amount_label = QLabel(self.tr("Amount (¥)"), objectName="fieldLabel")
        receipt_label.setBuddy(self.receipt)
        amount_label.setBuddy(self.amount)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.addWidget(receipt_label, 0, 0)
        grid.addWidget(amount_label, 0, 1)
        grid.addWidget(self.receipt, 1, 0)
        grid.addWidget(self.amount, 1, 1)
        grid.addWidget(self.award_button, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        award_layout = QVBoxLayout(self.award_panel)
        award_layout.setContentsMargins(20, 16, 20, 16)
        award_layout.setSpacing(8)
        award_layout.addLayout(grid)
        award_layout.addWidget(self.award_error)

        recent_panel = QFrame(objectName="recentPanel")
        self.toast.anchor_to(recent_panel)  # over the free space under the entries, not over the fields
        recent_layout = QVBoxLayout(recent_panel)
        recent_layout.setContentsMargins(20, 16, 20, 16)
        recent_layout.addWidget(QLabel(self.tr("Recent points"), objectName="panelTitle"))
        recent_layout.addWidget(self.entries, 1)

        left = QVBoxLayout()
        left.setSpacing(16)
        left.addWidget(self.member_stack, 1)
        left.addWidget(self.award_panel)
        left_column = QWidget(objectName="memberColumn")
        left_column.setLayout(left)
        left_column.setFixedWidth(500)
        left.setContentsMargins(0, 0, 0, 0)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(left_column)
        body.addWidget(recent_panel, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addLayout(scan_row)
        layout.addWidget(self.scan_message)
        layout.addLayout(body, 1)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.scan.setFocus()

    # -- finding a member ----------------------------------------------------

    def on_scan(self) -> None:
        query = self.scan.text().strip()
        if self.results.isVisible() and query == self._results_query:
            member = self.results.current_member()
            if member is not None:
                self.pick(member)
            return
        if not query:
            if self.card.member is not None and self.award_panel.isEnabled():
                self.receipt.setFocus()
            return
        self.scan.selectAll()  # the next scan replaces this text instead of being appended to it
        self._running.start("search", self._search(query))

    async def _search(self, query: str) -> None:
        self._running.cancel("load")
        self._say(self.tr("Searching…"), "busy")
        try:
            result = await member_ops.search(self.ctx, query, limit=SEARCH_LIMIT)
        except Exception as exc:  # shown where the cashier looks, never swallowed
            self._say(error_text(exc), "error")
            return
        found = result.members
        if not found:
            self.results.dismiss()
            self._say(self.tr("No member found for “{query}”.").format(query=query), "error")
        elif result.kind in (MatchKind.CARD, MatchKind.PHONE):
            self.results.dismiss()
            self.scan.clear()
            self._say("", "")
            await self._load(found[0].id)
        else:
            self._results_query = query
            self.results.show_members(found)
            self._place_results()
            more = len(found) >= SEARCH_LIMIT
            self._say((self.tr("The first {n} matches are shown; type more to narrow them.") if more else
                       self.tr("{n} found: choose with ↑ ↓ and press Enter.")).format(n=len(found)), "info")
        self.scan.setFocus()
        self.scan.selectAll()

    def pick(self, member: MemberSummary) -> None:
        self.results.dismiss()
        self.scan.clear()
        self._say("", "")
        self._start_load(member.id)

    def start_over(self) -> None:
        """Escape: close the list, else clear the box, else put the member away."""
        if self.results.isVisible():
            self.results.dismiss()
            self._say("", "")
        elif self.scan.text():
            self.scan.clear()
        else:
            self._show_no_member()
            self._say("", "")
        self.scan.setFocus()

    # -- showing the member --------------------------------------------------

    def _member_changed(self, member_id: uuid.UUID) -> None:
        if self.card.member is not None and self.card.member.id == member_id:
            self._start_load(member_id)

    def _start_load(self, member_id: uuid.UUID) -> None:
        self._running.start("load", self._load(member_id))

    async def _load(self, member_id: uuid.UUID) -> None:
        try:
            view, entries = await asyncio.gather(
                member_ops.load(self.ctx, member_id),
                member_ops.entries(self.ctx, member_id, limit=RECENT_ENTRIES))
        except Exception as exc:
            self._say(error_text(exc), "error")
            return
        if self.card.member is None or self.card.member.id != view.id:
            self.ctx.changes.member_selected.emit(view.id)  # the mall serves the same member
            self.toast.dismiss()  # the last customer's points are not this one's
            self.receipt.clear()
            self.amount.clear()
            self._award_says("")
        self.card.show_member(view)
        self.entries.show_entries(entries)
        if not self.scan_message.text() or self.scan_message.property("kind") == "hint":
            self._say(self.tr("Enter on the empty box: award points · Esc: next customer"), "hint")
        self.member_stack.setCurrentWidget(self.card)
        can_award = self.ctx.can(Permission.POINTS_EARN)
        self.award_panel.setEnabled(can_award)
        if not can_award:
            self._award_says(self.tr("Your role may not award points."))

    def _show_no_member(self) -> None:
        self._running.cancel("load")
        if self.card.member is not None:
            self.ctx.changes.member_selected.emit(None)  # next customer: the mall browses without a member
        self.card.member = None
        self.member_stack.setCurrentWidget(self.empty)
        self.toast.dismiss()
        self.entries.clear()
        self.receipt.clear()
        self.amount.clear()
        self._award_says("")
        self.award_panel.setEnabled(False)

    # -- awarding points -----------------------------------------------------

    @asyncSlot()
    async def award(self) -> None:
        member = self.card.member
        if member is None or self._awarding:
            return
        receipt = self.receipt.text().strip()
        if not receipt:
            self._refuse(self.tr("Enter the receipt number."), self.receipt)
            return
        try:
            fen = self.amount.fen()
        except AmountError as exc:
            self._refuse(self.amount.problem_text(exc.problem), self.amount)
            return
        self._awarding = True
        self.award_button.setEnabled(False)
        self._award_says("")
        try:
            result = await point_ops.award(self.ctx, member.id, receipt, fen)
        except Exception as exc:  # every refusal is shown next to the fields
            self._refuse(error_text(exc), self._field_for(exc))
            return
        finally:
            self._awarding = False
            self.award_button.setEnabled(True)
        self._announce(result)
        self.receipt.clear()
        self.amount.clear()
        self.scan.setFocus()

    def _announce(self, result: AwardResult) -> None:
        balance = i18n.points(result.balance)
        if result.repeated:
            self.toast.show_message(self.tr(
                "Receipt {receipt} had already earned {points} points; nothing new was added. Balance {balance}")
                .format(receipt=result.receipt_no, points=i18n.points(result.points), balance=balance), "warning")
            return
        if result.points == 0:
            text = self.tr("This purchase is too small to earn points; balance {balance}").format(balance=balance)
        elif result.campaigns:
            text = self.tr("Earned {points} points for this purchase ({campaigns}), balance {balance}").format(
                points=i18n.points(result.points), campaigns=" · ".join(result.campaigns), balance=balance)
        else:
            text = self.tr("Earned {points} points for this purchase, balance {balance}").format(
                points=i18n.points(result.points), balance=balance)
        self.toast.show_message(text, "success")
        if result.tier_up:
            name = tier_name(result.tier_after, self.ctx.language)
            self.celebration.celebrate(result.tier_after, self.tr("Upgraded to {tier}!").format(tier=name),
                                       tier_benefits(result.tier_after, self.ctx.language))
            self.card.badge.flash()
            self.toast.raise_()  # the words stay readable above the fireworks

    def _refuse(self, text: str, field: QWidget) -> None:
        self._award_says(text)
        field.setFocus()
        if isinstance(field, QLineEdit):
            field.selectAll()

    def _field_for(self, exc: BaseException) -> QWidget:
        """The field the cashier has to correct, or the scan box when no field is at fault."""
        if isinstance(exc, ValidationError) and exc.field == "amount":
            return self.amount
        if isinstance(exc, ValidationError) and exc.field == "receipt" or isinstance(exc, Conflict):
            return self.receipt
        return self.scan

    # -- small things --------------------------------------------------------

    def _award_says(self, text: str) -> None:
        self.award_error.setText(text)
        self.award_error.setVisible(bool(text))

    def _place_results(self) -> None:
        left = self.scan.geometry().left()
        right = self.find_button.geometry().right()
        self.results.setGeometry(left, self.scan_message.geometry().bottom() + 4, right - left,
                                 self.results.height())
        self.results.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.results.isVisible():
            self._place_results()

    def _say(self, text: str, kind: str) -> None:
        self.scan_message.setText(text)
        self.scan_message.setProperty("kind", kind)
        self.scan_message.style().unpolish(self.scan_message)
        self.scan_message.style().polish(self.scan_message)



class Running:
    """The page's search and load still under way: a new one replaces the old, the page's end cancels all."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Future[None]] = {}

    def start(self, name: str, coroutine: Coroutine[Any, Any, None]) -> None:
        self.cancel(name)
        self._tasks[name] = asyncio.ensure_future(coroutine)

    def cancel(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None and not task.done():
            task.cancel()

    def cancel_all(self, *_: object) -> None:
        for name in list(self._tasks):
            self.cancel(name)
