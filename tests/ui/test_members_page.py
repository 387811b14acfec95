"""The members page: a lazily read table over every member, search-as-you-type, opening a member."""
from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import Qt

from pointsmall import members
from ui.models.member_table import Column, MemberTableModel
from ui.pages import members as members_page
from ui.pages.members import MembersPage

from .ime import commit_text


def add_members(db, actor, names):  # type: ignore[no-untyped-def]
    return [members.create_member(db, actor, name=name, phone=f"1390000{i:04d}") for i, name in enumerate(names)]


def shown_page(qtbot, ctx, **options) -> MembersPage:  # type: ignore[no-untyped-def]
    page = MembersPage(ctx, **options)
    qtbot.addWidget(page)
    page.resize(1130, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_table_reads_ids_a_page_at_a_time_and_rows_in_bounded_blocks(qtbot, qtmodeltester, supervisor_ctx):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, [f"会员{i}" for i in range(110)])
    model = MemberTableModel(supervisor_ctx, page_size=40, block_size=10, cache_rows=30)
    assert model.rowCount() == 0 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 40
    assert model.row_queries == 0  # ids only: no row was read yet
    assert model.data(model.index(0, Column.NAME)) == "会员0"
    assert model.row_queries == 1 and model.cached_rows() == 10
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 110 and not model.canFetchMore()
    names = [model.data(model.index(row, Column.NAME)) for row in range(110)]
    assert names == [f"会员{i}" for i in range(110)]  # join order, no gaps or repeats across pages
    assert model.cached_rows() <= 30
    assert model.data(model.index(5, Column.TIER)) == "Regular"
    assert model.data(model.index(5, Column.PHONE)) == "13900000005"  # a supervisor sees full numbers
    qtmodeltester.check(model)


def test_cashier_sees_masked_phones_in_the_table(qtbot, qtmodeltester, cashier_ctx):
    add_members(cashier_ctx.db, cashier_ctx.actor, ["王芳"])
    model = MemberTableModel(cashier_ctx)
    model.fetchMore()
    assert model.data(model.index(0, Column.PHONE)) == "139****0000"
    qtmodeltester.check(model)


def test_page_opens_with_one_page_of_ids_and_reads_only_visible_rows(qtbot, supervisor_ctx):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, [f"会员{i}" for i in range(90)])
    started = time.perf_counter()
    page = shown_page(qtbot, supervisor_ctx, page_size=40, block_size=10)
    page.table.viewport().repaint()
    print(f"\nmembers page shown over 90 members in {(time.perf_counter() - started) * 1000:.1f} ms "
          "(benchmarks/members_page.py measures large databases)")
    qtbot.waitUntil(lambda: page.summary.text() == "90 members", timeout=5000)
    assert page.model.rowCount() == 40  # the first page of ids, not all of them
    assert page.model.cached_rows() < 40  # only the rows on screen were read
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == 80, timeout=5000)  # one more page, as the view asked
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == 90 and not page.model.canFetchMore(), timeout=5000)


def test_search_narrows_the_table_and_clearing_returns_to_all(qtbot, supervisor_ctx, monkeypatch):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, ["张三丰", "张无忌", "李四"] + [f"会员{i}" for i in range(20)])
    page = shown_page(qtbot, supervisor_ctx)
    qtbot.waitUntil(lambda: page.model.rowCount() == 23, timeout=5000)
    calls: list[str] = []
    real_search = members_page.member_ops.search

    async def counted(ctx, query, limit=50):  # type: ignore[no-untyped-def]
        calls.append(query)
        return await real_search(ctx, query, limit)

    monkeypatch.setattr(members_page.member_ops, "search", counted)
    commit_text(page.search, "张")
    qtbot.waitUntil(lambda: page.model.searching and page.model.rowCount() == 2, timeout=5000)
    assert page.summary.text() == "2 found"
    commit_text(page.search, "三丰")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.model.data(page.model.index(0, Column.NAME)) == "张三丰"
    assert calls == ["张", "张三丰"]  # typing fast searched once per pause, not once per key
    qtbot.keyClick(page.search, Qt.Key.Key_Escape)  # empties the box
    assert page.search.text() == ""
    qtbot.waitUntil(lambda: not page.model.searching and page.model.rowCount() == 23, timeout=5000)
    assert page.summary.text() == "23 members"
    qtbot.keyClicks(page.search, "nobody")
    qtbot.waitUntil(lambda: page.empty.isVisible(), timeout=5000)
    assert "nobody" in page.empty.text()


