"""The Campaigns tab: points multipliers for a date window and some tiers ("双11 Gold members earn 5×").

Everyone sees the list (ended campaigns greyed); operators get the form to
create one or change the selected one.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QDoubleSpinBox, QHBoxLayout, QLineEdit, QPushButton,
                               QTableWidgetItem, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.campaigns import CampaignView
from pointsmall.clock import utc_now, zone
from pointsmall.staff import Permission
from pointsmall.tiers import TierView

from ... import i18n
from ...context import AppContext
from ...head_office import hold_back
from ...ops import settings as ops
from ...widgets.row_table import row_table
from . import formats
from .common import SettingsTab, card, clear_error, error_label, form_layout, heading, hint, show_error, styled

ENDED = QColor("#94A3B8")


class CampaignsTab(SettingsTab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "campaignsTab")
        self.campaigns: list[CampaignView] = []
        self.tiers: list[TierView] = []
        self.editing: CampaignView | None = None
        self.can_edit = ctx.can(Permission.CAMPAIGN_CONFIGURE)
        self.table = row_table(5, "campaignTable")
        self.table.setHorizontalHeaderLabels([self.tr("Campaign"), self.tr("Dates"), self.tr("Points"),
                                              self.tr("Tiers"), self.tr("Status")])
        self.tier_boxes: dict[str, QCheckBox] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(16)
        left = QVBoxLayout()
        left.addWidget(self.load_error)
        left.addWidget(self.table, 1)
        if not self.can_edit:
            left.addWidget(hint(self.tr("Only operators and administrators can change campaigns."),
                                "campaignReadOnly"))
        layout.addLayout(left, 3)
        if self.can_edit:
            layout.addWidget(self._form(), 2)
            self.table.itemSelectionChanged.connect(self._selected)

    def _form(self) -> QWidget:
        box = card("campaignFormCard")
        self.title = heading(self.tr("New campaign"), "campaignFormTitle")
        self.name = QLineEdit(objectName="campaignName")
        self.name.setPlaceholderText(self.tr("e.g. 双11 Gold week"))
        self.name.setMaxLength(64)
        self.starts = _date_edit("campaignStart")
        self.ends = _date_edit("campaignEnd")
        self.multiplier = QDoubleSpinBox(objectName="campaignMultiplier")
        self.multiplier.setRange(1.1, 20.0)
        self.multiplier.setDecimals(1)
        self.multiplier.setSingleStep(0.5)
        self.multiplier.setSuffix(" ×")
        self.tier_row = QVBoxLayout()
        self.tier_row.setSpacing(4)
        self.active = QCheckBox(self.tr("Active"), objectName="campaignActive")
        self.words = hint("", "campaignWords")
        self.error = error_label("campaignError")
        self.done = hint("", "campaignSaved")
        self.new_button = QPushButton(self.tr("New campaign"), objectName="campaignNew")
        self.save_button = QPushButton(self.tr("Save campaign"), objectName="campaignSave")
        styled(self.save_button, primary=True)
        hold_back(self.ctx, "campaigns", self.new_button, self.save_button)
        form = form_layout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Starts on"), self.starts)
        form.addRow(self.tr("Ends on"), self.ends)
        form.addRow(self.tr("Points multiplier"), self.multiplier)
        form.addRow(self.tr("For tiers"), self.tier_row)
        form.addRow("", self.active)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.done, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addLayout(form)
        inner.addWidget(hint(self.tr("No tier ticked: every tier earns the multiplier.")))
        inner.addWidget(self.words)
        inner.addWidget(self.error)
        inner.addStretch(1)
        inner.addLayout(buttons)
        self.fields = {"name": self.name, "ends_on": self.ends, "multiplier": self.multiplier}
        for signal in (self.starts.dateChanged, self.ends.dateChanged, self.multiplier.valueChanged,
                       self.active.toggled):
            signal.connect(self._describe)
        self.name.returnPressed.connect(self.save)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.start_new()
        return box

    def today(self) -> date:
        return utc_now().astimezone(zone(self.ctx.actor.store_tz)).date()

    async def fetch(self) -> ops.CampaignSettings:
        return await ops.load_campaigns(self.ctx)

    def show_data(self, data: ops.CampaignSettings) -> None:
        self.campaigns, self.tiers = data.campaigns, data.tiers
        self._fill_table()
        if self.can_edit:
            self._tier_boxes()

    def _fill_table(self) -> None:
        today = self.today()
        names = {t.code: formats.tier_name(t, self.ctx.language) for t in self.tiers}
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.campaigns))
        for row, c in enumerate(self.campaigns):
            tiers = formats.join_names([names[t.code] for t in self.tiers if t.code in c.tier_codes]) \
                or self.tr("All tiers")
            ended = c.ends_on < today
            status = (self.tr("Ended") if ended else self.tr("Off") if not c.active
                      else self.tr("Upcoming") if c.starts_on > today else self.tr("Running"))
            cells = [c.name, f"{i18n.day(c.starts_on)} – {i18n.day(c.ends_on)}",
                     formats.multiplier(c.multiplier_permille), tiers, status]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(c.id))
                if ended or not c.active:
                    item.setForeground(QBrush(ENDED))
                self.table.setItem(row, column, item)
        if self.editing is not None:  # keep the campaign being edited selected, without reloading the form
            ids = [c.id for c in self.campaigns]
            if self.editing.id in ids:
                self.table.selectRow(ids.index(self.editing.id))
        self.table.blockSignals(False)

    def _tier_boxes(self) -> None:
        ticked = {code for code, box in self.tier_boxes.items() if box.isChecked()}
        for box in self.tier_boxes.values():
            self.tier_row.removeWidget(box)
            box.deleteLater()
        self.tier_boxes = {}
        for tier in self.tiers:
            box = QCheckBox(formats.tier_name(tier, self.ctx.language), objectName=f"campaignTier_{tier.code}")
            box.setChecked(tier.code in ticked)
            box.toggled.connect(self._describe)
            self.tier_row.addWidget(box)
            self.tier_boxes[tier.code] = box
        self._describe()

    def _selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        campaign_id = uuid.UUID(items[0].data(Qt.ItemDataRole.UserRole))
        campaign = next((c for c in self.campaigns if c.id == campaign_id), None)
        if campaign is not None:
            self.edit(campaign)

    def edit(self, campaign: CampaignView) -> None:
        self.editing = campaign
        self.title.setText(self.tr("Edit campaign: {name}").format(name=campaign.name))
        self.name.setText(campaign.name)
        self.starts.setDate(QDate(campaign.starts_on))
        self.ends.setDate(QDate(campaign.ends_on))
        self.multiplier.setValue(campaign.multiplier_permille / 1000)
        for code, box in self.tier_boxes.items():
            box.setChecked(code in campaign.tier_codes)
        self.active.setChecked(campaign.active)
        clear_error(self.error, self.fields)
        self.done.clear()
        self._describe()

    def start_new(self) -> None:
        self.editing = None
        self.table.clearSelection()
        self.title.setText(self.tr("New campaign"))
        self.name.clear()
        today = self.today()
        self.starts.setDate(QDate(today))
        self.ends.setDate(QDate(today + timedelta(days=6)))
        self.multiplier.setValue(2.0)
        for box in self.tier_boxes.values():
            box.setChecked(False)
        self.active.setChecked(True)
        clear_error(self.error, self.fields)
        self.done.clear()
        self._describe()
        self.name.setFocus()

    def _describe(self) -> None:
        codes = [code for code, box in self.tier_boxes.items() if box.isChecked()]
        names = {t.code: formats.tier_name(t, self.ctx.language) for t in self.tiers}
        who = (self.tr("{tiers} members").format(tiers=formats.join_names([names[c] for c in codes])) if codes
               else self.tr("all members"))
        text = self.tr("From {start} to {end}, {who} earn {x} points on top of their tier's multiplier.").format(
            start=i18n.day(self.starts.date().toPython()), end=i18n.day(self.ends.date().toPython()), who=who,
            x=formats.multiplier(formats.permille(self.multiplier.value())))
        if not self.active.isChecked():
            text += " " + self.tr("(switched off: it applies to nothing)")
        self.words.setText(text)

    @asyncSlot()
    async def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        clear_error(self.error, self.fields)
        self.done.clear()
        self.save_button.setEnabled(False)
        try:
            view = await ops.save_campaign(
                self.ctx, name=self.name.text(), starts_on=self.starts.date().toPython(),
                ends_on=self.ends.date().toPython(), multiplier_permille=formats.permille(self.multiplier.value()),
                tier_codes=tuple(code for code, box in self.tier_boxes.items() if box.isChecked()),
                active=self.active.isChecked(), campaign_id=self.editing.id if self.editing else None)
        except Exception as exc:  # the core's refusal is shown under the form
            show_error(self.error, exc, self.fields)
            return
        finally:
            self.save_button.setEnabled(True)
        self.editing = view
        self.title.setText(self.tr("Edit campaign: {name}").format(name=view.name))
        self.done.setText(self.tr("Saved."))


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit(objectName=name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit

