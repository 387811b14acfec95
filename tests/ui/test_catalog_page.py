"""The catalog page (商品管理), driven as an operator drives it: type, click, drop a file, read the screen."""
from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from pointsmall import catalog
from pointsmall.catalog import ItemDraft, ItemView, StockKind
from pointsmall.db import Database
from pointsmall.errors import PermissionDenied
from pointsmall.staff import Role
from ui.context import AppContext
from ui.dialogs.catalog_numbers import NotANumber, parse_fen, parse_whole
from ui.dialogs.item_editor import ItemEditorDialog
from ui.dialogs.stock_change import StockChangeDialog
from ui.models.catalog_table import GREY, CatalogTableModel, Column
from ui.models.stock_table import StockColumn, StockEntriesModel
from ui.ops import catalog as catalog_ops
from ui.pages.catalog import CatalogPage

from .conftest import make_context
from .ime import commit_text

WAIT = 5000


@pytest.fixture
def operator_ctx(ui_db: Database, event_loop, language) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    ctx = make_context(ui_db, Role.OPERATOR, language)
    yield ctx
    ctx.worker.shutdown()


def png_bytes(colour: tuple[int, int, int] = (230, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(out, "PNG")
    return out.getvalue()


def add_item(ctx: AppContext, **changes: object) -> ItemView:
    fields: dict[str, object] = dict(sku="MUG-01", name="定制保温杯", category="家居", price_points=2500)
    fields.update(changes)
    return catalog.save_item(ctx.db, ctx.actor, ItemDraft(**fields))  # type: ignore[arg-type]


def item_now(ctx: AppContext, item_id) -> ItemView:  # type: ignore[no-untyped-def]
    with ctx.db.read() as session:
        return catalog.get_item(session, item_id)


@pytest.fixture
def shown_page(qtbot, event_loop) -> Iterator[Callable[[AppContext], CatalogPage]]:  # type: ignore[no-untyped-def]
    """Open the page the way the main window shows it; it is closed while the asyncio loop still runs."""
    pages: list[CatalogPage] = []

    def show(ctx: AppContext) -> CatalogPage:
        page = CatalogPage(ctx)
        pages.append(page)
        page.resize(1130, 760)
        page.show()
        qtbot.waitExposed(page)
        qtbot.waitUntil(lambda: page._loads > 0, timeout=WAIT)
        return page

    yield show
    for page in pages:
        page.close()
        page.deleteLater()
    qtbot.wait(50)  # thumbnails and entries still being read finish, or are dropped with the page


def replace_text(qtbot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def drop_file(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    """What the window system sends when a file is dragged from the desktop and let go over ``widget``."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = widget.rect().center()
    with warnings.catch_warnings():  # PySide marks Qt's only QDragEnterEvent constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(QPoint(centre)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()


# -- reading numbers ------------------------------------------------------------------

def test_yuan_become_fen_exactly_and_counts_read_like_people_type():
    assert parse_fen("0.29") == 29  # not 28 through a float
    assert parse_fen("50") == 5000 and parse_fen("9.9") == 990 and parse_fen("１２．５") == 1250
    assert parse_fen("") is None and parse_fen("0") == 0
    for bad in ("abc", "1.234", "-5", "1e3"):
        with pytest.raises(NotANumber):
            parse_fen(bad)
    assert parse_whole("1,000") == 1000 and parse_whole("") is None and parse_whole("-2", signed=True) == -2
    for bad in ("-2", "2.5", "五"):
        with pytest.raises(NotANumber):
            parse_whole(bad)


# -- the models ------------------------------------------------------------------------------

def test_catalog_model_words_and_greyed_inactive_items(qtbot, qtmodeltester, operator_ctx):
    coupon = add_item(operator_ctx, sku="CUP-50", name="满50元无门槛券", category="优惠券", kind="coupon",
                      price_points=1000, face_value_fen=5000, validity_days=30, unlimited=True, daily_limit=1)
    rice = add_item(operator_ctx, sku="RICE-5", name="五常大米 5kg", category="食品", price_points=3000,
                    cash_fen=990, per_order_limit=2, min_tier_rank=2, active=False)
    listing = catalog_ops._listing(operator_ctx.db, None, "")
    model = CatalogTableModel("en", operator_ctx.actor.store_tz)
    model.set_items(listing.items, listing.tiers)
    rows = {model.item(r).sku: r for r in range(model.rowCount())}
    text = lambda sku, column: model.data(model.index(rows[sku], column))  # noqa: E731
    assert text("CUP-50", Column.KIND) == "Coupon ¥50"
    assert text("CUP-50", Column.STOCK) == "Unlimited"
    assert text("CUP-50", Column.LIMITS) == "1/day"
    assert text("CUP-50", Column.MIN_TIER) == "All members"
    assert text("RICE-5", Column.PRICE) == "3,000 pts + ¥9.90"
    assert text("RICE-5", Column.MIN_TIER) == "Gold and above"
    assert text("RICE-5", Column.STOCK) == "0"
    assert text("RICE-5", Column.ACTIVE) == "Off"
    assert model.data(model.index(rows["RICE-5"], Column.NAME), Qt.ItemDataRole.ForegroundRole) == GREY
    assert model.data(model.index(rows["CUP-50"], Column.NAME), Qt.ItemDataRole.ForegroundRole) is None
    assert model.row_of(rice.id) == rows["RICE-5"] and model.row_of(coupon.id) == rows["CUP-50"]
    qtmodeltester.check(model)


def test_stock_entries_model(qtbot, qtmodeltester, operator_ctx):
    item = add_item(operator_ctx)
    catalog.record_stock(operator_ctx.db, operator_ctx.actor, item.id, StockKind.RESTOCK, 12, "到货")
    catalog.record_stock(operator_ctx.db, operator_ctx.actor, item.id, StockKind.WRITE_OFF, 2, "破损")
    model = StockEntriesModel()
    with operator_ctx.db.read() as session:
        model.set_entries(catalog.stock_entries(session, item.id))
    assert model.data(model.index(0, StockColumn.KIND)) == "Write-off"
    assert model.data(model.index(0, StockColumn.QUANTITY)) == "−2"
    assert model.data(model.index(0, StockColumn.AFTER)) == "10"
    assert model.data(model.index(1, StockColumn.QUANTITY)) == "+12"
    qtmodeltester.check(model)


# -- the editor -------------------------------------------------------------------------------

def test_operator_creates_a_coupon_through_the_editor(qtbot, operator_ctx, shown_page):
    page = shown_page(operator_ctx)
    assert page.model.rowCount() == 0 and page.empty.isVisible()
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    editor = page.editor
    assert isinstance(editor, ItemEditorDialog)
    qtbot.waitExposed(editor)
    qtbot.keyClicks(editor.sku, "cup-50")
    commit_text(editor.name, "满50元无门槛券")
    commit_text(editor.category.lineEdit(), "优惠券")
    editor.kind.setCurrentIndex(editor.kind.findData("coupon"))
    assert editor.face_value.isVisible() and editor.validity.isVisible()
    qtbot.keyClicks(editor.price, "0")
    price_error = editor.errors["price"]
    assert price_error.isVisible() and price_error.text() == "An item must cost some points."
    assert editor.price.property("invalid") is True
    replace_text(qtbot, editor.price, "1000")
    assert not price_error.isVisible()
    qtbot.keyClicks(editor.face_value, "50")
    qtbot.keyClicks(editor.validity, "30")
    qtbot.keyClicks(editor.cash, "0.29")
    editor.unlimited.setChecked(True)
    with qtbot.waitSignal(editor.saved, timeout=WAIT) as saved:
        qtbot.mouseClick(editor.ok, Qt.MouseButton.LeftButton)
    view: ItemView = saved.args[0]
    assert (view.sku, view.kind, view.price_points, view.face_value_fen, view.validity_days, view.cash_fen) == \
        ("CUP-50", "coupon", 1000, 5000, 30, 29)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    row = page.model.row_of(view.id)
    assert page.model.data(page.model.index(row, Column.NAME)) == "满50元无门槛券"
    assert page.model.data(page.model.index(row, Column.KIND)) == "Coupon ¥50"
    qtbot.waitUntil(lambda: page.stock.item is not None and page.stock.item.id == view.id, timeout=WAIT)
    assert not editor.isVisible()


def test_editor_shows_every_wrong_field_in_the_core_words_on_save(qtbot, operator_ctx, shown_page):
    add_item(operator_ctx)
    page = shown_page(operator_ctx)
    editor = page.open_editor(None)
    qtbot.waitExposed(editor)
    qtbot.keyClicks(editor.sku, "MUG-01")  # taken: only the database knows
    commit_text(editor.name, "另一个杯子")
    commit_text(editor.category.lineEdit(), "家居")
    qtbot.keyClicks(editor.price, "100")
    qtbot.keyClicks(editor.daily, "0")
    assert editor.errors["daily"].text() == "The daily limit must be a whole number above zero, or empty for none."
    replace_text(qtbot, editor.daily, "")
    editor.from_on.setChecked(True)
    editor.until_on.setChecked(True)
    editor.ends.setDateTime(editor.starts.dateTime().addSecs(-3600))
    assert editor.errors["available_until"].text() == "The availability window ends before it starts."
    editor.ends.setDateTime(editor.starts.dateTime().addDays(7))
    qtbot.mouseClick(editor.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.errors["sku"].isVisible(), timeout=WAIT)
    assert editor.errors["sku"].text() == "The item code MUG-01 is already used by 定制保温杯."
    assert editor.isVisible()


def test_dropping_a_picture_sets_it_and_a_corrupt_file_changes_nothing(qtbot, operator_ctx, shown_page, tmp_path):
    item = add_item(operator_ctx)
    good = tmp_path / "杯子.png"
    good.write_bytes(png_bytes())
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(png_bytes()[:60])
    page = shown_page(operator_ctx)
    editor = page.open_editor(page.model.item(page.model.row_of(item.id)))
    qtbot.waitExposed(editor)
    assert not editor.picture.has_image()
    drop_file(editor.picture, good)
    qtbot.waitUntil(lambda: editor.picked is not None, timeout=WAIT)
    assert editor.picture.has_image() and editor.picture_note.isVisible()
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        qtbot.mouseClick(editor.ok, Qt.MouseButton.LeftButton)
    first_sha = item_now(operator_ctx, item.id).image_sha
    assert first_sha is not None
    qtbot.waitUntil(lambda: page.model.item(page.model.row_of(item.id)).image_sha == first_sha, timeout=WAIT)

    editor = page.open_editor(page.model.item(page.model.row_of(item.id)))
    qtbot.waitExposed(editor)
    qtbot.waitUntil(editor.picture.has_image, timeout=WAIT)  # the current picture
    drop_file(editor.picture, corrupt)
    error = editor.errors["image"]
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert error.text() == "The file is not a readable image (it may be damaged or cut short)."
    assert editor.picked is None and editor.picture.has_image()
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        qtbot.mouseClick(editor.ok, Qt.MouseButton.LeftButton)
    assert item_now(operator_ctx, item.id).image_sha == first_sha


def test_a_file_of_the_wrong_type_is_refused_from_the_file_dialog_path(qtbot, operator_ctx, shown_page, tmp_path):
    page = shown_page(operator_ctx)
    editor = page.open_editor(None)
    text_file = tmp_path / "notes.png"
    text_file.write_text("这不是图片")
    chooser = editor.choose_image()
    chooser.fileSelected.emit(str(text_file))  # what choosing the file in the dialog emits
    chooser.close()
    qtbot.waitUntil(editor.errors["image"].isVisible, timeout=WAIT)
    assert editor.picked is None and not editor.picture.has_image()
    editor.load_image_file(str(tmp_path / "missing.png"))
    qtbot.waitUntil(lambda: "could not be read" in editor.errors["image"].text(), timeout=WAIT)


# -- stock ------------------------------------------------------------------------------------------

def open_stock(qtbot, page: CatalogPage, item: ItemView, button) -> StockChangeDialog:  # type: ignore[no-untyped-def]
    assert page.select_item(item.id)
    qtbot.waitUntil(lambda: page.stock.item is not None and page.stock.item.id == item.id, timeout=WAIT)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = page.stock.dialog
    assert isinstance(dialog, StockChangeDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_restock_ten_with_a_reason_shows_the_stock_and_the_entry(qtbot, operator_ctx, shown_page):
    item = add_item(operator_ctx)
    page = shown_page(operator_ctx)
    dialog = open_stock(qtbot, page, item, page.stock.restock)
    qtbot.keyClicks(dialog.quantity, "10")
    assert dialog.preview.text() == "In stock now: 0 → after this change: 10"
    commit_text(dialog.reason, "供应商到货")
    with qtbot.waitSignal(dialog.recorded, timeout=WAIT):
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stock.on_hand.text() == "10", timeout=WAIT)
    qtbot.waitUntil(lambda: page.stock.model.rowCount() == 1, timeout=WAIT)
    entries = page.stock.model
    assert entries.data(entries.index(0, StockColumn.KIND)) == "Restock"
    assert entries.data(entries.index(0, StockColumn.QUANTITY)) == "+10"
    assert entries.data(entries.index(0, StockColumn.REASON)) == "供应商到货"
    qtbot.waitUntil(lambda: page.model.data(page.model.index(page.model.row_of(item.id), Column.STOCK)) == "10",
                    timeout=WAIT)
    assert item_now(operator_ctx, item.id).stock == 10


def test_write_off_without_a_reason_is_refused_inline(qtbot, operator_ctx, shown_page):
    item = add_item(operator_ctx)
    catalog.record_stock(operator_ctx.db, operator_ctx.actor, item.id, StockKind.RESTOCK, 5, "到货")
    page = shown_page(operator_ctx)
    dialog = open_stock(qtbot, page, item, page.stock.write_off)
    qtbot.keyClicks(dialog.quantity, "2")
    assert dialog.preview.text() == "In stock now: 5 → after this change: 3"
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.errors["reason"].isVisible, timeout=WAIT)
    assert dialog.errors["reason"].text() == "Give a reason for the stock change."
    assert dialog.isVisible() and item_now(operator_ctx, item.id).stock == 5
    replace_text(qtbot, dialog.quantity, "9")
    commit_text(dialog.reason, "包装破损")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.errors["quantity"].isVisible, timeout=WAIT)
    assert dialog.errors["quantity"].text() == "Only 5 left in stock."
    replace_text(qtbot, dialog.quantity, "2")
    with qtbot.waitSignal(dialog.recorded, timeout=WAIT):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert item_now(operator_ctx, item.id).stock == 3


def test_taking_an_item_off_sale_greys_it(qtbot, operator_ctx, shown_page):
    item = add_item(operator_ctx)
    page = shown_page(operator_ctx)
    page.select_item(item.id)
    qtbot.waitUntil(lambda: page.stock.item is not None, timeout=WAIT)
    assert page.stock.toggle.text() == "Take off sale"
    qtbot.mouseClick(page.stock.toggle, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stock.toggle.text() == "Put on sale", timeout=WAIT)
    assert page.stock.inactive.isVisible() and not item_now(operator_ctx, item.id).active
    row = page.model.row_of(item.id)
    qtbot.waitUntil(lambda: page.model.data(page.model.index(row, Column.ACTIVE)) == "Off", timeout=WAIT)
    assert page.model.data(page.model.index(row, Column.NAME), Qt.ItemDataRole.ForegroundRole) == GREY


# -- filters ------------------------------------------------------------------------------------------

def test_filter_by_category_and_text(qtbot, operator_ctx, shown_page):
    add_item(operator_ctx)
    add_item(operator_ctx, sku="TOWEL-2", name="纯棉毛巾两条装")
    add_item(operator_ctx, sku="CUP-10", name="10元代金券", category="优惠券", kind="coupon", price_points=200,
             face_value_fen=1000, validity_days=15)
    page = shown_page(operator_ctx)
    assert page.model.rowCount() == 3 and page.summary.text() == "3 items"
    assert [page.category.itemText(i) for i in range(page.category.count())] == ["All categories", "优惠券", "家居"]
    page.category.setCurrentIndex(page.category.findData("家居"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    commit_text(page.search, "毛巾")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    assert page.model.item(0).sku == "TOWEL-2"
    page.search.clear()
    qtbot.keyClicks(page.search, "cup-10")  # an exact code finds the item in any case
    page.category.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.item(0).sku == "CUP-10", timeout=WAIT)
    commit_text(page.search, "x")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT)
    assert page.empty.isVisible() and page.empty.text() == "No item matches."


# -- roles ---------------------------------------------------------------------------------------------

def test_supervisor_sees_stock_actions_but_not_the_editor(qtbot, supervisor_ctx, shown_page):
    operator = make_context(supervisor_ctx.db, Role.OPERATOR)
    item = catalog.save_item(operator.db, operator.actor,
                             ItemDraft(sku="MUG-01", name="定制保温杯", category="家居", price_points=2500))
    operator.worker.shutdown()
    page = shown_page(supervisor_ctx)
    for button in (page.new_button, page.import_button, page.export_button, page.stock.edit, page.stock.toggle):
        assert button.isHidden()
    assert page.open_editor(item) is None
    dialog = open_stock(qtbot, page, item, page.stock.restock)
    qtbot.keyClicks(dialog.quantity, "3")
    commit_text(dialog.reason, "调拨入库")
    with qtbot.waitSignal(dialog.recorded, timeout=WAIT):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert item_now(supervisor_ctx, item.id).stock == 3


def test_the_core_refuses_a_cashier_whatever_the_screen_shows(qtbot, cashier_ctx):
    operator = make_context(cashier_ctx.db, Role.OPERATOR)
    item = catalog.save_item(operator.db, operator.actor,
                             ItemDraft(sku="MUG-01", name="定制保温杯", category="家居", price_points=2500))
    operator.worker.shutdown()
    changed: list[bool] = []
    cashier_ctx.changes.catalog_changed.connect(lambda: changed.append(True))

    async def attempts() -> list[str]:
        refused = []
        for attempt in (catalog_ops.save_item(cashier_ctx, ItemDraft(sku="X-1", name="x", category="x",
                                                                      price_points=1)),
                        catalog_ops.record_stock(cashier_ctx, item.id, StockKind.RESTOCK, 5, "到货"),
                        catalog_ops.set_active(cashier_ctx, item.id, False)):
            try:
                await attempt
            except PermissionDenied as exc:
                refused.append(exc.params["action"])
        return refused

    future = asyncio.ensure_future(attempts())
    qtbot.waitUntil(future.done, timeout=WAIT)
    assert future.result() == ["manage the catalog", "record stock changes", "manage the catalog"]
    assert not changed and item_now(cashier_ctx, item.id).stock == 0


# -- import and export ---------------------------------------------------------------------------

def test_export_csv_then_import_a_modified_file_dry_run_first(qtbot, operator_ctx, shown_page, tmp_path):
    mug = add_item(operator_ctx)
    add_item(operator_ctx, sku="TOWEL-2", name="纯棉毛巾两条装", price_points=800)
    page = shown_page(operator_ctx)
    exported = tmp_path / "catalog.csv"
    chooser = page.files.choose_export_file()
    chooser.fileSelected.emit(str(exported))  # what saving in the file dialog emits
    chooser.close()
    qtbot.waitUntil(page.notice.isVisible, timeout=WAIT)
    assert page.notice.text() == f"Exported 2 items to {exported}."
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["sku", "name", "category", "kind"] and len(lines) == 3
    price = header.index("price_points")
    mug_row = next(line.split(",") for line in lines if line.startswith("MUG-01"))
    mug_row[price] = "3000"
    new_row = {"sku": "CUP-50", "name": "满50元无门槛券", "category": "优惠券", "kind": "coupon",
               "price_points": "1000", "face_value": "50", "validity_days": "30", "unlimited": "1"}
    bad_row = {"sku": "BAG-ECO", "name": "环保购物袋", "category": "家居", "price_points": "0"}
    modified = tmp_path / "catalog-new.csv"
    rows = [lines[0], ",".join(mug_row), next(line for line in lines if line.startswith("TOWEL-2")),
            ",".join(new_row.get(h, "") for h in header), ",".join(bad_row.get(h, "") for h in header)]
    modified.write_text("\n".join(rows) + "\n", encoding="utf-8")

    dialog = page.files.open_import(str(modified))
    qtbot.waitUntil(lambda: dialog.checks == 1, timeout=WAIT)
    report = dialog.model
    shown = [tuple(report.data(report.index(r, c)) for c in range(report.columnCount()))
             for r in range(report.rowCount())]
    assert shown == [("5", "BAG-ECO", "An item must cost some points."),  # errors first
                     ("2", "MUG-01", "Updates the item"), ("3", "TOWEL-2", "No change"), ("4", "CUP-50", "New item")]
    assert dialog.summary.text() == "4 rows: 1 new, 1 changed, 1 unchanged, 1 with errors."
    assert not dialog.apply.isEnabled() and dialog.problem.isVisible()
    assert item_now(operator_ctx, mug.id).price_points == 2500  # a dry run writes nothing
    dialog.close()

    fixed = tmp_path / "catalog-fixed.csv"
    fixed.write_text("\n".join(rows[:4]) + "\n", encoding="utf-8")
    dialog = page.files.open_import(str(fixed))
    qtbot.waitUntil(lambda: dialog.apply.isEnabled(), timeout=WAIT)
    with qtbot.waitSignal(dialog.imported, timeout=WAIT):
        qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)
    assert page.notice.text() == "Imported catalog-fixed.csv: 1 new, 1 changed."
    assert item_now(operator_ctx, mug.id).price_points == 3000
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=WAIT)
    coupon = page.model.item(next(r for r in range(3) if page.model.item(r).sku == "CUP-50"))
    assert (coupon.face_value_fen, coupon.validity_days, coupon.unlimited) == (5000, 30, True)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("items.csv", b"sku,name\n\xff\xfe\xff\xfe,x\n", "The file is neither UTF-8 nor GBK/GB18030 text."),
    ("items.csv", "编码,价格,颜色\nMUG-01,1,红\n".encode(), "Unknown column(s): 价格, 颜色."),
    ("items.xlsx", b"PK\x03\x04 not really a workbook", "The file is not a readable .xlsx workbook."),
    ("items.pdf", b"%PDF-1.4", "Import a .csv or .xlsx file."),
])
def test_a_refused_file_says_why_and_cannot_be_applied(qtbot, operator_ctx, shown_page, tmp_path, name, content,
                                                        message):
    path = tmp_path / name
    path.write_bytes(content)
    page = shown_page(operator_ctx)
    chooser = page.files.choose_import_file()
    chooser.fileSelected.emit(str(path))
    chooser.close()
    dialog = page.files.importer
    qtbot.waitUntil(lambda: dialog.checks == 1, timeout=WAIT)
    assert dialog.problem.isVisible() and dialog.problem.text() == message
    assert dialog.model.rowCount() == 0 and not dialog.apply.isEnabled()


def test_xlsx_export_reads_back_unchanged(qtbot, operator_ctx, shown_page, tmp_path):
    add_item(operator_ctx, cash_fen=990, daily_limit=2)
    page = shown_page(operator_ctx)
    exported = tmp_path / "catalog.xlsx"
    page.files.export_to(str(exported))
    qtbot.waitUntil(page.notice.isVisible, timeout=WAIT)
    dialog = page.files.open_import(str(exported))
    qtbot.waitUntil(lambda: dialog.checks == 1, timeout=WAIT)
    assert dialog.model.data(dialog.model.index(0, 2)) == "No change"
    assert not dialog.apply.isEnabled() and not dialog.problem.isVisible()


def test_import_report_model(qtmodeltester):
    from pointsmall.catalog_io import Action, ImportReport, RowReport
    from ui.models.import_report import ImportReportModel

    model = ImportReportModel()
    model.set_report(ImportReport((RowReport(2, "A-1", Action.CREATE),
                                   RowReport(3, "B-2", Action.ERROR, "The daily limit must be …", "daily",
                                             "The {what} limit must be a whole number above zero, or empty for none.",
                                             (("what", "daily"),))), applied=False))
    assert model.data(model.index(0, 2)) == "The daily limit must be a whole number above zero, or empty for none."
    qtmodeltester.check(model)
