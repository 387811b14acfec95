"""The mall page at the counter, driven as a cashier drives it: pick a tile, Enter, confirm, read the voucher."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QApplication, QPushButton

from pointsmall import catalog, images, members, redemption, vouchers
from pointsmall.db import Database
from pointsmall.members import MemberView
from pointsmall.models import Redemption
from ui import i18n
from ui.context import AppContext
from ui.models import thumbnail_cache
from ui.models.mall_grid import MallGridModel, ShelfFilter, TileRole
from ui.models.thumbnail_cache import ThumbnailCache
from ui.pages.counter import CounterPage
from ui.pages.mall import MallPage
from ui.printing import slip as slips

from .ime import commit_text
from .mall_data import Shelf, bulk_items, member, shelf, system_actor
from .page_support import show_page

pytestmark = pytest.mark.usefixtures("close_pages")
WAIT = 8000
CODE = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")


@pytest.fixture(autouse=True)
def _thumbnails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Thumbnails go to this test's folder, and the memory cache starts empty."""
    folder = tmp_path / "thumbnails"
    folder.mkdir()
    monkeypatch.setattr(images, "cache_dir", lambda: folder)
    thumbnail_cache.SHARED.clear()
    yield
    thumbnail_cache.SHARED.clear()


@pytest.fixture
def shop(ui_db: Database) -> Shelf:
    return shelf(ui_db)


def open_page(qtbot, ctx: AppContext) -> MallPage:  # type: ignore[no-untyped-def]
    page = show_page(qtbot, MallPage(ctx), 1130, 770)
    qtbot.waitUntil(lambda: page.loaded, timeout=WAIT)
    return page


def serve(qtbot, page: MallPage, who: MemberView) -> None:  # type: ignore[no-untyped-def]
    page.ctx.changes.member_selected.emit(who.id)
    qtbot.waitUntil(lambda: page.member is not None and page.member.id == who.id, timeout=WAIT)


def pick(qtbot, page: MallPage, item_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    row = page.model.row_of(item_id)
    assert row is not None
    index = page.model.index(row)
    page.grid.scrollTo(index)
    qtbot.mouseClick(page.grid.viewport(), Qt.MouseButton.LeftButton, pos=page.grid.visualRect(index).center())
    assert page.grid.currentIndex().row() == row


def balance(db: Database, who: MemberView) -> int:
    return members.get_member(db, system_actor(db), who.id).balance


def redemptions(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Redemption)) or 0


# -- the grid -------------------------------------------------------------------------

def test_the_grid_shows_a_tile_per_item_with_price_stock_and_picture(qtbot, cashier_ctx, ui_db, shop):
    page = open_page(qtbot, cashier_ctx)
    assert page.model.rowCount() == 5
    assert page.filters.count.text() == "5 of 5 items"
    assert page.strip.browsing.isVisible()  # no member: browsing only
    mug = page.model.index(page.model.row_of(shop.mug.id))
    tile = mug.data(TileRole.TILE)
    assert tile.item.name == "马克杯" and tile.allowed
    delegate = page.grid.tile_delegate
    assert delegate.price_text(tile.item.price_points) == f"{i18n.points(1000)} points"
    assert delegate.stock_text(tile) == "20 left"
    wash = page.model.tile(page.model.row_of(shop.car_wash.id))
    assert delegate.stock_text(wash) == "Unlimited"
    assert delegate.stock_text(page.model.tile(page.model.row_of(shop.sold_out.id))) == "Out of stock"
    assert page.grid.visualRect(mug).isValid()
    qtbot.waitUntil(lambda: isinstance(mug.data(Qt.ItemDataRole.DecorationRole), QPixmap), timeout=WAIT)
    image = page.grid.viewport().grab().toImage()
    centre = page.grid.visualRect(mug).center()
    assert image.pixelColor(centre.x(), page.grid.visualRect(mug).top() + 60) != QColor("#FFFFFF")


def test_without_a_member_enter_asks_for_one(qtbot, cashier_ctx, shop):
    page = open_page(qtbot, cashier_ctx)
    pick(qtbot, page, shop.mug.id)
    assert not page.redeem_button.isEnabled()
    assert page.reason.text() == "Find the member at the counter to redeem."
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    assert page.confirm is None
    assert "find the member at the counter" in page.message.text()


