"""The mall grid's filters: category, a text filter, and "affordable for this member"."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from .. import i18n
from ..models.mall_grid import ShelfFilter


class ShelfFilters(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shelfFilters")
        self.category = QComboBox(objectName="categoryFilter")
        self.category.setMinimumWidth(160)
        self.category.addItem(self.tr("All categories"), "")
        self.text = QLineEdit(objectName="textFilter")
        self.text.setPlaceholderText(self.tr("Filter by name or item code"))
        self.text.setClearButtonEnabled(True)
        self.affordable = QCheckBox(self.tr("Affordable for this member"), objectName="affordableFilter")
        self.affordable.setEnabled(False)
        self.count = QLabel(objectName="shelfCount")
        self.count.setProperty("hint", True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.category)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.affordable)
        layout.addWidget(self.count)
        self.category.currentIndexChanged.connect(self.changed)
        self.text.textChanged.connect(self.changed)
        self.affordable.toggled.connect(self.changed)

    def set_categories(self, categories: list[str]) -> None:
        """The shelf's categories; the chosen one stays chosen if it still exists."""
        chosen = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem(self.tr("All categories"), "")
        for name in categories:
            self.category.addItem(name, name)
        found = self.category.findData(chosen)
        self.category.setCurrentIndex(max(0, found))
        self.category.blockSignals(False)
        if chosen and found < 0:
            self.changed.emit()

    def set_member_known(self, known: bool) -> None:
        """"Affordable" needs a member; without one it is off and greyed."""
        self.affordable.blockSignals(True)
        if not known:
            self.affordable.setChecked(False)
        self.affordable.setEnabled(known)
        self.affordable.blockSignals(False)

    def shelf_filter(self, balance: int | None) -> ShelfFilter:
        affordable = balance if self.affordable.isChecked() and balance is not None else None
        return ShelfFilter(self.category.currentData() or "", self.text.text(), affordable)

    def show_count(self, shown: int, total: int) -> None:
        self.count.setText(self.tr("{shown} of {total} items").format(shown=i18n.points(shown),
                                                                         total=i18n.points(total)))
