"""Holds for review and unconfirmed points, shown wherever the counter shows a member's balance.

A member with an open case that blocks redeeming is told on the mall's and
the games page's member strip, on every tile and at the wheel, before the
cashier tries (the core would refuse anyway); a balance that includes points
head office has not confirmed is marked the same way on the member card, the
strips, the wheel's and the sign-in's words.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import event, func, select

from pointsmall import images, members, reviews, wheel_setup
from pointsmall.clock import utc_now
from pointsmall.db import Database
from pointsmall.members import MemberView
from pointsmall.models import Redemption, WheelDraw
from pointsmall.wheel_setup import SegmentDraft, WheelDraft
from ui import i18n
from ui.context import AppContext
from ui.models import thumbnail_cache
from ui.models.mall_grid import TileRole
from ui.pages.games import GamesPage
from ui.pages.mall import MallPage
from ui.widgets.member_card import MemberCard

from .mall_data import Shelf, member, shelf, system_actor

WAIT = 8000
HOLD_TILE = "On hold until a supervisor has reviewed this member."
SHOTS = Path("/tmp/holds_and_pending")


@pytest.fixture(autouse=True)
def _thumbnails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "thumbnails"
    folder.mkdir()
    monkeypatch.setattr(images, "cache_dir", lambda: folder)
    thumbnail_cache.SHARED.clear()
    yield
    thumbnail_cache.SHARED.clear()


_opened: list[QWidget] = []


@pytest.fixture(autouse=True)
def _close_pages(event_loop) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Delete the pages while the event loop still exists; forget any store lookup set here."""
    yield
    MemberCard.pending_lookup = None
    while _opened:
        page = _opened.pop()
        if shiboken6.isValid(page):
            page.close()
            shiboken6.delete(page)


@pytest.fixture
def shop(ui_db: Database) -> Shelf:
    return shelf(ui_db, with_pictures=False)


def show(qtbot, page: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.addWidget(page)
    _opened.append(page)
    page.resize(1216, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def mall_page(qtbot, ctx: AppContext) -> MallPage:  # type: ignore[no-untyped-def]
    page = show(qtbot, MallPage(ctx))
    qtbot.waitUntil(lambda: page.loaded, timeout=WAIT)
    return page


def serve_mall(qtbot, page: MallPage, who: MemberView) -> None:  # type: ignore[no-untyped-def]
    page.ctx.changes.member_selected.emit(who.id)
    qtbot.waitUntil(lambda: page.member is not None and page.member.id == who.id, timeout=WAIT)


def serve_games(qtbot, page: GamesPage, who: MemberView) -> None:  # type: ignore[no-untyped-def]
    page.ctx.changes.member_selected.emit(who.id)
    qtbot.waitUntil(lambda: page.member is not None and page.member.id == who.id and page.status is not None,
                    timeout=WAIT)


def hold(db: Database, who: MemberView, kind: str, *, block: bool = True) -> uuid.UUID:
    """An open case about ``who``, with figures in its details that the counter must not show."""
    actor = system_actor(db)
    with db.write() as session:
        case = reviews.open_case(session, actor, kind=kind, member_id=who.id, now=utc_now(),
                                 reason="spent 4,321 points offline at store S02 with only 1,234 left",
                                 details={"needed": 4321, "available": 1234, "balance": -3087},
                                 block_redeem=block, ref_key=f"{kind}:{who.id.hex}")
        return case.id


def open_wheel(db: Database) -> None:
    now = datetime.now(timezone.utc)
    segments = (SegmentDraft(label="谢谢参与", colour="#FCE7B2", weight=10),) + tuple(
        SegmentDraft(label=f"{n}积分", colour=colour, weight=10, prize="points", points=n)
        for n, colour in ((5, "#F97316"), (10, "#E5484D"), (20, "#10B981")))
    wheel_setup.save_wheel(db, system_actor(db), WheelDraft(
        name="幸运大转盘", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), segments=segments,
        fallback_index=0, cost_points=10))


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def screenshot(widget: QWidget, name: str, language: str) -> None:
    """For a person to look at (the tests read the words; the pictures show the layout)."""
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}-{language}.png"))