def test_the_page_follows_the_member_served_and_shows_why_items_are_refused(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    assert page.strip.name.text() == "张三丰"
    assert page.strip.phone.text() == "138****8000"
    assert page.strip.balance.text() == i18n.points(1320)
    reasons = {page.model.tile(row).item.id: page.model.index(row).data(TileRole.REASON)
               for row in range(page.model.rowCount())}
    assert reasons[shop.car_wash.id] == "Not enough points: 1680 more are needed."
    assert reasons[shop.gold_only.id] == "Only Gold members and above can redeem this."
    assert reasons[shop.sold_out.id] == "Out of stock."
    assert reasons[shop.mug.id] == "" and reasons[shop.coupon.id] == ""
    pick(qtbot, page, shop.car_wash.id)
    assert page.reason.text() == "Not enough points: 1680 more are needed."
    assert not page.redeem_button.isEnabled()
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    assert page.confirm is None
    assert page.message.text() == "Not enough points: 1680 more are needed."
    page.ctx.changes.member_selected.emit(None)
    qtbot.waitUntil(lambda: page.member is None, timeout=WAIT)
    assert page.model.tile(page.model.row_of(shop.car_wash.id)).allowed
    assert page.strip.browsing.isVisible()


def test_filters_by_category_text_and_what_the_member_can_afford(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    page = open_page(qtbot, cashier_ctx)
    assert not page.filters.affordable.isEnabled()
    serve(qtbot, page, who)
    page.filters.category.setCurrentIndex(page.filters.category.findData("生活用品"))
    assert {page.model.tile(r).item.name for r in range(page.model.rowCount())} == {"马克杯", "金卡专享保温杯"}
    page.filters.category.setCurrentIndex(0)
    commit_text(page.filters.text, "洗车")
    assert page.model.rowCount() == 1 and page.model.tile(0).item.name == "洗车服务"
    page.filters.text.clear()
    page.filters.affordable.setChecked(True)
    assert {page.model.tile(r).item.name for r in range(page.model.rowCount())} == {
        "马克杯", "¥50无门槛券", "金卡专享保温杯"}
    assert page.filters.count.text() == "3 of 5 items"


def test_a_counter_scan_is_followed_by_the_mall(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=500)
    counter = CounterPage(cashier_ctx)
    qtbot.addWidget(counter)
    page = open_page(qtbot, cashier_ctx)
    counter.scan.setText(who.card_code)
    counter.on_scan()
    qtbot.waitUntil(lambda: page.member is not None and page.member.id == who.id, timeout=WAIT)
    assert page.strip.balance.text() == i18n.points(500)
    counter.start_over()
    counter.start_over()  # Escape twice: the next customer
    qtbot.waitUntil(lambda: page.member is None, timeout=WAIT)


# -- redeeming -------------------------------------------------------------------------

def test_redeem_from_the_grid_confirm_and_see_the_voucher(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    pick(qtbot, page, shop.mug.id)
    assert page.redeem_button.isEnabled()
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible(), timeout=WAIT)
    dialog = page.confirm
    qtbot.waitUntil(lambda: dialog.confirm.isEnabled(), timeout=WAIT)
    assert dialog.name.text() == "马克杯"
    assert dialog.quantity.maximum() == 1  # 1,320 points buy one 1,000-point mug
    assert dialog.cost.text() == i18n.points(1000)
    assert dialog.after.text() == i18n.points(320)
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)  # a second Enter on the grid opens no second dialog
    assert page.confirm is dialog
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Confirm is the default button
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # pressed twice: still one redemption
    qtbot.waitUntil(lambda: page.voucher is not None and page.voucher.isVisible(), timeout=WAIT)
    voucher = page.voucher
    assert CODE.match(voucher.code.text())
    assert vouchers.normalise_code(voucher.code.text()) == voucher.result.voucher_code
    assert voucher.qr.pixmap() is not None and not voucher.qr.pixmap().isNull()
    assert voucher.qr.pixmap().width() >= 29 * 8  # a full QR code with its quiet zone
    assert not voucher.expiry.isVisible()  # goods do not expire
    assert balance(ui_db, who) == 320
    assert redemptions(ui_db) == 1
    qtbot.waitUntil(lambda: page.strip.balance.text() == i18n.points(320), timeout=WAIT)
    qtbot.waitUntil(lambda: page.grid.tile_delegate.stock_text(page.model.tile(page.model.row_of(shop.mug.id)))
                    == "19 left", timeout=WAIT)
    mug_reason = page.model.index(page.model.row_of(shop.mug.id)).data(TileRole.REASON)
    assert mug_reason == "Not enough points: 680 more are needed."


def test_a_coupon_voucher_shows_its_expiry_and_saves_its_slip_as_pdf(qtbot, cashier_ctx, ui_db, shop, tmp_path):
    who = member(ui_db, points=2500)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    pick(qtbot, page, shop.coupon.id)
    qtbot.mouseClick(page.redeem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.confirm.isEnabled(), timeout=WAIT)
    assert page.confirm.quantity.maximum() == 1  # one a day
    assert page.confirm.kind.text() == "Coupon worth ¥50, valid for 30 days"
    qtbot.mouseClick(page.confirm.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.voucher is not None and page.voucher.isVisible(), timeout=WAIT)
    voucher = page.voucher
    expires = voucher.result.voucher_expires_on
    assert expires is not None and voucher.expiry.text() == f"Valid until {i18n.day(expires)}"
    voucher.save_pdf(str(tmp_path / "slip.pdf"))
    assert (tmp_path / "slip.pdf").read_bytes().startswith(b"%PDF")
    assert voucher.status.text().startswith("Saved the slip to")
    assert voucher.slip.member_phone == "138****8000"
    voucher.save_pdf(str(tmp_path / "missing-folder" / "slip.pdf"))
    assert voucher.status.property("error") is True


def test_quantity_is_limited_and_the_cost_follows_it(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=3500)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    pick(qtbot, page, shop.mug.id)
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.confirm.isEnabled(), timeout=WAIT)
    dialog = page.confirm
    assert dialog.quantity.maximum() == 3
    dialog.quantity.setValue(3)
    assert dialog.cost.text() == i18n.points(3000) and dialog.after.text() == i18n.points(500)
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.voucher is not None, timeout=WAIT)
    assert page.voucher.result.quantity == 3
    assert balance(ui_db, who) == 500


