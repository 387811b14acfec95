"""Abuse rules (风险防控) for operators: the list on the games setup page and the editor, in plain words.

A rule flags a member who earns unusually fast: more than a threshold of
game points, sign-ins or task rewards within a sliding window. The form is
read into the core's ``RiskRuleDraft`` and checked with its own
``validate``; the window is typed in minutes, hours or days and sent in
minutes. The words under the form say what the rule does.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QWidget

from pointsmall.risk import Metric, RiskRuleDraft, RiskRuleView

from .. import i18n
from ..context import AppContext
from ..ops import games_setup as ops
from ..pages.settings.common import error_label, hint
from ..widgets.config_list import ConfigListTab
from ..widgets.games_form import NumberEdit, Problems
from .draft_form import DraftFormDialog
from .fields import FieldGrid

UNITS = (("minutes", 1), ("hours", 60), ("days", 24 * 60))


def metric_names() -> dict[str, str]:
    return {
        Metric.POINTS.value: QCoreApplication.translate("RiskRules", "game points"),
        Metric.SIGN_INS.value: QCoreApplication.translate("RiskRules", "sign-ins"),
        Metric.TASK_CLAIMS.value: QCoreApplication.translate("RiskRules", "task rewards"),
    }


def window_text(minutes: int) -> str:
    """60 -> "1 hour", 1440 -> "1 day", 90 -> "90 minutes"."""
    if minutes % (24 * 60) == 0:
        return QCoreApplication.translate("RiskRules", "{n} days").format(n=minutes // (24 * 60)) \
            if minutes != 24 * 60 else QCoreApplication.translate("RiskRules", "1 day")
    if minutes % 60 == 0:
        return QCoreApplication.translate("RiskRules", "{n} hours").format(n=minutes // 60) \
            if minutes != 60 else QCoreApplication.translate("RiskRules", "1 hour")
    return QCoreApplication.translate("RiskRules", "{n} minutes").format(n=minutes)


def rule_words(rule: RiskRuleDraft | RiskRuleView) -> str:
    text = QCoreApplication.translate("RiskRules", "Flag a member who earns more than {n} {what} within {window}: "
                                      "those earnings go to the review queue.").format(
        n=i18n.points(rule.threshold), what=metric_names().get(rule.metric, rule.metric),
        window=window_text(rule.window_minutes))
    if rule.block_redeem:
        text += " " + QCoreApplication.translate("RiskRules", "The member cannot redeem or spin until a supervisor "
                                                 "has decided.")
    if not rule.active:
        text += " " + QCoreApplication.translate("RiskRules", "(Switched off: it flags nobody.)")
    return text


class RiskRuleDialog(DraftFormDialog):
    def __init__(self, ctx: AppContext, rule: RiskRuleView | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("riskRuleDialog")
        self.ctx = ctx
        self.rule = rule
        self.setWindowTitle(self.tr("New abuse rule") if rule is None else self.tr("Edit abuse rule — {name}")
                            .format(name=rule.name))
        self.setMinimumWidth(620)
        self.name = QLineEdit(objectName="riskName")
        self.name.setMaxLength(64)
        self.name.setPlaceholderText(self.tr("e.g. 签到过快"))
        self.metric_box = QComboBox(objectName="riskMetric")
        for value, text in metric_names().items():
            self.metric_box.addItem(text, value)
        self.threshold = NumberEdit("riskThreshold", self.tr("e.g. 300"), width=120)
        self.window_edit = NumberEdit("riskWindow", self.tr("e.g. 60"), width=90, max_length=6)
        self.unit = QComboBox(objectName="riskWindowUnit")
        names = {"minutes": self.tr("minutes"), "hours": self.tr("hours"), "days": self.tr("days")}
        for unit, factor in UNITS:
            self.unit.addItem(names[unit], factor)
        self.block = QCheckBox(self.tr("Block redeeming and spinning until a supervisor decides"),
                               objectName="riskBlock")
        self.active = QCheckBox(self.tr("Active"), objectName="riskActive")
        self.words = hint("", "riskWords")
        self.error = error_label("riskError")
        window_row = QWidget()
        row = QHBoxLayout(window_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.window_edit)
        row.addWidget(self.unit)
        row.addStretch(1)
        grid = FieldGrid()
        grid.add_field(self.tr("Name"), self.name)
        grid.add_field(self.tr("Watches"), self.metric_box)
        grid.add_field(self.tr("More than"), self.threshold)
        grid.add_field(self.tr("Within"), window_row)
        grid.add_field("", self.block)
        grid.add_field("", self.active)
        self.finish_form(grid, self.tr("Create rule") if rule is None else self.tr("Save"), "riskSave")
        self.fields = {"name": self.name, "metric": self.metric_box, "threshold": self.threshold,
                       "window_minutes": self.window_edit}
        self._fill(rule)
        self.touched = False  # filling the form is no edit: refusals wait for the operator's first change
        for edit in (self.name, self.threshold, self.window_edit):
            edit.textEdited.connect(self._edited)
        for combo in (self.metric_box, self.unit):
            combo.currentIndexChanged.connect(self._edited)
        for box in (self.block, self.active):
            box.toggled.connect(self._edited)
        self.refresh()

    def _fill(self, rule: RiskRuleView | None) -> None:
        if rule is None:
            self.threshold.set_number(300)
            self.window_edit.set_number(1)
            self.unit.setCurrentIndex(1)
            self.active.setChecked(True)
            return
        self.name.setText(rule.name)
        self.metric_box.setCurrentIndex(max(0, self.metric_box.findData(rule.metric)))
        self.threshold.set_number(rule.threshold)
        factor = next(f for _, f in reversed(UNITS) if rule.window_minutes % f == 0)
        self.window_edit.set_number(rule.window_minutes // factor)
        self.unit.setCurrentIndex(self.unit.findData(factor))
        self.block.setChecked(rule.block_redeem)
        self.active.setChecked(rule.active)

    def draft(self) -> tuple[RiskRuleDraft, Problems]:
        problems = Problems()
        window = problems.whole("window_minutes", self.window_edit, 0, 1) or 0
        draft = RiskRuleDraft(name=self.name.text(), metric=self.metric_box.currentData(),
                              window_minutes=window * int(self.unit.currentData()),
                              threshold=problems.whole("threshold", self.threshold, 0, 1) or 0,
                              block_redeem=self.block.isChecked(), active=self.active.isChecked())
        return draft, problems

    def describe(self, draft: RiskRuleDraft) -> str:
        return rule_words(draft)

    async def save(self, draft: RiskRuleDraft) -> RiskRuleView:
        return await ops.save_risk_rule(self.ctx, draft, self.rule.id if self.rule is not None else None)


class RiskRulesTab(ConfigListTab):
    head_office_area = "risk"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "riskRulesTab", 3, stretch=1)
        self.table.setHorizontalHeaderLabels([self.tr("Rule"), self.tr("What it does"), self.tr("Status")])
        self.new_button.setText(self.tr("New rule"))
        self.empty.setText(self.tr("No abuse rule yet. “New rule” flags members who earn unusually fast, e.g. more "
                                   "than 300 game points within an hour."))
        self.editor: RiskRuleDialog | None = None

    async def fetch(self) -> list[RiskRuleView]:
        return await ops.load_risk_rules(self.ctx)

    def cells(self, rule: RiskRuleView) -> list[str]:
        return [rule.name, rule_words(rule), self.tr("On") if rule.active else self.tr("Off")]

    def open_editor(self, rule: RiskRuleView | None) -> RiskRuleDialog:
        self.editor = RiskRuleDialog(self.ctx, rule, self)
        self.editor.open()
        return self.editor

    async def set_active(self, rule: RiskRuleView, active: bool) -> None:
        await ops.set_risk_rule_active(self.ctx, rule.id, active)