def test_a_newer_search_cancels_the_slower_older_one(qtbot, supervisor_ctx, monkeypatch):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, ["张三丰", "张无忌", "李四"])
    page = shown_page(qtbot, supervisor_ctx)
    real_search = members_page.member_ops.search
    cancelled: list[str] = []

    async def slow_first(ctx, query, limit=50):  # type: ignore[no-untyped-def]
        try:
            if query == "张":
                await asyncio.sleep(1.0)
            return await real_search(ctx, query, limit)
        except asyncio.CancelledError:
            cancelled.append(query)
            raise

    monkeypatch.setattr(members_page.member_ops, "search", slow_first)
    commit_text(page.search, "张")
    qtbot.wait(400)  # the first search is under way
    commit_text(page.search, "无")
    qtbot.waitUntil(lambda: page.model.searching and page.model.rowCount() == 1, timeout=5000)
    qtbot.wait(1200)  # long enough for the old search to have finished, had it not been cancelled
    assert cancelled == ["张"]
    assert page.model.rowCount() == 1
    assert page.model.data(page.model.index(0, Column.NAME)) == "张无忌"


def test_enter_or_double_click_opens_the_member(qtbot, supervisor_ctx):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, ["张三丰", "李四"])
    page = shown_page(qtbot, supervisor_ctx)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.table.setFocus()
    page.table.selectRow(1)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.member is not None, timeout=5000)
    assert page.detail.card.name.text() == "李四"
    page.detail.close()
    rect = page.table.visualRect(page.model.index(0, Column.NAME))
    # A real double-click is a click and then a double-click event (QTest's DClick alone has no press).
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.detail.member is not None and page.detail.member.name == "张三丰", timeout=5000)
    assert page.detail.isVisible()


def test_a_scanned_card_opens_its_member_on_enter(qtbot, supervisor_ctx):
    first, _ = add_members(supervisor_ctx.db, supervisor_ctx.actor, ["张三丰", "李四"])
    page = shown_page(qtbot, supervisor_ctx)
    qtbot.keyClicks(page.search, first.card_code)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.member is not None, timeout=5000)
    assert page.detail.member.id == first.id


def test_new_members_and_changes_show_in_the_table(qtbot, supervisor_ctx):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, ["张三丰"])
    page = shown_page(qtbot, supervisor_ctx)
    qtbot.waitUntil(lambda: page.summary.text() == "1 members", timeout=5000)
    view = members.create_member(supervisor_ctx.db, supervisor_ctx.actor, name="新会员", phone="13911112222")
    supervisor_ctx.changes.members_changed.emit()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.summary.text() == "2 members", timeout=5000)
    assert page.model.data(page.model.index(1, Column.NAME)) == "新会员"
    members.update_member(supervisor_ctx.db, supervisor_ctx.actor, view.id, name="新名字")
    supervisor_ctx.changes.member_changed.emit(view.id)
    assert page.model.data(page.model.index(1, Column.NAME)) == "新名字"


def test_down_arrow_goes_from_the_search_box_into_the_results(qtbot, supervisor_ctx):
    add_members(supervisor_ctx.db, supervisor_ctx.actor, ["张三丰", "张无忌", "李四"])
    page = shown_page(qtbot, supervisor_ctx)
    page.search.setFocus()
    commit_text(page.search, "张")
    qtbot.waitUntil(lambda: page.model.searching and page.model.rowCount() == 2, timeout=5000)
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus() and page.table.currentIndex().row() == 0
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.member is not None, timeout=5000)
    assert page.detail.member.name == "张无忌"
