"""The wheel editor's segment rows: label, colour, weight, prize, its value, stock, and the fallback choice.

One row per segment (4 to 12). The prize kind decides what the row asks
for: points, a catalog item, a coupon's face value and validity, or nothing
("thanks for playing"). Items and coupons also ask what one prize costs the
budget, in points; a points prize costs its points. Only a "thanks for
playing" row can be the fallback, where a spin lands when a prize is out of
stock or the budget is spent. Every change emits ``changed`` so the
expected-cost panel follows the typing.
"""
from __future__ import annotations

import uuid

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QButtonGroup, QColorDialog, QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QStackedWidget, QToolButton, QWidget)

from pointsmall.catalog import ItemView
from pointsmall.wheel_setup import MAX_SEGMENTS, MIN_SEGMENTS, PrizeKind, SegmentDraft

from ..pages.settings.common import mark_invalid, styled
from .games_form import NumberEdit, Problems

PALETTE = ("#E5484D", "#F76B15", "#FFC53D", "#46A758", "#0090FF", "#8E4EC6",
           "#E93D82", "#12A594", "#FF8B3E", "#3E63DD", "#AD7F58", "#7C66DC")
KINDS = (PrizeKind.POINTS.value, PrizeKind.ITEM.value, PrizeKind.COUPON.value, PrizeKind.NOTHING.value)


def kind_names() -> dict[str, str]:
    return {
        PrizeKind.POINTS.value: QCoreApplication.translate("WheelSegments", "Points"),
        PrizeKind.ITEM.value: QCoreApplication.translate("WheelSegments", "Catalog item"),
        PrizeKind.COUPON.value: QCoreApplication.translate("WheelSegments", "Coupon"),
        PrizeKind.NOTHING.value: QCoreApplication.translate("WheelSegments", "Thanks for playing"),
    }


def colour_icon(colour: str, size: int = 18) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour) if QColor.isValidColorName(colour) else QColor("transparent"))
    return QIcon(pixmap)


