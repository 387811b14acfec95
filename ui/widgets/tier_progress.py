"""Progress to the next tier: a bar in the next tier's colour, with words.

"Spend ¥320 more to reach Gold" on the spend basis, "Earn 320 more points to
reach Gold" on the points basis, "Top tier" at the top, and a line of its
own when the tier was set by hand ("Set by hand until 2027-03-31").
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from pointsmall.tiers import TierProgress

from .. import i18n
from .tier_badge import tier_colour, tier_name


class TierProgressView(QWidget):
    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tierProgress")
        self.language = language
        self.bar = QProgressBar(objectName="tierProgressBar")
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.words = QLabel(objectName="tierProgressWords")
        self.words.setWordWrap(True)
        self.manual = QLabel(objectName="tierManual")
        self.manual.setWordWrap(True)
        self.manual.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.bar)
        layout.addWidget(self.words)
        layout.addWidget(self.manual)

    def show_progress(self, progress: TierProgress, manual_reason: str | None = None) -> None:
        self.bar.setValue(progress.percent)
        colour = tier_colour(progress.next or progress.current).name()
        self.bar.setStyleSheet(
            "QProgressBar { background: #ECEEF2; border: none; border-radius: 6px; }"
            f"QProgressBar::chunk {{ background: {colour}; border-radius: 6px; }}")
        self.words.setText(self.progress_words(progress))
        if progress.manual_until is not None:
            text = self.tr("Set by hand until {date}").format(date=i18n.day(progress.manual_until))
            if manual_reason:
                text = self.tr("{text} ({reason})").format(text=text, reason=manual_reason)
            self.manual.setText(text)
            self.manual.show()
        else:
            self.manual.hide()

    def progress_words(self, progress: TierProgress) -> str:
        if progress.next is None:
            return self.tr("Top tier")
        name = tier_name(progress.next, self.language)
        if progress.needed <= 0:
            return self.tr("Qualifies for {tier}").format(tier=name)
        if progress.basis == "points":
            return self.tr("Earn {points} more points to reach {tier}").format(
                points=i18n.points(progress.needed), tier=name)
        return self.tr("Spend {amount} more to reach {tier}").format(
            amount=i18n.money_short(progress.needed), tier=name)