def test_a_refusal_at_confirmation_is_shown_in_the_dialog(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    pick(qtbot, page, shop.mug.id)
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.confirm.isEnabled(), timeout=WAIT)
    # another till spends the points meanwhile
    redemption.redeem(ui_db, system_actor(ui_db), member_id=who.id, item_id=shop.coupon.id)
    qtbot.mouseClick(page.confirm.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.confirm.error.isVisible(), timeout=WAIT)
    assert page.confirm.error.text() == "Not enough points: 680 more are needed."
    assert page.confirm.isVisible() and page.voucher is None


# -- vouchers at the counter -----------------------------------------------------------------

def write_off_tab(qtbot, page: MallPage, code: str) -> None:  # type: ignore[no-untyped-def]
    page.tabs.setCurrentWidget(page.write_off)
    box = page.write_off.code
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box, timeout=WAIT)
    box.clear()
    qtbot.keyClicks(box, code)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_a_voucher_is_written_off_once_and_refused_the_second_time(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    result = redemption.redeem(ui_db, system_actor(ui_db), member_id=who.id, item_id=shop.coupon.id)
    page = open_page(qtbot, cashier_ctx)
    panel = page.write_off
    write_off_tab(qtbot, page, result.voucher_display.lower())  # typed in lower case, with dashes
    qtbot.waitUntil(lambda: panel.card.isVisible(), timeout=WAIT)
    assert panel.item.text() == "¥50无门槛券" and panel.member.text() == "张三丰"
    assert panel.state.text() == "Valid" and panel.write_off_button.isEnabled()
    qtbot.keyClick(panel.code, Qt.Key.Key_Return)  # Enter again writes it off
    qtbot.waitUntil(lambda: panel.message.property("kind") == "success", timeout=WAIT)
    assert panel.message.text() == "Written off: ¥50无门槛券 for 张三丰"
    assert panel.state.text() == "Used"
    write_off_tab(qtbot, page, result.voucher_display)
    qtbot.waitUntil(lambda: panel.message.property("kind") == "refused", timeout=WAIT)
    assert panel.message.text().startswith("This voucher was already used on ")
    assert panel.message.fontInfo().pixelSize() >= 20  # large, and red: the style sheet's refused look
    assert panel.message.palette().color(panel.message.foregroundRole()).red() > 150
    assert not panel.write_off_button.isEnabled()
    assert QApplication.focusWidget() is panel.code


def test_a_cancelled_voucher_and_a_mistyped_code_are_refused_with_the_reason(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    actor = system_actor(ui_db)
    result = redemption.redeem(ui_db, actor, member_id=who.id, item_id=shop.coupon.id)
    redemption.cancel(ui_db, actor, result.redemption_id, "顾客不要了")
    page = open_page(qtbot, cashier_ctx)
    panel = page.write_off
    write_off_tab(qtbot, page, result.voucher_display)
    qtbot.waitUntil(lambda: panel.message.property("kind") == "refused", timeout=WAIT)
    assert panel.message.text() == "This voucher was cancelled with its redemption."
    assert panel.state.text() == "Cancelled"
    write_off_tab(qtbot, page, "ABCD-EFGH-JKMN")
    qtbot.waitUntil(lambda: "not a valid voucher code" in panel.message.text(), timeout=WAIT)
    assert not panel.card.isVisible()


def test_an_expired_coupon_is_refused_with_its_date(qtbot, cashier_ctx, ui_db, shop, monkeypatch):
    who = member(ui_db, points=1320)
    result = redemption.redeem(ui_db, system_actor(ui_db), member_id=who.id, item_id=shop.coupon.id)
    later = datetime.now(timezone.utc) + timedelta(days=45)  # the coupon is valid for 30 days
    monkeypatch.setattr(vouchers, "utc_now", lambda: later)
    page = open_page(qtbot, cashier_ctx)
    panel = page.write_off
    write_off_tab(qtbot, page, result.voucher_display)
    qtbot.waitUntil(lambda: panel.message.property("kind") == "refused", timeout=WAIT)
    assert result.voucher_expires_on is not None
    assert panel.message.text() == f"This voucher expired on {result.voucher_expires_on.isoformat()}."
    assert panel.state.text() == "Expired"
    assert not panel.write_off_button.isEnabled()
    qtbot.keyClick(panel.code, Qt.Key.Key_Return)  # Enter again only checks again: nothing is written off
    qtbot.wait(200)
    qtbot.waitUntil(lambda: panel.message.property("kind") == "refused", timeout=WAIT)
    with ui_db.read() as session:
        assert vouchers.voucher_view(session, result.voucher_code, later.date()).state == "expired"


# -- history and cancelling -------------------------------------------------------------------

def test_a_supervisor_cancels_a_redemption_and_the_points_come_back(qtbot, supervisor_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    redemption.redeem(ui_db, system_actor(ui_db), member_id=who.id, item_id=shop.mug.id)
    page = open_page(qtbot, supervisor_ctx)
    serve(qtbot, page, who)
    assert page.strip.balance.text() == i18n.points(320)
    page.tabs.setCurrentWidget(page.history)
    history = page.history
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=WAIT)
    assert history.model.index(0, 2).data() == "马克杯"
    assert history.model.index(0, 6).data() == "Open"
    history.table.selectRow(0)
    assert history.cancel_button is not None and history.cancel_button.isEnabled()
    qtbot.mouseClick(history.cancel_button, Qt.MouseButton.LeftButton)
    dialog = history.dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    assert not dialog.ok.isEnabled()  # a reason is required
    commit_text(dialog.reason, "顾客改主意了")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: history.model.rowCount() == 1 and history.model.index(0, 6).data() == "Cancelled",
                    timeout=WAIT)
    assert history.message.text() == f"Cancelled: {i18n.points(1000)} points returned, balance {i18n.points(1320)}"
    assert balance(ui_db, who) == 1320
    qtbot.waitUntil(lambda: page.strip.balance.text() == i18n.points(1320), timeout=WAIT)
    qtbot.waitUntil(lambda: page.grid.tile_delegate.stock_text(page.model.tile(page.model.row_of(shop.mug.id)))
                    == "20 left", timeout=WAIT)
    history.table.selectRow(0)
    assert not history.cancel_button.isEnabled()  # cancelled once


def test_cancelling_a_used_voucher_is_refused_in_the_dialog(qtbot, supervisor_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    actor = system_actor(ui_db)
    result = redemption.redeem(ui_db, actor, member_id=who.id, item_id=shop.coupon.id)
    vouchers.write_off(ui_db, actor, result.voucher_code)
    page = open_page(qtbot, supervisor_ctx)
    page.tabs.setCurrentWidget(page.history)
    history = page.history
    history.scope.setCurrentIndex(history.scope.findData(history.STORE))
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=WAIT)
    assert history.model.index(0, 6).data() == "Used"
    history.table.selectRow(0)
    qtbot.mouseClick(history.cancel_button, Qt.MouseButton.LeftButton)
    dialog = history.dialog
    commit_text(dialog.reason, "顾客要求")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT)
    assert dialog.error.text() == "The voucher of this redemption was already used; it cannot be cancelled."
    assert dialog.isVisible()
    assert balance(ui_db, who) == 320


