"""A table cell with a second, grey line taken from another column of the same row.

The catalog table shows an item's code under its name: the model keeps the
code in its own column (for sorting, copying, tests) and the view hides
that column, so a 1280-pixel window has room for the rest.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

Index = QModelIndex | QPersistentModelIndex
SECOND_LINE = QColor("#64748B")


class TwoLineDelegate(QStyledItemDelegate):
    def __init__(self, second_column: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.second_column = second_column

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        first = opt.text
        second = str(index.siblingAtColumn(self.second_column).data() or "")
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(8, 4, -8, -4)
        half = rect.height() // 2
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        main_colour = (QColor(foreground) if foreground is not None
                       else opt.palette.color(QPalette.ColorRole.HighlightedText if selected
                                              else QPalette.ColorRole.Text))
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(main_colour)
        top = QRect(rect.left(), rect.top(), rect.width(), half)
        painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                         QFontMetrics(opt.font).elidedText(first, Qt.TextElideMode.ElideRight, rect.width()))
        small = QFont(opt.font)
        if opt.font.pixelSize() > 0:  # the style sheet sizes fonts in pixels
            small.setPixelSize(max(9, round(opt.font.pixelSize() * 0.86)))
        else:
            small.setPointSizeF(max(7.0, opt.font.pointSizeF() * 0.86))
        painter.setFont(small)
        painter.setPen(SECOND_LINE if foreground is None else QColor(foreground))
        bottom = QRect(rect.left(), rect.top() + half + 1, rect.width(), rect.height() - half - 1)
        painter.drawText(bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                         QFontMetrics(small).elidedText(second, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 (Qt's name)
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), QFontMetrics(option.font).height() * 2 + 10))
