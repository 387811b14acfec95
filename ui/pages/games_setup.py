"""The Games setup page (游戏设置) for operators: the sign-in schedule, the wheels, tasks and abuse rules.

Only roles that may configure the games see the page (the main window
checks ``GAMES_CONFIGURE``; the tasks and abuse-rule tabs need their own
permissions); the core refuses the rest anyway. Each tab loads when first
shown and again whenever the games' rules change.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton, QTabWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.staff import Permission
from pointsmall.wheel_setup import WheelView

from .. import i18n
from ..context import AppContext
from ..dialogs.risk_rules import RiskRulesTab
from ..dialogs.signin_rules import SigninRulesEditor
from ..dialogs.task_editor import TasksTab
from ..dialogs.wheel_editor import WheelEditorDialog, open_wheel_editor
from ..messages import error_text
from ..ops import games_setup as ops
from .settings.common import SettingsTab, error_label, hint, styled

GREY = QColor("#94A3B8")


class WheelsTab(SettingsTab):
    """Every wheel with its state, window, spins and budget; new, edit (a new version), pause and resume."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "wheelsTab")
        ctx.changes.games_changed.connect(self._settings_changed)
        ctx.changes.catalog_changed.connect(self._settings_changed)  # item names and the items a prize can be
        self.listing: ops.WheelListing | None = None
        self.editor: WheelEditorDialog | None = None
        self.table = QTableWidget(0, 6, objectName="wheelTable")
        self.table.setHorizontalHeaderLabels([self.tr("Wheel"), self.tr("Status"), self.tr("Runs"),
                                              self.tr("Spins"), self.tr("Budget spent"), self.tr("Version")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.new_button = QPushButton(self.tr("New wheel"), objectName="wheelNew")
        styled(self.new_button, primary=True)
        self.edit_button = QPushButton(self.tr("Edit…"), objectName="wheelEdit")
        self.toggle_button = QPushButton(self.tr("Pause"), objectName="wheelToggle")
        self.error = error_label("wheelsError")
        self.empty = hint(self.tr("No wheel yet. “New wheel” sets one up: segments, prizes, budget, and what a "
                                  "spin will cost the store."), "wheelsEmpty")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.toggle_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(self.load_error)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.selected()))
        self.table.itemDoubleClicked.connect(lambda _item: self.open_editor(self.selected()))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.new_button.setEnabled(False)  # the editor needs the tiers and items: enabled once they are read
        self._selection_changed()

    async def fetch(self) -> ops.WheelListing:
        return await ops.load_wheels(self.ctx)

    def show_data(self, data: ops.WheelListing) -> None:
        chosen = self.selected()
        self.listing = data
        self.new_button.setEnabled(True)
        now = datetime.now(timezone.utc)
        self.table.blockSignals(True)
        self.table.setRowCount(len(data.wheels))
        for row, wheel in enumerate(data.wheels):
            status, running = self.status(wheel, now)
            budget = (self.tr("{spent} of {budget}").format(spent=i18n.points(wheel.budget_spent),
                                                            budget=i18n.points(wheel.budget))
                      if wheel.budget is not None else self.tr("{spent} (no budget)").format(
                          spent=i18n.points(wheel.budget_spent)))
            cells = [wheel.name, status, f"{i18n.moment(wheel.starts_at)} – {i18n.moment(wheel.ends_at)}",
                     i18n.points(wheel.spins), budget, f"v{wheel.version}"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(wheel.id))
                if column in (3, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not running:
                    item.setForeground(QBrush(GREY))
                self.table.setItem(row, column, item)
        if chosen is not None:
            ids = [w.id for w in data.wheels]
            if chosen.id in ids:
                self.table.selectRow(ids.index(chosen.id))
        self.table.blockSignals(False)
        self.empty.setVisible(not data.wheels)
        self._selection_changed()

    def status(self, wheel: WheelView, now: datetime) -> tuple[str, bool]:
        """The wheel's state in words, and whether members can spin it now."""
        if not wheel.active:
            return self.tr("Paused"), False
        if now < wheel.starts_at:
            return self.tr("Opens later"), False
        if now >= wheel.ends_at:
            return self.tr("Closed"), False
        if wheel.budget is not None and wheel.budget_spent >= wheel.budget:
            return self.tr("Open, budget spent"), True
        return self.tr("Open"), True

    def selected(self) -> WheelView | None:
        items = self.table.selectedItems()
        if not items or self.listing is None:
            return None
        wheel_id = uuid.UUID(items[0].data(Qt.ItemDataRole.UserRole))
        return next((w for w in self.listing.wheels if w.id == wheel_id), None)

    def _selection_changed(self) -> None:
        wheel = self.selected()
        self.edit_button.setEnabled(wheel is not None)
        self.toggle_button.setEnabled(wheel is not None)
        self.toggle_button.setText(self.tr("Resume") if wheel is not None and not wheel.active else self.tr("Pause"))
        self.error.clear()

    def open_editor(self, wheel: WheelView | None) -> WheelEditorDialog | None:
        if self.listing is None:
            return None
        self.editor = open_wheel_editor(self.ctx, wheel, self.listing.tiers, self.listing.items, self)
        return self.editor

    @asyncSlot()
    async def toggle_active(self) -> None:
        wheel = self.selected()
        if wheel is None or not self.toggle_button.isEnabled():
            return
        self.toggle_button.setEnabled(False)
        try:
            await ops.set_wheel_active(self.ctx, wheel.id, not wheel.active)
        except Exception as exc:  # shown under the list, never swallowed
            self.error.setText(error_text(exc))
        finally:
            self.toggle_button.setEnabled(True)


class GamesSetupPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(objectName="gamesSetupPage")
        self.ctx = ctx
        self.tabs = QTabWidget(objectName="gamesSetupTabs")
        self.signin = SigninRulesEditor(ctx)
        self.wheels = WheelsTab(ctx)
        self.tasks = TasksTab(ctx) if ctx.can(Permission.TASK_CONFIGURE) else None
        self.risk = RiskRulesTab(ctx) if ctx.can(Permission.RISK_CONFIGURE) else None
        self.tabs.addTab(self.signin, self.tr("Daily sign-in"))
        self.tabs.addTab(self.wheels, self.tr("Spin wheels"))
        if self.tasks is not None:
            self.tabs.addTab(self.tasks, self.tr("Tasks"))
        if self.risk is not None:
            self.tabs.addTab(self.risk, self.tr("Abuse rules"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.tabs)

    def show_tab(self, tab: QWidget) -> None:
        self.tabs.setCurrentWidget(tab)