class SegmentRow(QObject):
    """The widgets of one segment; ``n`` is 1-based as the core's refusals count."""

    def __init__(self, owner: SegmentRows, n: int, items: list[ItemView]) -> None:
        super().__init__(owner)
        self.owner = owner
        self.number = QLabel(str(n), objectName=f"segNumber_{n}")
        self.label = QLineEdit(objectName=f"segLabel_{n}")
        self.label.setMaxLength(32)
        self.label.setPlaceholderText(self.tr("e.g. 50积分"))
        self.label.setMinimumWidth(90)
        self.colour_value = PALETTE[(n - 1) % len(PALETTE)]
        self.colour = QPushButton(objectName=f"segColour_{n}")
        self.colour.setFixedWidth(44)
        self.weight = NumberEdit(f"segWeight_{n}", self.tr("Weight"), width=64, max_length=7)
        self.kind = QComboBox(objectName=f"segKind_{n}")
        self.kind.setFixedWidth(118)
        for value, text in kind_names().items():
            self.kind.addItem(text, value)
        self.points = NumberEdit(f"segPoints_{n}", self.tr("Points"), width=80, max_length=7)
        self.item = QComboBox(objectName=f"segItem_{n}")
        self.item.setMinimumWidth(150)
        self.set_items(items)
        self.face = NumberEdit(f"segFace_{n}", self.tr("Yuan"), width=60, max_length=9)
        self.face.setToolTip(self.tr("The coupon's face value in yuan"))
        self.days = NumberEdit(f"segDays_{n}", self.tr("Days"), width=48, max_length=4)
        self.days.setToolTip(self.tr("How many days the coupon stays valid"))
        coupon = QWidget()
        coupon_row = QHBoxLayout(coupon)
        coupon_row.setContentsMargins(0, 0, 0, 0)
        coupon_row.setSpacing(6)
        coupon_row.addWidget(QLabel("¥"))
        coupon_row.addWidget(self.face)
        coupon_row.addWidget(self.days)
        coupon_row.addWidget(QLabel(self.tr("days")))
        coupon_row.addStretch(1)
        nothing = QLabel(self.tr("No prize"))
        styled(nothing, hint=True)
        self.detail = QStackedWidget(objectName=f"segDetail_{n}")
        for page in (_padded(self.points), _padded(self.item), coupon, nothing):
            self.detail.addWidget(page)
        self.value = NumberEdit(f"segValue_{n}", self.tr("Points"), width=70, max_length=7)
        self.value.setToolTip(self.tr("What one prize costs the budget, in points (1 point ≈ ¥0.10)"))
        self.stock = NumberEdit(f"segStock_{n}", self.tr("No limit"), width=76, max_length=7)
        self.fallback = QRadioButton(objectName=f"segFallback_{n}")
        self.fallback.setToolTip(self.tr("Where a spin lands when a prize is out of stock or the budget is spent"))
        self.remove = QToolButton(objectName=f"segRemove_{n}")
        self.remove.setText("✕")
        self.remove.setToolTip(self.tr("Remove this segment"))
        self.colour.setAutoDefault(False)
        self.widgets: list[QWidget] = [self.number, self.label, self.colour, self.weight, self.kind, self.detail,
                                       self.value, self.stock, self.fallback, self.remove]
        self._paint_colour()
        changed = owner.edited
        for edit in (self.label, self.weight, self.points, self.face, self.days, self.value, self.stock):
            edit.textEdited.connect(changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.item.currentIndexChanged.connect(self._item_changed)
        self.fallback.toggled.connect(lambda on: on and changed())
        self.colour.clicked.connect(self.choose_colour)
        self.remove.clicked.connect(lambda: owner.remove_row(self))

    def set_items(self, items: list[ItemView]) -> None:
        current = self.item.currentData()
        self.item.blockSignals(True)
        self.item.clear()
        self.item.addItem(self.tr("Choose an item…"), None)
        for item in items:
            self.item.addItem(f"{item.name} ({item.sku})", str(item.id))  # text: QVariant compares it by value
        self.item.setCurrentIndex(max(0, self.item.findData(current)))
        self.item.blockSignals(False)

    def _paint_colour(self) -> None:
        self.colour.setIcon(colour_icon(self.colour_value))
        self.colour.setToolTip(self.tr("{colour}: click to choose another colour").format(
            colour=self.colour_value))

    def choose_colour(self) -> QColorDialog:
        dialog = QColorDialog(QColor(self.colour_value), self.owner)
        dialog.setObjectName("segColourDialog")
        dialog.setWindowTitle(self.tr("Segment colour"))
        dialog.colorSelected.connect(lambda colour: self.set_colour(colour.name().upper()))
        dialog.open()
        return dialog

    def set_colour(self, colour: str) -> None:
        self.colour_value = colour
        self._paint_colour()
        self.owner.edited()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.detail.setCurrentIndex(KINDS.index(kind))
        # A points prize costs the budget its points; "thanks for playing" costs nothing and has no stock.
        self.value.setVisible(kind in (PrizeKind.ITEM.value, PrizeKind.COUPON.value))
        self.stock.setVisible(kind != PrizeKind.NOTHING.value)
        self.fallback.setEnabled(kind == PrizeKind.NOTHING.value)
        if kind != PrizeKind.NOTHING.value and self.fallback.isChecked():
            self.owner.clear_fallback()
        self.owner.edited()

    def _item_changed(self) -> None:
        item = next((i for i in self.owner.items if str(i.id) == self.item.currentData()), None)
        if item is not None and not self.value.text().strip():
            self.value.set_number(item.price_points)  # a fair first guess: what the mall asks for it
        if item is not None and not self.label.text().strip():
            self.label.setText(item.name[:32])
        self.owner.edited()

    def fill(self, seg: SegmentDraft) -> None:
        self.label.setText(seg.label)
        self.label.setCursorPosition(0)
        self.colour_value = seg.colour
        self._paint_colour()
        self.weight.set_number(seg.weight)
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(seg.prize)))
        self.kind.blockSignals(False)
        self.points.set_number(seg.points or None)
        self.item.blockSignals(True)
        self.item.setCurrentIndex(max(0, self.item.findData(str(seg.item_id)) if seg.item_id else 0))
        self.item.blockSignals(False)
        self.face.set_fen(seg.face_value_fen)
        self.days.set_number(seg.validity_days)
        self.value.set_number(seg.value_points if seg.prize in (PrizeKind.ITEM.value, PrizeKind.COUPON.value)
                              else None)
        self.stock.set_number(seg.stock)
        kind = seg.prize
        self.detail.setCurrentIndex(KINDS.index(kind) if kind in KINDS else 3)
        self.value.setVisible(kind in (PrizeKind.ITEM.value, PrizeKind.COUPON.value))
        self.stock.setVisible(kind != PrizeKind.NOTHING.value)
        self.fallback.setEnabled(kind == PrizeKind.NOTHING.value)

    def read(self, problems: Problems, n: int) -> SegmentDraft:
        kind = self.kind.currentData()
        key = f"{n}"
        weight = problems.whole(f"weight {key}", self.weight, 0) or 0
        stock = problems.whole(f"stock {key}", self.stock, None) if kind != PrizeKind.NOTHING.value else None
        points = problems.whole(f"points {key}", self.points, 0) if kind == PrizeKind.POINTS.value else 0
        value = problems.whole(f"value_points {key}", self.value, 0) \
            if kind in (PrizeKind.ITEM.value, PrizeKind.COUPON.value) else 0
        face = problems.fen(f"face_value {key}", self.face, None) if kind == PrizeKind.COUPON.value else None
        days = problems.whole(f"validity_days {key}", self.days, None) if kind == PrizeKind.COUPON.value else None
        chosen = self.item.currentData() if kind == PrizeKind.ITEM.value else None
        item_id = uuid.UUID(chosen) if chosen else None
        return SegmentDraft(self.label.text(), self.colour_value, weight, kind, points or 0, item_id, face, days,
                            value or 0, stock)

    def field_widget(self, field: str) -> QWidget:
        return {"label": self.label, "colour": self.colour, "weight": self.weight, "prize": self.kind,
                "points": self.points, "item": self.item, "face_value": self.face, "validity_days": self.days,
                "value_points": self.value, "stock": self.stock}.get(field, self.label)

    def all_fields(self) -> list[QWidget]:
        return [self.label, self.colour, self.weight, self.kind, self.points, self.item, self.face, self.days,
                self.value, self.stock]