def test_a_cashier_sees_the_history_without_cancel(qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    redemption.redeem(ui_db, system_actor(ui_db), member_id=who.id, item_id=shop.mug.id)
    page = open_page(qtbot, cashier_ctx)
    serve(qtbot, page, who)
    page.tabs.setCurrentWidget(page.history)
    qtbot.waitUntil(lambda: page.history.model.rowCount() == 1, timeout=WAIT)
    assert page.history.cancel_button is None
    assert page.findChild(QPushButton, "historyCancel") is None


# -- the model, and 5,000 items --------------------------------------------------------------------

def test_grid_model_passes_the_model_tester(qtmodeltester, qtbot, cashier_ctx, ui_db, shop):
    who = member(ui_db, points=1320)
    with ui_db.read() as session:
        items = catalog.mall_items(session)
    refusals = {e.item.id: e.refusal for e in redemption.eligibility(ui_db, system_actor(ui_db), who.id, items)
                if e.refusal is not None}
    cache = ThumbnailCache(lambda wanted: _no_images(wanted))
    model = MallGridModel(cache)
    model.set_shelf(items, refusals)
    qtmodeltester.check(model)
    model.set_filter(ShelfFilter(category="生活用品"))
    qtmodeltester.check(model)
    model.set_filter(ShelfFilter(text="nothing like this"))
    assert model.rowCount() == 0
    qtmodeltester.check(model)


async def _no_images(wanted):  # type: ignore[no-untyped-def]
    return {}


def test_five_thousand_items_load_without_reading_every_thumbnail(qtbot, cashier_ctx, ui_db):
    bulk_items(ui_db, 5000, picture_size=8)
    asked: list[int] = []
    page = MallPage(cashier_ctx)
    qtbot.addWidget(page)
    loader = page.thumbnails._loader

    async def counting(wanted):  # type: ignore[no-untyped-def]
        asked.append(len(wanted))
        return await loader(wanted)

    page.thumbnails._loader = counting
    page.resize(1130, 770)
    page.show()
    qtbot.waitUntil(lambda: page.loaded, timeout=20_000)
    assert page.model.rowCount() == 5000
    first = page.model.index(0)
    qtbot.waitUntil(lambda: isinstance(first.data(Qt.ItemDataRole.DecorationRole), QPixmap), timeout=WAIT)
    visible = sum(1 for r in range(60) if page.grid.visualRect(page.model.index(r)).intersects(
        page.grid.viewport().rect()))
    assert 0 < visible < 40
    assert page.thumbnails.requested <= 2 * visible  # only what was painted, not 5,000
    assert sum(asked) == page.thumbnails.requested
    far = page.model.index(4000)
    assert far.data(TileRole.TILE) is not None  # the row is there...
    assert thumbnail_cache.SHARED.get(far.data(TileRole.TILE).item.image_sha) is None  # ...its picture is not
    page.grid.scrollTo(far)
    qtbot.waitUntil(lambda: isinstance(far.data(Qt.ItemDataRole.DecorationRole), QPixmap), timeout=WAIT)
    assert page.thumbnails.requested < 200


# -- the slip ------------------------------------------------------------------------------------------

def test_the_slip_renders_to_a_pdf_and_an_image(qtbot, cashier_ctx, ui_db, shop, tmp_path):
    who = member(ui_db, points=5000)
    result = redemption.redeem(ui_db, system_actor(ui_db), member_id=who.id, item_id=shop.car_wash.id)
    slip = slips.slip_for(result, "138****8000", "总店", vouchers.qr_png(result.voucher_code))
    path = slips.export_pdf(slip, tmp_path / "slip.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None
    assert abs(float(box.group(1)) - 80 / 25.4 * 72) < 1.5  # 80 mm wide
    assert abs(float(box.group(2)) - slips.slip_height_mm(slip) / 25.4 * 72) < 1.5
    image = slips.render_image(slip, dpi=203)
    image.save(str(tmp_path / "slip.png"))
    assert image.width() == round(80 * 203 / 25.4)
    assert 600 < image.height() < 1400
    dark = sum(1 for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)
               if image.pixelColor(x, y).lightness() < 100)
    assert dark > 500  # text, rules and the QR code were painted
    top_left_qr = [(x, y) for y in range(image.height() // 2, image.height()) for x in range(image.width() // 2 - 90,
                   image.width() // 2 - 60) if image.pixelColor(x, y).lightness() < 60]
    assert top_left_qr, "the QR code sits in the middle of the lower half"
