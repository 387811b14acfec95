"""The review queue (审核) for supervisors: open cases, what they are about, approve or reject with a reason.

Cases are of any kind: earnings an abuse rule flagged, a balance that went
below zero, and the conflicts sync will add. Kinds the client knows get
words; any other kind shows its name and its details as they come, so a
new kind is readable without a new screen. A decision needs a note (what
was checked); rejecting flagged earnings takes their points back in the
core, with a ledger entry each. The open count is in the page title and,
through ``count_changed``, in the navigation.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.members import mask_phone
from pointsmall.staff import Permission
from pointsmall.vouchers import display_code

from .. import i18n
from ..context import AppContext
from ..dialogs.member_merge import MemberMergeDialog, PhoneCorrectionDialog
from ..head_office import hold_back
from ..messages import error_text
from ..models.ledger_table import kind_text as entry_kind_text
from ..ops import reviews as ops
from ..widgets.row_table import row_table
from .settings.common import card, error_label, heading, hint, styled

POLL_MS = 60_000  # other tills open cases too: the count is read again every minute
GREY = QColor("#94A3B8")
STATUSES = ("open", "approved", "rejected", "resolved", "merged", "kept_apart")


def kind_text(kind: str) -> str:
    known = {
        "earning_velocity": QCoreApplication.translate("ReviewsPage", "Earning too fast"),
        "negative_balance": QCoreApplication.translate("ReviewsPage", "Balance below zero"),
        # Conflicts the chain found when offline stores synced (pointsmall/sync).
        "sync_overspend": QCoreApplication.translate("ReviewsPage", "Points spent twice offline"),
        "sync_member_merge": QCoreApplication.translate("ReviewsPage", "Phone registered at two stores"),
        "sync_backorder": QCoreApplication.translate("ReviewsPage", "Sold offline beyond stock"),
        "sync_signin_twice": QCoreApplication.translate("ReviewsPage", "Signed in twice in a day"),
        "sync_task_twice": QCoreApplication.translate("ReviewsPage", "Task rewarded twice"),
        "sync_referral_twice": QCoreApplication.translate("ReviewsPage", "Referral rewarded twice"),
        "sync_referral_code": QCoreApplication.translate("ReviewsPage", "Referral code made twice"),
        "sync_receipt_twice": QCoreApplication.translate("ReviewsPage", "Receipt awarded twice"),
        "sync_refund_twice": QCoreApplication.translate("ReviewsPage", "Refund number used twice"),
        "sync_entry_twice": QCoreApplication.translate("ReviewsPage", "Entry recorded twice"),
        "sync_voucher_code": QCoreApplication.translate("ReviewsPage", "Voucher code drawn at two stores"),
        "sync_prize_oversold": QCoreApplication.translate("ReviewsPage", "Wheel prize won offline beyond stock"),
        "sync_wheel_over_budget": QCoreApplication.translate("ReviewsPage", "Wheel prizes won offline beyond budget"),
        "sync_wheel_over_cap": QCoreApplication.translate("ReviewsPage", "Spins offline beyond the member's cap"),
    }
    return known.get(kind, kind.replace("_", " ").capitalize())


def status_text(status: str) -> str:
    known = {
        "open": QCoreApplication.translate("ReviewsPage", "Open"),
        "approved": QCoreApplication.translate("ReviewsPage", "Approved"),
        "rejected": QCoreApplication.translate("ReviewsPage", "Rejected"),
        "resolved": QCoreApplication.translate("ReviewsPage", "Resolved"),
        "merged": QCoreApplication.translate("ReviewsPage", "Merged"),
        "kept_apart": QCoreApplication.translate("ReviewsPage", "Kept apart"),
    }
    return known.get(status, status)


def metric_text(metric: str) -> str:
    known = {
        "points": QCoreApplication.translate("ReviewsPage", "game points"),
        "sign_ins": QCoreApplication.translate("ReviewsPage", "sign-ins"),
        "task_claims": QCoreApplication.translate("ReviewsPage", "task rewards"),
    }
    return known.get(metric, metric.replace("_", " "))


def reason_text(row: ops.QueueRow) -> str:
    """The reason in the staff member's words where the kind is known; the core's text otherwise."""
    case, d = row.case, row.case.details
    if case.kind == "earning_velocity" and {"rule", "metric", "value", "threshold", "window_minutes"} <= set(d):
        return QCoreApplication.translate("ReviewsPage", "{rule}: {value} {what} within {minutes} minutes "
                                          "(more than {threshold})").format(
            rule=d["rule"], value=i18n.points(int(d["value"])), what=metric_text(str(d["metric"])),
            minutes=i18n.points(int(d["window_minutes"])), threshold=i18n.points(int(d["threshold"])))
    if case.kind == "negative_balance" and "balance" in d:
        return QCoreApplication.translate("ReviewsPage", "The balance went below zero ({balance}) after points "
                                          "were taken back").format(balance=i18n.points(int(d["balance"])))
    if case.kind == "sync_member_merge":
        store = re.search(r"at store (\S+)", case.reason)
        return QCoreApplication.translate("ReviewsPage", "Registered offline at store {store} with another member's "
                                          "phone or card: merge the accounts or correct the phone").format(
            store=store.group(1) if store else case.store_id)
    if case.kind == "sync_voucher_code" and {"store_code", "code"} <= set(d):
        return QCoreApplication.translate("ReviewsPage", "Code {store_code} drawn at store {store} was also drawn "
                                          "at another store: head office gave it the code {code}; the member's slip "
                                          "still works at store {store}").format(
            store_code=display_code(str(d["store_code"])), code=display_code(str(d["code"])),
            store=d.get("store", case.store_id))
    return case.reason


def earning_text(entry_kind: str) -> str:
    """A flagged ledger entry's kind in words (the games' newer kinds too)."""
    known = {
        "task_reward": QCoreApplication.translate("ReviewsPage", "Task reward"),
        "review_reversal": QCoreApplication.translate("ReviewsPage", "Taken back after review"),
    }
    return known.get(entry_kind) or entry_kind_text(entry_kind)


def detail_lines(details: dict[str, Any]) -> list[str]:
    """Any kind's details as "name: value" lines, known names in words."""
    names = {
        "rule": QCoreApplication.translate("ReviewsPage", "Rule"),
        "metric": QCoreApplication.translate("ReviewsPage", "Measures"),
        "value": QCoreApplication.translate("ReviewsPage", "Counted"),
        "threshold": QCoreApplication.translate("ReviewsPage", "Threshold"),
        "window_minutes": QCoreApplication.translate("ReviewsPage", "Window (minutes)"),
        "balance": QCoreApplication.translate("ReviewsPage", "Balance"),
        "phone": QCoreApplication.translate("ReviewsPage", "Phone"),
        "card": QCoreApplication.translate("ReviewsPage", "Card"),
        "store_code": QCoreApplication.translate("ReviewsPage", "Store's code"),
        "code": QCoreApplication.translate("ReviewsPage", "Head office's code"),
        "kind": QCoreApplication.translate("ReviewsPage", "Voucher kind"),
        "store": QCoreApplication.translate("ReviewsPage", "Store"),
    }
    lines = []
    for key, value in details.items():
        shown = metric_text(str(value)) if key == "metric" else (
            ", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
        if key == "phone":
            shown = mask_phone(shown)  # the duplicate-phone case: masked as everywhere in the queue
        if key == "kind" and value in ("mall", "prize"):  # the voucher-code case: which kind of voucher
            shown = (QCoreApplication.translate("ReviewsPage", "mall voucher") if value == "mall"
                     else QCoreApplication.translate("ReviewsPage", "wheel prize"))
        lines.append(QCoreApplication.translate("ReviewsPage", "{name}: {value}").format(
            name=names.get(key, key.replace("_", " ").capitalize()), value=shown))
    return lines


class ReviewsPage(QWidget):
    count_changed = Signal(int)  # open cases in all

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(objectName="reviewsPage")
        self.ctx = ctx
        self.can_decide = ctx.can(Permission.REVIEW_RESOLVE)
        self.rows: list[ops.QueueRow] = []
        self.open_total = 0
        self.loads = 0
        self._loading = False
        self._stale = True
        self.title = heading(self.tr("Review queue"), "reviewsTitle")
        self.status = QComboBox(objectName="reviewsStatus")
        for status in STATUSES:
            self.status.addItem(status_text(status), status)
        self.status.addItem(self.tr("All"), None)
        self.kind = QComboBox(objectName="reviewsKind")
        self.kind.addItem(self.tr("All kinds"), None)
        for known in ("earning_velocity", "negative_balance"):  # others appear once a case has them
            self.kind.addItem(kind_text(known), known)
        self.table = row_table(6, "reviewsTable", stretch=3)
        self.table.setHorizontalHeaderLabels([self.tr("Opened"), self.tr("Kind"), self.tr("Member"),
                                              self.tr("Reason"), self.tr("Points"), self.tr("Status")])
        self.empty = hint("", "reviewsEmpty")
        self.notice = QLabel(objectName="reviewsNotice")
        self.notice.setWordWrap(True)
        styled(self.notice, ok=True)
        self.load_error = error_label("reviewsLoadError")
        self.detail = CaseDetail(ctx, self.can_decide)
        self.detail.decided.connect(self._decided)
        self._layout()
        for combo in (self.status, self.kind):
            combo.currentIndexChanged.connect(self._filtered)
        self.table.itemSelectionChanged.connect(self._selected)
        for signal in (ctx.changes.reviews_changed, ctx.changes.games_changed):
            signal.connect(self._changed)
        ctx.changes.member_changed.connect(self._changed)  # an earning may have opened a case
        self.poll = QTimer(self, interval=POLL_MS)
        self.poll.timeout.connect(self._changed)
        self.poll.start()
        self.refresh_count()

    def _layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.title)
        filters.addStretch(1)
        filters.addWidget(QLabel(self.tr("Status")))
        filters.addWidget(self.status)
        filters.addWidget(QLabel(self.tr("Kind")))
        filters.addWidget(self.kind)
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addLayout(filters)
        left.addWidget(self.load_error)
        left.addWidget(self.empty)
        left.addWidget(self.table, 1)
        left.addWidget(self.notice)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(16)
        layout.addLayout(left, 1)
        self.detail.setFixedWidth(400)
        layout.addWidget(self.detail)

    def nav_label(self) -> str:
        return self.tr("Reviews ({n})").format(n=self.open_total) if self.open_total else self.tr("Reviews")

    # -- loading -------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _changed(self, *_: object) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()
        else:
            self.refresh_count()

    @asyncSlot()
    async def refresh_count(self) -> None:
        try:
            counts = await ops.open_counts(self.ctx)
        except Exception as exc:  # shown on the page, never swallowed
            if shiboken6.isValid(self):
                self.load_error.setText(error_text(exc))
            return
        if shiboken6.isValid(self):
            self._show_count(counts)

    def _show_count(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        for kind in sorted(counts):  # kinds nobody told the client about (sync's conflicts) become filters too
            if self.kind.findData(kind) < 0:
                self.kind.addItem(kind_text(kind), kind)
        self.title.setText(self.tr("Review queue — {n} open").format(n=total) if total else self.tr("Review queue"))
        if total != self.open_total:
            self.open_total = total
            self.count_changed.emit(total)

    @asyncSlot()
    async def refresh(self) -> None:
        if self._loading:
            self._stale = True
            return
        self._loading = True
        try:
            # Changes that arrive while a read is out mark the page stale: read again here, in this
            # task, rather than start another one from inside it (its loop may be gone by then).
            while True:
                self._stale = False
                try:
                    queue = await ops.load_queue(self.ctx, status=self.status.currentData(),
                                                 kind=self.kind.currentData())
                except Exception as exc:  # shown on the page, never swallowed
                    if shiboken6.isValid(self):
                        self.load_error.setText(error_text(exc))
                    return
                if not shiboken6.isValid(self):
                    return
                self.load_error.clear()
                self._show(queue)
                self.loads += 1
                if not self._stale:
                    return
        finally:
            self._loading = False

    def _show(self, queue: ops.Queue) -> None:
        chosen = self.detail.row.case.id if self.detail.row is not None else None
        self.rows = queue.rows
        self._show_count(queue.open_counts)
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            case = row.case
            member = f"{case.member_name} · {row.phone}" if case.member_name else "—"
            cells = [i18n.moment(case.opened_at), kind_text(case.kind), member, reason_text(row),
                     i18n.points(case.points_flagged) if case.points_flagged else "—", status_text(case.status)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(case.id))
                if column == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column in (2, 3):
                    item.setToolTip(text)
                if case.status != "open":
                    item.setForeground(QBrush(GREY))
                self.table.setItem(r, column, item)
        self.table.blockSignals(False)
        self.table.setColumnHidden(5, self.status.currentData() is not None)  # one status shown: no column for it
        ids = [row.case.id for row in self.rows]
        if chosen in ids:
            self.table.selectRow(ids.index(chosen))
        elif self.rows:
            self.table.selectRow(0)
        else:
            self.detail.show_row(None)
        self.empty.setText(self.tr("No open cases: nothing waits for a decision.") if self.status.currentData() ==
                           "open" else self.tr("No cases match these filters."))
        self.empty.setVisible(not self.rows)

    def _filtered(self) -> None:
        self.notice.clear()
        self.refresh()

    def _selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        case_id = uuid.UUID(items[0].data(Qt.ItemDataRole.UserRole))
        self.detail.show_row(next((r for r in self.rows if r.case.id == case_id), None))

    def _decided(self, row: ops.QueueRow) -> None:
        member = f"{row.case.member_name} · {row.phone}" if row.case.member_name else kind_text(row.case.kind)
        self.notice.setText(f"{member}: {self.detail.done.text()}")
        self.detail.show_row(row)
        self._changed()


class CaseDetail(QWidget):
    """The chosen case: who, why, what was earned, and the decision buttons the kind allows."""

    decided = Signal(object)  # ops.QueueRow after the decision

    def __init__(self, ctx: AppContext, can_decide: bool) -> None:
        super().__init__(objectName="reviewCase")
        self.ctx = ctx
        self.can_decide = can_decide
        self.row: ops.QueueRow | None = None
        box = card("reviewCaseCard")
        self.kind = heading("", "reviewCaseKind")
        self.member = QLabel(objectName="reviewCaseMember")
        styled(self.member, heading=True)
        self.reason = QLabel(objectName="reviewCaseReason")
        self.reason.setWordWrap(True)
        self.opened = hint("", "reviewCaseOpened")
        self.blocked = QLabel(objectName="reviewCaseBlocked")
        self.blocked.setWordWrap(True)
        styled(self.blocked, error=True)
        self.details = hint("", "reviewCaseDetails")
        self.earnings = QTableWidget(0, 3, objectName="reviewCaseEarnings")
        self.earnings.setHorizontalHeaderLabels([self.tr("When"), self.tr("What"), self.tr("Points")])
        self.earnings.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.earnings.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.earnings.verticalHeader().setVisible(False)
        self.earnings.verticalHeader().setDefaultSectionSize(30)
        header = self.earnings.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.decision = QLabel(objectName="reviewCaseDecision")
        self.decision.setWordWrap(True)
        self.note = QLineEdit(objectName="reviewNote")
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(self.tr("What was checked (needed for any decision)"))
        self.approve = QPushButton(self.tr("Approve"), objectName="reviewApprove")
        styled(self.approve, primary=True)
        self.reject = QPushButton(self.tr("Reject"), objectName="reviewReject")
        styled(self.reject, danger=True)
        self.resolve = QPushButton(self.tr("Resolve"), objectName="reviewResolve")
        # The duplicate-phone case: each decision opens its dialog (pointsmall/merge.py does the work).
        self.merge = QPushButton(self.tr("Merge into…"), objectName="reviewMerge")
        styled(self.merge, primary=True)
        self.apart = QPushButton(self.tr("Different people: correct the phone…"), objectName="reviewKeepApart")
        hold_back(self.ctx, "reviews", self.approve, self.reject, self.resolve, self.merge, self.apart)
        self.error = error_label("reviewError")
        self.done = hint("", "reviewDone")
        self.nothing = hint(self.tr("Choose a case in the list."), "reviewNothing")
        buttons = QHBoxLayout()
        for button in (self.approve, self.reject, self.resolve, self.merge, self.apart):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner = QVBoxLayout(box)
        inner.setSpacing(8)
        for widget in (self.nothing, self.kind, self.member, self.reason, self.opened, self.blocked, self.details):
            inner.addWidget(widget)
        inner.addWidget(self.earnings, 1)
        inner.addWidget(self.decision)
        inner.addWidget(self.note)
        inner.addLayout(buttons)
        inner.addWidget(self.error)
        inner.addWidget(self.done)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        self.approve.clicked.connect(lambda: self.decide("approved"))
        self.reject.clicked.connect(lambda: self.decide("rejected"))
        self.resolve.clicked.connect(lambda: self.decide("resolved"))
        self.merge.clicked.connect(self.open_merge)
        self.apart.clicked.connect(self.open_correction)
        self.dialog: MemberMergeDialog | PhoneCorrectionDialog | None = None
        self.note.returnPressed.connect(self._enter)
        self.show_row(None)

    def show_row(self, row: ops.QueueRow | None) -> None:
        changed = row is None or self.row is None or row.case.id != self.row.case.id
        self.row = row
        parts = (self.kind, self.member, self.reason, self.opened, self.details, self.earnings, self.decision)
        for widget in parts:
            widget.setVisible(row is not None)
        self.nothing.setVisible(row is None)
        if changed:
            self.note.clear()
            self.error.clear()
            self.done.clear()
        if row is None:
            self.blocked.hide()
            for widget in (self.note, self.approve, self.reject, self.resolve, self.merge, self.apart):
                widget.hide()
            return
        case = row.case
        self.kind.setText(kind_text(case.kind))
        self.member.setText(f"{case.member_name} · {row.phone}" if case.member_name else self.tr("No member"))
        self.reason.setText(reason_text(row))
        self.opened.setText(self.tr("Opened {when} by {who} ({store})").format(
            when=i18n.moment(case.opened_at), who=case.opened_by_name, store=case.store_id))
        self.blocked.setText(self.tr("Redeeming and spinning are blocked until this case is decided.")
                             if case.block_redeem and case.status == "open" else "")
        self.blocked.setVisible(bool(self.blocked.text()))
        lines = detail_lines(case.details)
        self.details.setText("\n".join(lines))
        self.details.setVisible(bool(lines))
        self._earnings(row)
        if case.decision is not None:
            d = case.decision
            text = self.tr("{decision} by {who} on {when}: {note}").format(
                decision=status_text(d.decision), who=d.staff_name, when=i18n.moment(d.occurred_at), note=d.note)
            if d.points_reversed:
                text += " " + self.tr("({points} points taken back)").format(points=i18n.points(d.points_reversed))
            self.decision.setText(text)
        else:
            self.decision.setText("")
        self.decision.setVisible(case.decision is not None)
        allowed = set(case.allowed) if self.can_decide else set()
        self.note.setVisible(bool(allowed - {"merged", "kept_apart"}))  # the merge dialogs ask for their own note
        self.approve.setVisible("approved" in allowed)
        self.reject.setVisible("rejected" in allowed)
        self.resolve.setVisible("resolved" in allowed)
        self.merge.setVisible("merged" in allowed)
        self.apart.setVisible("kept_apart" in allowed)
        self.reject.setText(self.tr("Reject and take back {points} points").format(
            points=i18n.points(case.points_flagged)) if case.points_flagged else self.tr("Reject"))

    def _earnings(self, row: ops.QueueRow) -> None:
        self.earnings.setRowCount(len(row.earnings))
        for r, e in enumerate(row.earnings):
            when = i18n.moment(e.occurred_at) if e.occurred_at is not None else "—"
            what = earning_text(e.entry_kind) if e.entry_kind else f"{e.ref_kind} {e.ref_id[:8]}"
            points = QTableWidgetItem(i18n.points(e.points) if e.points else "—")
            points.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.earnings.setItem(r, 0, QTableWidgetItem(when))
            self.earnings.setItem(r, 1, QTableWidgetItem(what))
            self.earnings.setItem(r, 2, points)
        self.earnings.setVisible(bool(row.earnings))

    def open_merge(self) -> None:
        if self.row is None or "merged" not in self.row.case.allowed:
            return
        self.dialog = MemberMergeDialog(self.ctx, self.row.case.id, self)
        self.dialog.merged.connect(self._merged)
        self.dialog.open()

    def open_correction(self) -> None:
        row = self.row
        if row is None or "kept_apart" not in row.case.allowed:
            return
        phone = mask_phone(str(row.case.details.get("phone", "")))
        self.dialog = PhoneCorrectionDialog(self.ctx, row.case.id, row.case.member_name or "?", phone, self)
        self.dialog.corrected.connect(self._corrected)
        self.dialog.open()

    def _merged(self, done: object) -> None:
        result, row = done  # type: ignore[misc]
        self.done.setText(self.tr("Merged: {name} went into {kept}; {points} points moved.").format(
            name=result.absorbed_name, kept=result.kept_name, points=i18n.points(result.points_moved)))
        self.decided.emit(row)

    def _corrected(self, row: ops.QueueRow) -> None:
        self.done.setText(self.tr("Kept apart: {name}'s phone was corrected.").format(name=row.case.member_name))
        self.decided.emit(row)

    def _enter(self) -> None:
        if self.row is not None and len(self.row.case.allowed) == 1 and self.can_decide:
            self.decide(self.row.case.allowed[0])

    @asyncSlot(str)
    async def decide(self, decision: str) -> None:
        row = self.row
        if row is None or not self.can_decide or decision not in row.case.allowed:
            return
        buttons = (self.approve, self.reject, self.resolve)
        if not all(b.isEnabled() for b in buttons):
            return  # a decision is on its way
        self.error.clear()
        self.done.clear()
        if len(self.note.text().strip()) < 2:
            self.error.setText(self.tr("Write what was checked before deciding (a few words)."))
            self.note.setFocus()
            return
        for button in buttons:
            button.setEnabled(False)
        try:
            after = await ops.decide(self.ctx, row.case.id, decision, self.note.text())
        except Exception as exc:  # the core's refusal (already decided elsewhere...), shown; never swallowed
            if shiboken6.isValid(self):
                self.error.setText(error_text(exc))
            return
        finally:
            if shiboken6.isValid(self):
                for button in buttons:
                    button.setEnabled(True)
        if not shiboken6.isValid(self):
            return
        reversed_ = after.case.decision.points_reversed if after.case.decision else 0
        self.done.setText(self.tr("Decided: {decision}.").format(decision=status_text(after.case.status)) + (
            " " + self.tr("{points} points were taken back.").format(points=i18n.points(reversed_))
            if reversed_ else ""))
        self.decided.emit(after)
