"""The Games setup page (游戏设置) for operators: the sign-in schedule, the wheels, tasks and abuse rules.

Only roles that may configure the games see the page (the main window
checks ``GAMES_CONFIGURE``; the tasks and abuse-rule tabs need their own
permissions); the core refuses the rest anyway. Each tab loads when first
shown and again whenever the games' rules change.
"""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from pointsmall.staff import Permission
from pointsmall.wheel_setup import WheelView

from .. import i18n
from ..context import AppContext
from ..head_office import banner
from ..dialogs.risk_rules import RiskRulesTab
from ..dialogs.signin_rules import SigninRulesEditor
from ..dialogs.task_editor import TasksTab
from ..dialogs.wheel_editor import WheelEditorDialog, open_wheel_editor
from ..ops import games_setup as ops
from ..widgets.config_list import ConfigListTab


class WheelsTab(ConfigListTab):
    """Every wheel with its state, window, spins and budget; new, edit (a new version), pause and resume."""

    right_aligned = (3, 5)
    fit_rows = False

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "wheelsTab", 6)
        ctx.changes.catalog_changed.connect(self._settings_changed)  # item names and the items a prize can be
        self.listing: ops.WheelListing | None = None
        self.editor: WheelEditorDialog | None = None
        self.now = datetime.now(timezone.utc)
        self.table.setHorizontalHeaderLabels([self.tr("Wheel"), self.tr("Status"), self.tr("Runs"),
                                              self.tr("Spins"), self.tr("Budget spent"), self.tr("Version")])
        self.new_button.setText(self.tr("New wheel"))
        self.empty.setText(self.tr("No wheel yet. “New wheel” sets one up: segments, prizes, budget, and what a "
                                   "spin will cost the store."))
        self.new_button.setEnabled(False)  # the editor needs the tiers and items: enabled once they are read

    async def fetch(self) -> ops.WheelListing:
        return await ops.load_wheels(self.ctx)

    def show_data(self, data: ops.WheelListing) -> None:
        self.listing = data
        self.new_button.setEnabled(True)
        self.now = datetime.now(timezone.utc)
        super().show_data(data.wheels)

    def cells(self, wheel: WheelView) -> list[str]:
        budget = (self.tr("{spent} of {budget}").format(spent=i18n.points(wheel.budget_spent),
                                                        budget=i18n.points(wheel.budget))
                  if wheel.budget is not None else self.tr("{spent} (no budget)").format(
                      spent=i18n.points(wheel.budget_spent)))
        return [wheel.name, self.status(wheel, self.now)[0],
                f"{i18n.moment(wheel.starts_at)} – {i18n.moment(wheel.ends_at)}", i18n.points(wheel.spins), budget,
                f"v{wheel.version}"]

    def dimmed(self, wheel: WheelView) -> bool:
        return not self.status(wheel, self.now)[1]

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

    def toggle_text(self, wheel: WheelView | None) -> str:
        return self.tr("Resume") if wheel is not None and not wheel.active else self.tr("Pause")

    def open_editor(self, wheel: WheelView | None) -> WheelEditorDialog | None:
        if self.listing is None:
            return None
        self.editor = open_wheel_editor(self.ctx, wheel, self.listing.tiers, self.listing.items, self)
        return self.editor

    async def set_active(self, wheel: WheelView, active: bool) -> None:
        await ops.set_wheel_active(self.ctx, wheel.id, active)


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
        self.head_office = banner(ctx, "games", "gamesSetupHeadOffice")  # an offline store's till
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.head_office)
        layout.addWidget(self.tabs)

    def show_tab(self, tab: QWidget) -> None:
        self.tabs.setCurrentWidget(tab)
