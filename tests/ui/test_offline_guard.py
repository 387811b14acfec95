"""On an offline store's till, editing head office's data is greyed out and says why (issue 6).

The context reads once whether the database is a replica; every button that
would save a change head office decides is disabled there with the core's
refusal, translated, as its tooltip, and stays disabled when the page's own
logic (a selected row, a loaded member) would enable it. On a till working on
head office's database or a standalone store nothing changes.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QPushButton, QWidget

from pointsmall.db import Database
from pointsmall.staff import Role
from pointsmall.sync import attach_replica
from pointsmall.sync.guard import REFUSALS
from tests.conftest import make_actor
from ui import head_office, i18n
from ui.changes import Changes
from ui.context import AppContext
from ui.dialogs.member_detail import MemberDetailDialog
from ui.pages.catalog import CatalogPage
from ui.pages.games_setup import GamesSetupPage
from ui.pages.reviews import ReviewsPage
from ui.pages.settings import SettingsPage
from ui.worker import Worker

from .mall_data import member
from .page_support import show_page

WAIT = 5000


def _replica_ctx(db: Database, language: str) -> AppContext:
    actor = make_actor(db, Role.ADMIN)  # head office's account, made before the file became a replica
    attach_replica(db, actor.store_id)
    return AppContext(db=db, worker=Worker(db), actor=actor, changes=Changes(), language=language)


@pytest.fixture
def replica_ctx(ui_db, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = _replica_ctx(ui_db, language)
    yield ctx
    ctx.worker.shutdown()


def test_the_context_knows_it_works_on_a_replica(replica_ctx):  # type: ignore[no-untyped-def]
    assert replica_ctx.replica
    assert head_office.reason(replica_ctx, "catalog") is not None
    with pytest.raises(KeyError):
        head_office.reason(replica_ctx, "no such area")


def test_a_held_back_button_stays_disabled_and_says_why(qtbot, replica_ctx):  # type: ignore[no-untyped-def]
    button = QPushButton("Save")
    qtbot.addWidget(button)
    assert head_office.hold_back(replica_ctx, "campaigns", button)
    button.setEnabled(True)  # what a page does when a row is selected
    assert not button.isEnabled()
    assert "head office" in button.toolTip()
    free = QPushButton("Save")
    qtbot.addWidget(free)
    online = replace(replica_ctx, worker=replica_ctx.worker)
    online.replica = False  # the same page on a till connected to head office
    assert not head_office.hold_back(online, "campaigns", free)
    assert free.isEnabled() and free.toolTip() == ""


def test_chinese_tooltips_use_the_refusals_chinese(qtbot, ui_db, event_loop):  # type: ignore[no-untyped-def]
    i18n.install_language("zh_CN")
    try:
        ctx = _replica_ctx(ui_db, "zh_CN")
        try:
            for area in REFUSALS:
                text = head_office.reason(ctx, area)
                assert text is not None and text.startswith("需要连接总部"), (area, text)
                assert "：" in text and "。" in text
        finally:
            ctx.worker.shutdown()
    finally:
        i18n.install_language("en")


def test_catalog_games_settings_and_reviews_are_greyed_out(qtbot, replica_ctx,  # type: ignore[no-untyped-def]
                                                            close_pages):
    ctx = replica_ctx
    catalog = show_page(qtbot, CatalogPage(ctx), 1130, 760)
    assert _held(catalog.import_button, ctx, "catalog") and _held(catalog.new_button, ctx, "catalog")
    assert catalog.export_button.isEnabled()  # reading the catalog out is fine
    assert catalog.head_office.isVisible() and catalog.head_office.text() == head_office.reason(ctx, "catalog")
    assert _held(catalog.stock.edit, ctx, "catalog") and _held(catalog.stock.toggle, ctx, "catalog")
    games = show_page(qtbot, GamesSetupPage(ctx), 1130, 760)
    assert games.head_office.isVisible() and "head office" in games.head_office.text()
    for tab in (games.wheels, games.tasks):
        for button in (tab.new_button, tab.edit_button, tab.toggle_button):
            assert _held(button, ctx, "games")
    for button in (games.risk.new_button, games.risk.edit_button, games.risk.toggle_button):
        assert _held(button, ctx, "risk")
    assert _held(games.signin.save_button, ctx, "games")

    opened: list[object] = []
    games.tasks.open_editor = opened.append  # type: ignore[method-assign]
    games.tasks._double_clicked(None)
    assert opened == []  # no editor opened only to refuse its save
    settings = show_page(qtbot, SettingsPage(ctx), 1130, 760)
    qtbot.waitUntil(lambda: settings.tiers.table.rowCount() == 4, timeout=WAIT)
    assert _held(settings.earning.save_button, ctx, "rules")
    assert _held(settings.tiers.basis_save, ctx, "rules")
    assert _held(settings.tiers.editor.save_button, ctx, "tiers")
    assert _held(settings.campaigns.new_button, ctx, "campaigns")
    assert _held(settings.campaigns.save_button, ctx, "campaigns")
    for button in (settings.staff.create_button, settings.staff.apply_role, settings.staff.toggle_active,
                   settings.staff.reset_button):
        assert _held(button, ctx, "staff")
    assert settings.language.apply.isEnabled()  # the till's own language is not head office's
    reviews_page = show_page(qtbot, ReviewsPage(ctx), 1130, 760)
    qtbot.waitUntil(lambda: reviews_page.loads > 0, timeout=WAIT)  # no read left running after the test
    for button in (reviews_page.detail.approve, reviews_page.detail.reject, reviews_page.detail.resolve):
        assert _held(button, ctx, "reviews")


def test_member_edit_and_freeze_are_greyed_out_once_the_member_loads(qtbot, replica_ctx,  # type: ignore[no-untyped-def]
                                                                     ui_db):
    someone = member(ui_db, name="王芳", phone="13912340000", points=10)
    detail = MemberDetailDialog(replica_ctx, someone.id)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitUntil(lambda: detail.member is not None, timeout=WAIT)
    assert _held(detail.edit_button, replica_ctx, "profile")
    assert _held(detail.freeze_button, replica_ctx, "status")
    assert _held(detail.review_button, replica_ctx, "reviews")  # clearing a flag decides its case
    assert detail.adjust_button.isEnabled()  # points adjustments are facts the store sends up


def test_a_standalone_till_edits_as_before(qtbot, admin_ctx, close_pages):  # type: ignore[no-untyped-def]
    assert not admin_ctx.replica
    assert head_office.reason(admin_ctx, "catalog") is None
    catalog = show_page(qtbot, CatalogPage(admin_ctx), 1130, 760)
    assert catalog.new_button.isEnabled() and catalog.import_button.isEnabled()
    settings = show_page(qtbot, SettingsPage(admin_ctx), 1130, 760)
    assert settings.earning.save_button.isEnabled() and settings.staff.create_button.isEnabled()
    assert settings.earning.save_button.property("headOffice") is None
    assert not catalog.head_office.isVisible()


def _held(widget: QWidget, ctx: AppContext, area: str) -> bool:
    return (not widget.isEnabled() and widget.property("headOffice") == area
            and widget.toolTip() == head_office.reason(ctx, area))
