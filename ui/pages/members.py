"""The members page (会员): every member in a lazily read table, a search box, and registration.

The table is a model over ids (``ui/models/member_table.py``), so it opens at
once however many members there are. Typing in the search box searches
after a short pause; a newer search cancels the one still running, and an
empty box goes back to the whole table. Enter or a double-click opens the
member's details; Enter in the search box opens the only match (a scanned
card ends with Enter).
"""
from __future__ import annotations

import asyncio
import uuid

import shiboken6
from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from pointsmall.errors import ValidationError
from pointsmall.members import normalise_phone
from pointsmall.staff import Permission

from .. import i18n, icons
from ..context import AppContext
from ..dialogs.member_detail import MemberDetailDialog
from ..dialogs.member_edit import MemberEditDialog, open_member_editor
from ..messages import error_text
from ..models.member_table import Column, MemberTableModel
from ..dialogs.style import members_style_sheet
from ..ops import members as member_ops

SEARCH_DELAY_MS = 250
SEARCH_LIMIT = 200


class MembersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, page_size: int = 200,
                 block_size: int = 50) -> None:
        super().__init__(parent)
        self.setObjectName("membersPage")
        self.setStyleSheet(members_style_sheet())
        self.ctx = ctx
        self.model = MemberTableModel(ctx, self, page_size=page_size, block_size=block_size)
        self._search_task: asyncio.Task[None] | None = None
        self._total: int | None = None
        self._last_query = ""
        self.detail: MemberDetailDialog | None = None
        self.editor: MemberEditDialog | None = None

        title = QLabel(self.tr("Members"), objectName="membersTitle")
        title.setProperty("heading", True)
        self.search = QLineEdit(objectName="memberSearch")
        self.search.setPlaceholderText(self.tr("Search: card, phone, last 4 digits, or name (张三 or zs)"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(420)
        self.summary = QLabel(objectName="memberCount")
        self.summary.setProperty("hint", True)
        self.new_button = QPushButton(icons.icon("members"), self.tr("New member"), objectName="newMemberButton")
        self.new_button.setProperty("primary", True)
        self.new_button.setVisible(ctx.can(Permission.MEMBER_CREATE))
        self.error = QLabel(objectName="membersError")
        self.error.setProperty("error", True)
        self.error.setWordWrap(True)
        self.error.hide()

        self.table = QTableView(objectName="membersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in ((Column.CARD, 150), (Column.NAME, 220), (Column.PHONE, 150), (Column.TIER, 120),
                              (Column.BALANCE, 110), (Column.STATUS, 90), (Column.REVIEW, 110)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.empty = QLabel(objectName="membersEmpty")
        self.empty.setProperty("hint", True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.search, 1)
        top.addWidget(self.summary)
        top.addStretch()
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.setTabOrder(self.search, self.table)
        self.setTabOrder(self.table, self.new_button)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._start_search)
        self.search.textChanged.connect(self._query_edited)
        self.search.returnPressed.connect(self._search_entered)
        self.search.installEventFilter(self)
        self.table.activated.connect(self._open_index)
        self.new_button.clicked.connect(self.new_member)
        ctx.changes.member_changed.connect(self.model.forget_member)
        ctx.changes.members_changed.connect(self._members_added)
        ctx.changes.settings_changed.connect(self.model.tiers_changed)
        self.model.fetchMore(QModelIndex())  # the first page of ids now, so the first paint has rows
        self._show_summary()
        QTimer.singleShot(0, self.refresh_count)

    # -- counting ---------------------------------------------------------------

    def refresh_count(self) -> None:
        task = asyncio.ensure_future(self._count())
        task.add_done_callback(_report_failure)

    async def _count(self) -> None:
        try:
            total = await member_ops.count(self.ctx)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        if shiboken6.isValid(self):  # the window may have closed meanwhile
            self._total = total
            self._show_summary()

    def _show_summary(self) -> None:
        if self.model.searching:
            n = self.model.rowCount()
            text = self.tr("{n} found").format(n=i18n.points(n))
            if n >= SEARCH_LIMIT:
                text = self.tr("First {n} matches; type more to narrow").format(n=i18n.points(n))
            self.summary.setText(text)
            self.empty.setText(self.tr("No member matches “{query}”.").format(query=self._last_query))
            self.empty.setVisible(n == 0)
        else:
            self.summary.setText("" if self._total is None
                                 else self.tr("{n} members").format(n=i18n.points(self._total)))
            self.empty.setText(self.tr("No members yet. Register the first with “New member”."))
            self.empty.setVisible(self._total == 0)

    def _members_added(self) -> None:
        self.model.members_added()
        self.refresh_count()

    # -- searching ------------------------------------------------------------------

    def _query_edited(self, text: str) -> None:
        if text.strip():
            self._debounce.start()
        else:
            self._debounce.stop()
            self._cancel_search()
            self._last_query = ""
            if self.model.searching:
                self.model.browse()
            self._show_error("")
            self._show_summary()

    def _start_search(self) -> None:
        query = self.search.text().strip()
        if not query:
            return
        self._cancel_search()
        self._search_task = asyncio.ensure_future(self._run_search(query))
        self._search_task.add_done_callback(_report_failure)

    def _cancel_search(self) -> None:
        if self._search_task is not None and not self._search_task.done():
            self._search_task.cancel()
        self._search_task = None

    async def _run_search(self, query: str) -> None:
        try:
            result = await member_ops.search(self.ctx, query, limit=SEARCH_LIMIT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        if not shiboken6.isValid(self):
            return  # the window closed meanwhile
        if query != self.search.text().strip():
            return  # typed on meanwhile; the newer search shows its own results
        self._last_query = query
        self._show_error("")
        self.model.show_results(result.members)
        if result.members:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        self._show_summary()

    def _search_entered(self) -> None:
        """Enter (or a scanner's final Enter): search now; a single match opens."""
        if not self.search.text().strip():
            return
        self._debounce.stop()
        self._start_search()
        task = self._search_task
        if task is not None:
            task.add_done_callback(lambda t: None if t.cancelled() else self._open_single_match())

    def _open_single_match(self) -> None:
        if self.model.searching and self.model.rowCount() == 1:
            self.open_member(self.model.member_id(0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Down goes from the search box into the results and Escape empties it, so hands stay on the keys.
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Down and self.model.rowCount():
                self.table.setFocus()
                if not self.table.currentIndex().isValid():
                    self.table.selectRow(0)
                return True
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
        return super().eventFilter(watched, event)

    # -- opening and registering ---------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        self.open_member(self.model.member_id(index.row()))

    def open_member(self, member_id: uuid.UUID | None) -> MemberDetailDialog | None:
        if member_id is None:
            return None
        if self.detail is not None:
            self.detail.close()
            self.detail.deleteLater()
        self.detail = MemberDetailDialog(self.ctx, member_id, self)
        self.detail.open()
        return self.detail

    def new_member(self) -> MemberEditDialog:
        """Registration, with the phone filled in when the search was for an unknown phone."""
        phone = ""
        query = self.search.text().strip()
        if query and self.model.searching and self.model.rowCount() == 0:
            try:
                phone = normalise_phone(query)
            except ValidationError:
                phone = ""
        self.editor = open_member_editor(self.ctx, self, phone=phone)
        self.editor.saved.connect(lambda view: self.open_member(view.id))
        return self.editor

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


def _report_failure(task: asyncio.Task[None]) -> None:
    """Surface a crash in a background task instead of losing it in the loop."""
    if not task.cancelled() and task.exception() is not None:
        loop = asyncio.get_event_loop()
        loop.call_exception_handler({"message": "members page task failed", "exception": task.exception(),
                                     "task": task})
