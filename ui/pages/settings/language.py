"""The Language tab: 中文 or English; applying it rebuilds the main window in that language."""
from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QRadioButton, QVBoxLayout, QWidget

from ... import i18n
from ...context import AppContext
from ...ops import settings as ops
from .common import card, heading, hint, styled


class LanguageTab(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(objectName="languageTab")
        self.ctx = ctx
        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        box = card("languageCard")
        box.setMaximumWidth(720)
        inner = QVBoxLayout(box)
        inner.addWidget(heading(self.tr("Interface language")))
        for code, name in i18n.LANGUAGES.items():  # each language is named in its own words
            button = QRadioButton(name, objectName=f"language_{code}")
            button.setChecked(code == ctx.language)
            self.group.addButton(button)
            self.choices[code] = button
            inner.addWidget(button)
        inner.addWidget(hint(self.tr(
            "The window is rebuilt in the chosen language; this till keeps the choice for the next start. "
            "Names of tiers and benefits are shown in the chosen language too.")))
        self.status = hint("", "languageStatus")
        self.apply = QPushButton(self.tr("Apply language"), objectName="languageApply")
        styled(self.apply, primary=True)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.apply)
        inner.addLayout(row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(box)
        layout.addStretch(1)
        self.apply.clicked.connect(self.apply_language)

    def chosen(self) -> str:
        return next(code for code, button in self.choices.items() if button.isChecked())

    def apply_language(self) -> None:
        language = self.chosen()
        if language == self.ctx.language:
            self.status.setText(self.tr("This language is already in use."))
            return
        self.apply.setEnabled(False)
        ops.change_language(self.ctx, language)
