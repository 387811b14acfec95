"""A games setup tab that lists configured things (wheels, tasks, abuse rules) with New, Edit and Switch off/on.

Subclasses say how to load the list, what each row shows, how to open the
editor and how to switch one on or off; the tab loads when first shown
and again whenever the games' rules change.
"""
from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTableWidgetItem, QVBoxLayout
from qasync import asyncSlot

from ..context import AppContext
from ..head_office import hold_back
from ..messages import error_text
from ..pages.settings.common import SettingsTab, error_label, hint, styled
from .row_table import row_table

GREY = QColor("#94A3B8")


class ConfigListTab(SettingsTab):
    """Rows of things with an ``id`` and an ``active`` flag."""

    right_aligned: tuple[int, ...] = ()  # columns of numbers
    fit_rows = True  # a row grows to its text (a rule in plain words may take two lines)
    head_office_area = "games"  # what a replica refuses to save here (ui/head_office.py)

    def __init__(self, ctx: AppContext, name: str, columns: int, *, stretch: int = 0) -> None:
        """Subclasses then name the columns, the New button and what an empty list says."""
        super().__init__(ctx, name)
        ctx.changes.games_changed.connect(self._settings_changed)
        self.things: list[Any] = []
        self.table = row_table(columns, name + "Table", stretch=stretch)
        self.new_button = QPushButton(objectName=name + "New")
        styled(self.new_button, primary=True)
        self.edit_button = QPushButton(self.tr("Edit…"), objectName=name + "Edit")
        self.toggle_button = QPushButton(self.tr("Switch off"), objectName=name + "Toggle")
        hold_back(ctx, self.head_office_area, self.new_button, self.edit_button, self.toggle_button)
        self.error = error_label(name + "Error")
        self.empty = hint("", name + "Empty")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.toggle_button):
            buttons.addWidget(button)
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
        self.table.itemDoubleClicked.connect(self._double_clicked)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.toggle_button.clicked.connect(self.toggle_active)
        self._selection_changed()

    def _double_clicked(self, _item: QTableWidgetItem) -> None:
        if self.edit_button.property("headOffice") is None:  # an offline till does not open an editor to refuse it
            self.open_editor(self.selected())

    # -- what subclasses say -----------------------------------------------------------------------

    def cells(self, thing: Any) -> list[str]:
        raise NotImplementedError

    def dimmed(self, thing: Any) -> bool:
        """Whether the row is greyed out: the thing is switched off."""
        return not thing.active

    def toggle_text(self, thing: Any | None) -> str:
        return self.tr("Switch on") if thing is not None and not thing.active else self.tr("Switch off")

    def open_editor(self, thing: Any | None) -> Any:
        raise NotImplementedError

    async def set_active(self, thing: Any, active: bool) -> None:
        raise NotImplementedError

    # -- the list ---------------------------------------------------------------------------------------

    def show_data(self, data: list[Any]) -> None:
        chosen = self.selected()
        self.things = data
        self.table.blockSignals(True)
        self.table.setRowCount(len(data))
        for row, thing in enumerate(data):
            for column, text in enumerate(self.cells(thing)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, str(thing.id))
                if column in self.right_aligned:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if self.dimmed(thing):
                    item.setForeground(QBrush(GREY))
                self.table.setItem(row, column, item)
        if chosen is not None:
            ids = [t.id for t in data]
            if chosen.id in ids:
                self.table.selectRow(ids.index(chosen.id))
        self.table.blockSignals(False)
        if self.fit_rows:
            self.table.resizeRowsToContents()
        self.empty.setVisible(not data)
        self._selection_changed()

    def selected(self) -> Any | None:
        items = self.table.selectedItems()
        if not items:
            return None
        thing_id = uuid.UUID(items[0].data(Qt.ItemDataRole.UserRole))
        return next((t for t in self.things if t.id == thing_id), None)

    def _selection_changed(self) -> None:
        thing = self.selected()
        self.edit_button.setEnabled(thing is not None)
        self.toggle_button.setEnabled(thing is not None)
        self.toggle_button.setText(self.toggle_text(thing))
        self.error.clear()

    @asyncSlot()
    async def toggle_active(self) -> None:
        thing = self.selected()
        if thing is None or not self.toggle_button.isEnabled():
            return
        self.toggle_button.setEnabled(False)
        try:
            await self.set_active(thing, not thing.active)
        except Exception as exc:  # shown under the list, never swallowed
            self.error.setText(error_text(exc))
        finally:
            self.toggle_button.setEnabled(True)
