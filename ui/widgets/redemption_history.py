"""Redemption history at the counter: the member served, or the whole store; cancelling for supervisors.

Cancelling needs a reason and gives the points and the stock back, once
(the core refuses a second cancellation, a used voucher or a redemption
older than the cancellation period, and the dialog shows why). Cashiers
see the history without the Cancel button.
"""
from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from pointsmall.redemption import CancelResult, RedemptionView
from pointsmall.staff import Permission

from .. import i18n
from ..context import AppContext
from ..dialogs.reason import ReasonDialog
from ..messages import error_text
from ..models.redemption_table import HistoryColumn, RedemptionTableModel
from ..ops import mall as mall_ops
from ..tasks import Tasks


class RedemptionHistory(QWidget):
    cancelled = Signal(object)  # CancelResult

    MEMBER, STORE = "member", "store"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redemptionHistory")
        self.ctx = ctx
        self.member_id: uuid.UUID | None = None
        self.member_name = ""
        self._tasks = Tasks(self)
        self.dialog: ReasonDialog | None = None
        self._note = ""  # said after the next load instead of the row count (the cancellation's result)
        self.scope = QComboBox(objectName="historyScope")
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scope.addItem(self.tr("This member"), self.MEMBER)
        self.scope.addItem(self.tr("This store"), self.STORE)
        self.refresh_button = QPushButton(self.tr("Refresh"), objectName="historyRefresh")
        self.cancel_button: QPushButton | None = None
        if ctx.can(Permission.REDEMPTION_CANCEL):
            self.cancel_button = QPushButton(self.tr("Cancel redemption…"), objectName="historyCancel")
            self.cancel_button.setProperty("danger", True)
            self.cancel_button.setEnabled(False)
        self.message = QLabel(objectName="historyMessage")
        self.message.setWordWrap(True)
        self.model = RedemptionTableModel(self)
        self.table = QTableView(objectName="historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(HistoryColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        for column, width in ((HistoryColumn.WHEN, 150), (HistoryColumn.MEMBER, 110), (HistoryColumn.QUANTITY, 56),
                              (HistoryColumn.POINTS, 90), (HistoryColumn.VOUCHER, 170), (HistoryColumn.STATE, 90)):
            self.table.setColumnWidth(column, width)

        bar = QHBoxLayout()
        bar.setSpacing(10)
        bar.addWidget(self.scope)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.message, 1)
        if self.cancel_button is not None:
            bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.scope.currentIndexChanged.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        if self.cancel_button is not None:
            self.cancel_button.clicked.connect(self.ask_cancel)

    # -- loading ---------------------------------------------------------------

    def set_member(self, member_id: uuid.UUID | None, name: str = "") -> None:
        self.member_id, self.member_name = member_id, name
        self.scope.setItemText(0, self.tr("Member: {name}").format(name=name) if name else self.tr("This member"))
        if self.isVisible():
            self.reload()

    def reload(self, *_: Any) -> None:
        self._tasks.start("load", self._load())  # a newer read replaces one still running

    async def _load(self) -> None:
        member_scope = self.scope.currentData() == self.MEMBER
        if member_scope and self.member_id is None:
            self.model.set_rows([])
            self._say(self.tr("No member is being served: choose “This store”, or find the member at the counter."))
            self._selection_changed()
            return
        self.refresh_button.setEnabled(False)
        try:
            rows = await mall_ops.history(self.ctx, member_id=self.member_id if member_scope else None)
        except Exception as exc:  # shown above the table, never swallowed
            self._say(error_text(exc), error=True)
            return
        finally:
            self.refresh_button.setEnabled(True)
        self.model.set_rows(rows)
        note, self._note = self._note, ""
        if note:
            self._say(note, ok=True)
        else:
            self._say(self.tr("Redemptions: {n}, newest first").format(n=i18n.points(len(rows))) if rows
                      else self.tr("No redemptions yet."))
        self._selection_changed()

    # -- cancelling ------------------------------------------------------------

    def selected(self) -> RedemptionView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.redemption(rows[0].row()) if rows else None

    def _selection_changed(self, *_: Any) -> None:
        if self.cancel_button is not None:
            view = self.selected()
            self.cancel_button.setEnabled(view is not None and not view.cancelled)

    def ask_cancel(self) -> None:
        view = self.selected()
        if view is None or view.cancelled:
            return

        async def cancel(reason: str) -> CancelResult:
            return await mall_ops.cancel(self.ctx, view.id, view.member_id, reason)

        prompt = self.tr("Cancel {item} × {n} of {member} ({when})? The {points} points and the stock go back. "
                         "Why?").format(item=view.item_name, n=view.quantity, member=view.member_name,
                                        when=i18n.moment(view.occurred_at), points=i18n.points(view.points))
        self.dialog = ReasonDialog(self.tr("Cancel a redemption"), prompt, self.tr("Cancel redemption"), cancel,
                                   self, danger=True)
        self.dialog.setObjectName("cancelRedemptionDialog")
        self.dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Back"))
        self.dialog.done_with.connect(self._cancelled)
        self.dialog.open()

    def _cancelled(self, result: CancelResult) -> None:
        self._note = self.tr("Cancelled: {points} points returned, balance {balance}").format(
            points=i18n.points(result.points_returned), balance=i18n.points(result.balance))
        self._say(self._note, ok=True)
        self.cancelled.emit(result)
        self.reload()

    def _say(self, text: str, *, error: bool = False, ok: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        self.message.setProperty("ok", ok)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
