"""The main window: navigation on the left, pages in the middle, a status bar."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QStackedWidget, QWidget

from pointsmall.staff import Permission

from . import icons
from .context import AppContext
from .pages.catalog import CatalogPage
from .pages.counter import CounterPage
from .pages.games import GamesPage
from .pages.games_setup import GamesSetupPage
from .pages.mall import MallPage
from .pages.members import MembersPage
from .pages.reviews import ReviewsPage
from .pages.settings import SettingsPage
from .widgets.sync_status import SyncStatus

if TYPE_CHECKING:
    from .sync_runner import SyncRunner


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.setWindowTitle(self.tr("pointsmall — Points mall"))
        self.setWindowIcon(icons.app_icon())
        self.resize(1280, 800)
        self.nav = QListWidget(objectName="navigation")
        self.nav.setIconSize(QSize(28, 28))
        self.nav.setFixedWidth(150)
        self.pages = QStackedWidget(objectName="pages")
        self._names: list[str] = []
        self.counter = CounterPage(ctx)
        self.mall = MallPage(ctx)
        self.members = MembersPage(ctx)
        self._add_page(self.counter, self.tr("Counter"), "counter")
        self._add_page(self.mall, self.tr("Mall"), "mall")
        self.games: GamesPage | None = None
        if ctx.can(Permission.SIGN_IN) or ctx.can(Permission.WHEEL_SPIN):
            self.games = GamesPage(ctx)
            self._add_page(self.games, self.tr("Games"), "games")
        self._add_page(self.members, self.tr("Members"), "members")
        self.catalog: CatalogPage | None = None
        if ctx.can(Permission.CATALOG_MANAGE) or ctx.can(Permission.STOCK_MANAGE):
            self.catalog = CatalogPage(ctx)
            self._add_page(self.catalog, self.tr("Catalog"), "catalog")
        self.games_setup: GamesSetupPage | None = None
        if ctx.can(Permission.GAMES_CONFIGURE):
            self.games_setup = GamesSetupPage(ctx)
            self._add_page(self.games_setup, self.tr("Games setup"), "games-setup")
        self.reviews: ReviewsPage | None = None
        if ctx.can(Permission.REVIEW_VIEW):
            self.reviews = ReviewsPage(ctx)
            self._add_page(self.reviews, self.reviews.nav_label(), "review")
            self.reviews.count_changed.connect(self._reviews_counted)
        self.settings = SettingsPage(ctx)
        self._add_page(self.settings, self.tr("Settings"), "settings")
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._status()

    def _add_page(self, page: QWidget, label: str, icon: str) -> None:
        self._names.append(icon)
        self.pages.addWidget(page)
        item = QListWidgetItem(icons.icon(icon), label)
        item.setSizeHint(QSize(140, 56))
        item.setTextAlignment(Qt.AlignmentFlag.AlignVCenter)
        self.nav.addItem(item)

    def _status(self) -> None:
        actor = self.ctx.actor
        bar = self.statusBar()
        store = QLabel(self.tr("Store: {name} ({code})").format(name=actor.store_name, code=actor.store_id),
                       objectName="statusStore")
        role = _role_name(actor.role.value)
        who = QLabel(self.tr("Staff: {name} · {role}").format(name=actor.display_name, role=role),
                     objectName="statusStaff")
        database = QLabel(self.tr("Database: {db}").format(db=self.ctx.db.describe()), objectName="statusDatabase")
        for label in (store, who):
            bar.addWidget(label)
        bar.addPermanentWidget(database)
        if not self.ctx.can(Permission.PHONE_VIEW_FULL):
            bar.addWidget(QLabel(self.tr("Phone numbers are masked"), objectName="statusMasked"))

    def _reviews_counted(self, _open: int) -> None:
        if self.reviews is not None:  # the open count in the navigation: "Reviews (3)"
            self.nav.item(self._names.index("review")).setText(self.reviews.nav_label())

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(self._names.index(name))

    def show_sync(self, runner: SyncRunner) -> SyncStatus:
        """An offline-capable store: the sync light in the status bar, following the runner."""
        light = SyncStatus()
        light.show_view(runner.view)
        runner.changed.connect(light.show_view)
        light.clicked.connect(runner.sync_now)
        self.ctx.changes.member_changed.connect(lambda _member: runner.soon())  # a sale goes up soon
        self.statusBar().addPermanentWidget(light)
        self.sync_status = light
        return light


def _role_name(role: str) -> str:
    # An explicit context: lupdate cannot tell which class a module-level function's tr() belongs to.
    names = {
        "cashier": QCoreApplication.translate("MainWindow", "Cashier"),
        "supervisor": QCoreApplication.translate("MainWindow", "Supervisor"),
        "operator": QCoreApplication.translate("MainWindow", "Operator"),
        "admin": QCoreApplication.translate("MainWindow", "Administrator"),
    }
    return names.get(role, role)