@contextmanager
def statements(db: Database, table: str) -> Iterator[list[str]]:
    """The SQL statements the readers send that name ``table``."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if table in statement:
            seen.append(statement)

    event.listen(db.read_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.read_engine, "before_cursor_execute", before)


def fixed_lookup(points: dict[uuid.UUID, int]):  # type: ignore[no-untyped-def]
    async def lookup(member_id: uuid.UUID) -> int:
        await asyncio.sleep(0)
        return points.get(member_id, 0)
    return lookup


# -- holds on the mall page ------------------------------------------------------------------------------


def test_a_member_on_hold_is_told_on_the_strip_and_every_tile_before_the_cashier_tries(
        qtbot, cashier_ctx, ui_db, shop):  # type: ignore[no-untyped-def]
    who = member(ui_db, points=5000)
    case_id = hold(ui_db, who, "sync_overspend")
    page = mall_page(qtbot, cashier_ctx)
    serve_mall(qtbot, page, who)
    qtbot.waitUntil(lambda: page.strip.hold.isVisible(), timeout=WAIT)
    words = page.strip.hold.text()
    assert words == ("On hold: redeeming and spinning wait because the same points were spent at two stores "
                     "while offline. A supervisor lifts the hold in the review queue; earning points and signing "
                     "in still work.")
    assert not any(figure in words for figure in ("4,321", "4321", "1,234", "3087", "S02"))
    reasons = {page.model.tile(row).item.id: page.model.index(row).data(TileRole.REASON)
               for row in range(page.model.rowCount())}
    assert set(reasons.values()) == {HOLD_TILE}  # the mug was affordable: it waits too
    page.grid.setCurrentIndex(page.model.index(page.model.row_of(shop.mug.id)))
    assert page.reason.text() == HOLD_TILE and not page.redeem_button.isEnabled()
    screenshot(page, "mall-hold", cashier_ctx.language)
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    assert page.confirm is None and page.message.text() == HOLD_TILE
    assert count(ui_db, Redemption) == 0

    reviews.resolve(ui_db, system_actor(ui_db), case_id, "balance settled with the member")
    page.ctx.changes.member_changed.emit(who.id)
    qtbot.waitUntil(lambda: not page.strip.hold.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.tile(page.model.row_of(shop.mug.id)).allowed, timeout=WAIT)
    assert page.redeem_button.isEnabled()


def test_an_open_case_that_does_not_block_and_another_member_show_no_hold(
        qtbot, cashier_ctx, ui_db, shop):  # type: ignore[no-untyped-def]
    watched = member(ui_db, name="李四", phone="13911112222", points=5000)
    hold(ui_db, watched, "sync_signin_twice", block=False)
    held = member(ui_db, name="王五", phone="13733334444", points=5000)
    hold(ui_db, held, "earning_velocity")
    page = mall_page(qtbot, cashier_ctx)
    serve_mall(qtbot, page, held)
    qtbot.waitUntil(lambda: page.strip.hold.isVisible(), timeout=WAIT)
    assert "recent points came in unusually fast" in page.strip.hold.text()
    serve_mall(qtbot, page, watched)
    assert not page.strip.hold.isVisible()
    assert page.model.tile(page.model.row_of(shop.mug.id)).allowed


def test_choosing_a_member_reads_the_holds_once(qtbot, cashier_ctx, ui_db, shop):  # type: ignore[no-untyped-def]
    who = member(ui_db, points=5000)
    hold(ui_db, who, "earning_velocity")
    page = mall_page(qtbot, cashier_ctx)
    with statements(ui_db, "review_cases") as seen:
        serve_mall(qtbot, page, who)
        qtbot.waitUntil(lambda: page.strip.hold.isVisible(), timeout=WAIT)
    assert len(seen) == 1


# -- holds on the games page ---------------------------------------------------------------------------


def test_the_wheel_says_the_hold_and_does_not_spin(qtbot, cashier_ctx, ui_db):  # type: ignore[no-untyped-def]
    open_wheel(ui_db)
    who = member(ui_db, points=500)
    hold(ui_db, who, "negative_balance")
    page = show(qtbot, GamesPage(cashier_ctx))
    panel = page.wheel_panel
    with statements(ui_db, "review_cases") as seen:
        serve_games(qtbot, page, who)
        qtbot.waitUntil(lambda: panel.refusal.isVisible(), timeout=WAIT)
    assert len(seen) == 1  # the holds ride along with the wheel's read
    assert panel.refusal.text().startswith("On hold: redeeming and spinning wait because points were taken back "
                                           "and the balance went below zero.")
    assert "A supervisor lifts the hold in the review queue" in panel.refusal.text()
    assert not page.strip.hold.isVisible()  # said once, where the spin would be
    assert not panel.button.isEnabled()
    screenshot(page, "games-hold", cashier_ctx.language)
    qtbot.keyClick(page, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: panel.result.text() == HOLD_TILE, timeout=WAIT)
    assert count(ui_db, WheelDraw) == 0 and not page.wheel.is_spinning()


# -- pending points ------------------------------------------------------------------------------------


def test_every_balance_is_marked_with_the_points_hq_has_not_confirmed(
        qtbot, cashier_ctx, ui_db, shop):  # type: ignore[no-untyped-def]
    open_wheel(ui_db)
    who = member(ui_db, points=1320)
    other = member(ui_db, name="李四", phone="13911112222", points=80)
    MemberCard.pending_lookup = fixed_lookup({who.id: 50})

    card = show(qtbot, MemberCard(cashier_ctx.language))
    card.show_member(members.get_member(ui_db, cashier_ctx.actor, who.id))
    qtbot.waitUntil(lambda: card.balance_unit.text() == "points (+50 pending sync)", timeout=WAIT)

    mall = mall_page(qtbot, cashier_ctx)
    serve_mall(qtbot, mall, who)
    qtbot.waitUntil(lambda: mall.strip.pending_mark.isVisible(), timeout=WAIT)
    assert mall.strip.pending_mark.text() == "(+50 pending sync)"
    assert mall.strip.balance.text() == i18n.points(1320)
    screenshot(mall.strip, "mall-pending", cashier_ctx.language)

    games = show(qtbot, GamesPage(cashier_ctx))
    serve_games(qtbot, games, who)
    qtbot.waitUntil(lambda: "balance 1,320 (+50 pending sync)" in games.wheel_panel.status.text(), timeout=WAIT)
    assert games.strip.pending_mark.text() == "(+50 pending sync)"
    qtbot.keyClick(games, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "balance" in games.signin.result.text(), timeout=WAIT)
    assert games.signin.result.text().endswith("(+50 pending sync)")
    screenshot(games, "games-pending", cashier_ctx.language)

    serve_mall(qtbot, mall, other)  # nothing pending for this member: no mark, not even the last one's
    qtbot.waitUntil(lambda: not mall.strip.pending_mark.isVisible(), timeout=WAIT)


def test_a_failed_lookup_leaves_the_plain_balance(qtbot, cashier_ctx, ui_db, shop):  # type: ignore[no-untyped-def]
    who = member(ui_db, points=1320)

    async def unreachable(member_id: uuid.UUID) -> int:
        raise OSError("replica locked")

    MemberCard.pending_lookup = unreachable
    page = mall_page(qtbot, cashier_ctx)
    serve_mall(qtbot, page, who)
    qtbot.wait(50)
    assert page.strip.balance.text() == i18n.points(1320) and not page.strip.pending_mark.isVisible()


@pytest.mark.parametrize("language", ["zh_CN"], indirect=True)
def test_the_marks_and_the_hold_read_in_chinese(qtbot, cashier_ctx, ui_db, shop):  # type: ignore[no-untyped-def]
    open_wheel(ui_db)
    who = member(ui_db, points=1320)
    hold(ui_db, who, "sync_overspend")
    MemberCard.pending_lookup = fixed_lookup({who.id: 50})
    card = show(qtbot, MemberCard(cashier_ctx.language))
    card.show_member(members.get_member(ui_db, cashier_ctx.actor, who.id))
    qtbot.waitUntil(lambda: card.balance_unit.text() == "积分（含待同步 +50）", timeout=WAIT)
    mall = mall_page(qtbot, cashier_ctx)
    serve_mall(qtbot, mall, who)
    qtbot.waitUntil(lambda: mall.strip.hold.isVisible() and mall.strip.pending_mark.isVisible(), timeout=WAIT)
    assert mall.strip.pending_mark.text() == "（含待同步 +50）"
    assert "两家门店" in mall.strip.hold.text() and "店长" in mall.strip.hold.text()
    assert mall.model.index(0).data(TileRole.REASON) == "待店长审核后才能兑换或抽奖。"
    screenshot(mall, "mall-hold-pending", cashier_ctx.language)
    games = show(qtbot, GamesPage(cashier_ctx))
    serve_games(qtbot, games, who)
    qtbot.waitUntil(lambda: "（含待同步 +50）" in games.wheel_panel.status.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: games.wheel_panel.refusal.text() == mall.strip.hold.text(), timeout=WAIT)
    screenshot(games, "games-hold-pending", cashier_ctx.language)
