"""The Settings page (设置): one tab per concept, shown by role.

Tiers and campaigns are readable by everyone (a cashier explains benefits
to customers) and editable by operators; earning rules likewise; staff
accounts only exist for administrators. The core refuses what a role may
not do anyway; hiding is for clarity, not protection.
"""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from pointsmall.staff import Permission

from ...context import AppContext
from .campaigns import CampaignsTab
from .database import DatabaseTab
from .earning import EarningTab
from .language import LanguageTab
from .staff import StaffTab
from .tiers import TiersTab


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(objectName="settingsPage")
        self.ctx = ctx
        self.tabs = QTabWidget(objectName="settingsTabs")
        self.tiers = TiersTab(ctx)
        self.earning = EarningTab(ctx)
        self.campaigns = CampaignsTab(ctx)
        self.staff = StaffTab(ctx) if ctx.can(Permission.STAFF_MANAGE) else None
        self.database = DatabaseTab(ctx) if ctx.can(Permission.STAFF_MANAGE) else None  # administrators
        self.language = LanguageTab(ctx)
        self.tabs.addTab(self.tiers, self.tr("Tiers"))
        self.tabs.addTab(self.earning, self.tr("Earning rules"))
        self.tabs.addTab(self.campaigns, self.tr("Campaigns"))
        if self.staff is not None:
            self.tabs.addTab(self.staff, self.tr("Staff"))
        if self.database is not None:
            self.tabs.addTab(self.database, self.tr("Database and sync"))
        self.tabs.addTab(self.language, self.tr("Language"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.tabs)

    def show_tab(self, tab: QWidget) -> None:
        self.tabs.setCurrentWidget(tab)