class SegmentRows(QWidget):
    """The segments of the wheel being edited, as rows of a grid, with "Add a segment"."""

    changed = Signal()

    def __init__(self, items: list[ItemView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wheelSegments")
        self.items = items
        self.rows: list[SegmentRow] = []
        self.fallbacks = QButtonGroup(self)
        self.fallbacks.setExclusive(True)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(6)
        headers = ["#", self.tr("Label"), self.tr("Colour"), self.tr("Weight"), self.tr("Prize"),
                   self.tr("Points, item, or coupon ¥ and days"), self.tr("Costs budget"), self.tr("Stock"),
                   self.tr("Fallback"), ""]
        for column, text in enumerate(headers):
            caption = QLabel(text)
            styled(caption, hint=True)
            self.grid.addWidget(caption, 0, column)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(5, 2)
        self.add_button = QPushButton(self.tr("Add a segment"), objectName="segAdd")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_row(None))
        self._quiet = False

    def edited(self, *_: object) -> None:
        if not self._quiet:
            self.changed.emit()

    def set_segments(self, segments: tuple[SegmentDraft, ...], fallback_index: int) -> None:
        self._quiet = True
        for row in list(self.rows):
            self._drop(row)
        for seg in segments:
            self.add_row(seg)
        if 0 <= fallback_index < len(self.rows):
            self.rows[fallback_index].fallback.setChecked(True)
        self._quiet = False
        self.changed.emit()

    def add_row(self, seg: SegmentDraft | None) -> SegmentRow | None:
        if len(self.rows) >= MAX_SEGMENTS:
            return None
        n = len(self.rows) + 1
        row = SegmentRow(self, n, self.items)
        if seg is not None:
            row.fill(seg)
        else:
            row.kind.blockSignals(True)
            row.kind.setCurrentIndex(row.kind.findData(PrizeKind.POINTS.value))
            row.kind.blockSignals(False)
            row.fill(SegmentDraft(self.tr("{n} points").format(n=10), row.colour_value, 10, PrizeKind.POINTS.value,
                                  points=10))
        self.rows.append(row)
        self.fallbacks.addButton(row.fallback)
        self._place()
        self.edited()
        return row

    def remove_row(self, row: SegmentRow) -> None:
        if len(self.rows) <= MIN_SEGMENTS:
            return
        self._drop(row)
        self._place()
        self.edited()

    def _drop(self, row: SegmentRow) -> None:
        self.rows.remove(row)
        self.fallbacks.removeButton(row.fallback)
        for widget in row.widgets:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        row.deleteLater()

    def _place(self) -> None:
        for i, row in enumerate(self.rows):
            row.number.setText(str(i + 1))
            for column, widget in enumerate(row.widgets):
                self.grid.addWidget(widget, i + 1, column,
                                    Qt.AlignmentFlag.AlignCenter if widget is row.fallback else Qt.AlignmentFlag(0))
            row.remove.setEnabled(len(self.rows) > MIN_SEGMENTS)
        self.grid.removeWidget(self.add_button)
        self.grid.addWidget(self.add_button, len(self.rows) + 1, 1, Qt.AlignmentFlag.AlignLeft)
        self.add_button.setEnabled(len(self.rows) < MAX_SEGMENTS)

    def clear_fallback(self) -> None:
        self.fallbacks.setExclusive(False)
        for row in self.rows:
            row.fallback.setChecked(False)
        self.fallbacks.setExclusive(True)

    def fallback_index(self) -> int:
        return next((i for i, row in enumerate(self.rows) if row.fallback.isChecked()), -1)

    def read(self, problems: Problems) -> tuple[SegmentDraft, ...]:
        return tuple(row.read(problems, i + 1) for i, row in enumerate(self.rows))

    def set_items(self, items: list[ItemView]) -> None:
        self.items = items
        for row in self.rows:
            row.set_items(items)

    def outline(self, segment: int | None, field: str | None) -> None:
        """Outline one row's field (``segment`` is 1-based), or none."""
        for i, row in enumerate(self.rows):
            bad = row.field_widget(field) if segment == i + 1 and field else None
            for widget in row.all_fields():
                mark_invalid(widget, widget is bad)

    def focus(self, segment: int, field: str) -> None:
        if 1 <= segment <= len(self.rows):
            self.rows[segment - 1].field_widget(field).setFocus()


def _padded(widget: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addStretch(1)
    return box
