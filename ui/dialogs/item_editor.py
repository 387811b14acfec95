"""Creating or editing a catalog item, its picture included, checked as it is typed.

The checks are the core's own: the form is read into an ``ItemDraft`` and
``catalog.validate_draft`` says what is wrong, in its words, next to the
field it names. The core stops at the first problem, so each field it
complains about is given a harmless stand-in and the draft is checked
again; that way every wrong field shows its own refusal at once. Only
the reading of numbers is done here (``catalog_numbers``).

A picture is picked with a file dialog or dropped on the picture area. It
is checked at once off the GUI thread (``images.prepare_image``): a refused
file shows the core's reason and nothing changes. An accepted picture is
previewed and saved together with the item, in the same write, so
cancelling the dialog leaves the item as it was.
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFileDialog,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall import catalog, images
from pointsmall.catalog import ItemDraft, ItemKind, ItemView
from pointsmall.clock import zone
from pointsmall.errors import Conflict, DomainError, ValidationError
from pointsmall.tiers import TierView

from ..context import AppContext
from ..head_office import hold_back
from ..messages import error_text
from ..models import catalog_words as words
from ..ops import catalog as catalog_ops
from ..ops.catalog import PickedImage
from ..widgets.image_drop import ImageDropArea
from .catalog_numbers import NotANumber, parse_fen, parse_whole
from .catalog_style import catalog_style_sheet
from .fields import FieldGrid

# The core's field names, and a value that passes its check (used to find every wrong field at once).
STAND_INS: dict[str, dict[str, Any]] = {
    "sku": {"sku": "X"}, "name": {"name": "x"}, "category": {"category": "x"}, "kind": {"kind": "goods"},
    "price": {"price_points": 1}, "cash": {"cash_fen": 0}, "face_value": {"face_value_fen": 1},
    "validity_days": {"validity_days": 1}, "available_until": {"available_until": None},
    "min_tier_rank": {"min_tier_rank": 0}, "per order": {"per_order_limit": None},
    "daily": {"daily_limit": None}, "per member": {"member_limit": None},
}
FIELDS = (*STAND_INS, "image")
IMAGE_FILTER = "*.jpg *.jpeg *.png *.webp *.bmp *.gif"
DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


class ItemEditorDialog(QDialog):
    saved = Signal(object)  # ItemView

    def __init__(self, ctx: AppContext, item: ItemView | None, categories: list[str], ladder: list[TierView],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemEditorDialog")
        self.ctx = ctx
        self.item = item
        self.picked: PickedImage | None = None
        self._touched: set[str] = set()
        self._server_errors: dict[str, str] = {}
        self._picking = False
        self.setWindowTitle(self.tr("New item") if item is None else self.tr("Edit item — {name}").format(
            name=item.name))
        self.setStyleSheet(catalog_style_sheet())
        self.setMinimumSize(1060, 540)  # room for a refusal under the picture and under several fields
        self._build(categories, ladder)
        self._fill(item)
        self._connect()
        self._kind_changed()
        self._window_toggled()
        self.validate()
        if item is not None and item.image_id is not None and item.image_sha is not None:
            self._load_current_image(item.image_id, item.image_sha)

    # -- building -----------------------------------------------------------------

    def _line(self, name: str, placeholder: str = "", max_length: int = 64) -> QLineEdit:
        edit = QLineEdit(objectName=name)
        edit.setMaxLength(max_length)
        edit.setPlaceholderText(placeholder)
        return edit

    def _error_label(self, field: str) -> QLabel:
        label = QLabel(objectName="itemError_" + field.replace(" ", "_"))
        label.setProperty("error", True)
        label.setWordWrap(True)
        label.hide()
        return label

    def _build(self, categories: list[str], ladder: list[TierView]) -> None:
        self.errors = {f: self._error_label(f) for f in FIELDS}
        self.sku = self._line("itemSku", self.tr("e.g. CUP-50"), 32)
        self.name = self._line("itemName", self.tr("e.g. 满50元无门槛券"))
        self.category = QComboBox(objectName="itemCategory")
        self.category.setEditable(True)
        self.category.addItems(categories)
        self.category.setCurrentIndex(-1)
        self.category.lineEdit().setMaxLength(32)
        self.category.lineEdit().setPlaceholderText(self.tr("Pick or type a category"))
        self.kind = QComboBox(objectName="itemKind")
        for value, text in words.kind_names().items():
            self.kind.addItem(text, value)
        self.price = self._line("itemPrice", self.tr("Points, e.g. 1000"), 12)
        self.cash = self._line("itemCash", self.tr("Optional, e.g. 9.90"), 14)
        self.face_value = self._line("itemFaceValue", self.tr("Yuan, e.g. 50"), 14)
        self.validity = self._line("itemValidity", self.tr("Days, e.g. 30"), 5)
        self.description = QPlainTextEdit(objectName="itemDescription")
        self.description.setPlaceholderText(self.tr("What the member gets, shown in the mall"))
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(70)

        self.unlimited = QCheckBox(self.tr("Unlimited (a service, an e-coupon)"), objectName="itemUnlimited")
        self.per_order = self._line("itemPerOrder", self.tr("No limit"), 7)
        self.daily = self._line("itemDaily", self.tr("No limit"), 7)
        self.member_limit = self._line("itemMemberLimit", self.tr("No limit"), 7)
        self.min_tier = QComboBox(objectName="itemMinTier")
        ladder = sorted(ladder, key=lambda t: t.rank)
        for tier in ladder:
            self.min_tier.addItem(words.min_tier_text(tier.rank, ladder, self.ctx.language), tier.rank)
        if not ladder:
            self.min_tier.addItem(words.min_tier_text(0, [], self.ctx.language), 0)
        self.from_on = QCheckBox(objectName="itemFromEnabled")
        self.from_on.setToolTip(self.tr("Only from a set time"))
        self.until_on = QCheckBox(objectName="itemUntilEnabled")
        self.until_on.setToolTip(self.tr("Only until a set time"))
        self.starts = QDateTimeEdit(objectName="itemFrom")
        self.ends = QDateTimeEdit(objectName="itemUntil")
        for edit in (self.starts, self.ends):
            edit.setDisplayFormat(DATETIME_FORMAT)
            edit.setCalendarPopup(True)
        self.active = QCheckBox(self.tr("On sale in the mall"), objectName="itemActive")

        self.picture = ImageDropArea()
        self.choose = QPushButton(self.tr("Choose picture…"), objectName="itemChooseImage")
        self.choose.setAutoDefault(False)  # Enter anywhere saves; it never opens the file dialog
        picture_hint = QLabel(self.tr("JPEG, PNG, WebP, BMP or GIF up to {mb} MB. Drop a file on the picture, "
                                      "or choose one.").format(mb=images.MAX_FILE_BYTES // 2**20),
                              objectName="itemImageHint")
        picture_hint.setProperty("hint", True)
        picture_hint.setWordWrap(True)
        self.picture_note = QLabel(objectName="itemImageNote")
        self.picture_note.setProperty("ok", True)
        self.picture_note.setWordWrap(True)
        self.picture_note.hide()
        self.general = self._error_label("general")
        self.stock_hint = QLabel(self.tr("A new item has no stock: add it with Restock after saving."),
                                 objectName="itemStockHint")
        self.stock_hint.setProperty("hint", True)
        self.stock_hint.setWordWrap(True)

        basics = FieldGrid()
        basics.add_field(self.tr("Code"), self.sku, self.errors["sku"])
        basics.add_field(self.tr("Name"), self.name, self.errors["name"])
        basics.add_field(self.tr("Category"), self.category, self.errors["category"])
        basics.add_field(self.tr("Kind"), self.kind, self.errors["kind"])
        basics.add_field(self.tr("Price (points)"), self.price, self.errors["price"])
        basics.add_field(self.tr("Cash part (¥)"), self.cash, self.errors["cash"])
        self._coupon_rows = [basics.add_field(self.tr("Face value (¥)"), self.face_value, self.errors["face_value"]),
                             self.face_value,
                             basics.add_field(self.tr("Valid for (days)"), self.validity, self.errors["validity_days"]),
                             self.validity]

        rules = FieldGrid()
        rules.add_field(self.tr("Stock"), self.unlimited, self.stock_hint)
        rules.add_field(self.tr("Per redemption"), self.per_order, self.errors["per order"])
        rules.add_field(self.tr("Per member a day"), self.daily, self.errors["daily"])
        rules.add_field(self.tr("Per member in all"), self.member_limit, self.errors["per member"])
        rules.add_field(self.tr("Min. tier"), self.min_tier, self.errors["min_tier_rank"])
        rules.add_field(self.tr("Available from"), _beside(self.from_on, self.starts))
        rules.add_field(self.tr("Available until"), _beside(self.until_on, self.ends),
                        self.errors["available_until"])
        rules.add_field("", self.active)
        rules.add_field(self.tr("Description"), self.description)
        basics.setRowStretch(basics.rowCount(), 1)
        rules.setRowStretch(rules.rowCount(), 1)

        picture_column = QVBoxLayout()
        picture_column.setSpacing(8)
        picture_column.addWidget(self.picture)
        picture_column.addWidget(self.choose)
        picture_column.addWidget(picture_hint)
        picture_column.addWidget(self.picture_note)
        picture_column.addWidget(self.errors["image"])
        picture_column.addStretch()
        picture_box = QWidget(objectName="itemPictureColumn")
        picture_box.setLayout(picture_column)
        picture_column.setContentsMargins(0, 0, 0, 0)
        picture_box.setFixedWidth(self.picture.width())

        top = QHBoxLayout()
        top.setSpacing(28)
        top.addWidget(picture_box)
        top.addLayout(basics, 1)
        top.addLayout(rules, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(self.tr("Create item") if self.item is None else self.tr("Save"),
                                         QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("itemSave")
        hold_back(self.ctx, "catalog", self.ok)
        self.ok.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        order = [self.sku, self.name, self.category, self.kind, self.price, self.cash, self.face_value,
                 self.validity, self.description, self.unlimited, self.per_order, self.daily, self.member_limit,
                 self.min_tier, self.from_on, self.starts, self.until_on, self.ends, self.active, self.choose,
                 self.ok]
        for first, second in zip(order, order[1:]):
            self.setTabOrder(first, second)

    def _fill(self, item: ItemView | None) -> None:
        now = datetime.now(zone(self.ctx.actor.store_tz)).replace(minute=0, second=0, microsecond=0)
        self.starts.setDateTime(_qt_time(now + timedelta(hours=1)))
        self.ends.setDateTime(_qt_time(now + timedelta(days=30, hours=1)))
        if item is None:
            self.active.setChecked(True)
            self.sku.setFocus()
            return
        self.stock_hint.hide()
        self.sku.setText(item.sku)
        self.name.setText(item.name)
        self.category.setCurrentText(item.category)
        self.kind.setCurrentIndex(max(0, self.kind.findData(item.kind)))
        self.price.setText(str(item.price_points))
        self.cash.setText(_yuan(item.cash_fen) if item.cash_fen else "")
        self.face_value.setText(_yuan(item.face_value_fen) if item.face_value_fen else "")
        self.validity.setText(str(item.validity_days) if item.validity_days else "")
        self.description.setPlainText(item.description)
        self.unlimited.setChecked(item.unlimited)
        for edit, value in ((self.per_order, item.per_order_limit), (self.daily, item.daily_limit),
                            (self.member_limit, item.member_limit)):
            edit.setText(str(value) if value else "")
        self.min_tier.setCurrentIndex(max(0, self.min_tier.findData(item.min_tier_rank)))
        tz = self.ctx.actor.store_tz
        for check, edit, value in ((self.from_on, self.starts, item.available_from),
                                   (self.until_on, self.ends, item.available_until)):
            check.setChecked(value is not None)
            if value is not None:
                edit.setDateTime(_qt_time(value.astimezone(zone(tz))))
        self.active.setChecked(item.active)
        self.name.setFocus()

    def _connect(self) -> None:
        for field, edit in (("sku", self.sku), ("name", self.name), ("price", self.price), ("cash", self.cash),
                            ("face_value", self.face_value), ("validity_days", self.validity),
                            ("per order", self.per_order), ("daily", self.daily),
                            ("per member", self.member_limit)):
            edit.textEdited.connect(lambda _text, f=field: self._edited(f))
        self.category.currentTextChanged.connect(lambda _text: self._edited("category"))
        self.kind.currentIndexChanged.connect(lambda _i: (self._kind_changed(), self._edited("kind")))
        self.min_tier.currentIndexChanged.connect(lambda _i: self._edited("min_tier_rank"))
        for check in (self.from_on, self.until_on):
            check.toggled.connect(lambda _on: (self._window_toggled(), self._edited("available_until")))
        for edit in (self.starts, self.ends):
            edit.dateTimeChanged.connect(lambda _value: self._edited("available_until"))
        self.picture.file_dropped.connect(self.load_image_file)
        self.choose.clicked.connect(self.choose_image)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def _kind_changed(self) -> None:
        coupon = self.kind.currentData() == ItemKind.COUPON.value
        for widget in self._coupon_rows:
            if widget is not None:
                widget.setVisible(coupon)
        if not coupon:
            self.errors["face_value"].hide()
            self.errors["validity_days"].hide()

    def _window_toggled(self) -> None:
        self.starts.setEnabled(self.from_on.isChecked())
        self.ends.setEnabled(self.until_on.isChecked())

    # -- checking as the operator types ------------------------------------------------------

    def _edited(self, field: str) -> None:
        self._touched.add(field)
        self._server_errors.pop(field, None)
        self.general.hide()
        self.validate()

    def _read(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The form as ItemDraft values, and what could not even be read as a number."""
        problems: dict[str, str] = {}

        def whole(field: str, edit: QLineEdit, empty: int | None) -> int | None:
            try:
                value = parse_whole(edit.text())
            except NotANumber:
                problems[field] = self.tr("Type a whole number, like 5.")
                return next(iter(STAND_INS[field].values()))
            return empty if value is None else value

        def fen(field: str, edit: QLineEdit, empty: int | None) -> int | None:
            try:
                value = parse_fen(edit.text())
            except NotANumber:
                problems[field] = self.tr("Type an amount in yuan, like 50 or 9.90.")
                return next(iter(STAND_INS[field].values()))
            return empty if value is None else value

        tz = zone(self.ctx.actor.store_tz)
        values: dict[str, Any] = {
            "sku": self.sku.text(), "name": self.name.text(), "category": self.category.currentText(),
            "kind": self.kind.currentData(), "description": self.description.toPlainText(),
            "price_points": whole("price", self.price, 0), "cash_fen": fen("cash", self.cash, 0),
            "face_value_fen": fen("face_value", self.face_value, None),
            "validity_days": whole("validity_days", self.validity, None),
            "unlimited": self.unlimited.isChecked(),
            "per_order_limit": whole("per order", self.per_order, None),
            "daily_limit": whole("daily", self.daily, None),
            "member_limit": whole("per member", self.member_limit, None),
            "min_tier_rank": self.min_tier.currentData() or 0,
            "available_from": _utc(self.starts.dateTime(), tz) if self.from_on.isChecked() else None,
            "available_until": _utc(self.ends.dateTime(), tz) if self.until_on.isChecked() else None,
            "active": self.active.isChecked(),
        }
        if values["kind"] != ItemKind.COUPON.value:
            problems.pop("face_value", None)
            problems.pop("validity_days", None)
        return values, problems

    def draft(self) -> ItemDraft:
        return ItemDraft(**self._read()[0])

    def field_errors(self) -> dict[str, str]:
        """What is wrong with each field now, in the core's words (empty when all is well)."""
        values, problems = self._read()
        draft = ItemDraft(**values)
        for _ in range(len(STAND_INS) + 1):
            try:
                catalog.validate_draft(draft)
                break
            except ValidationError as exc:
                problems.setdefault(exc.field, error_text(exc))
                if exc.field not in STAND_INS:
                    break
                draft = replace(draft, **STAND_INS[exc.field])
        problems.update(self._server_errors)
        return problems

    def _field_widgets(self) -> dict[str, QWidget]:
        return {"sku": self.sku, "name": self.name, "category": self.category, "kind": self.kind,
                "price": self.price, "cash": self.cash, "face_value": self.face_value,
                "validity_days": self.validity, "available_until": self.ends, "min_tier_rank": self.min_tier,
                "per order": self.per_order, "daily": self.daily, "per member": self.member_limit}

    def validate(self) -> bool:
        problems = self.field_errors()
        widgets = self._field_widgets()
        for field, label in self.errors.items():
            if field == "image":
                continue
            text = problems.get(field, "") if field in self._touched or field in self._server_errors else ""
            label.setText(text)
            label.setVisible(bool(text))  # a coupon's fields have no problems when the item is no coupon
            widget = widgets[field]
            if widget.property("invalid") != bool(text):
                widget.setProperty("invalid", bool(text))
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        unknown = {f: t for f, t in problems.items() if f not in FIELDS}
        if unknown:
            self.general.setText(next(iter(unknown.values())))
            self.general.show()
        self._grow_to_fit()
        return not problems

    def _grow_to_fit(self) -> None:
        """Taller when refusals appear under fields: a dialog does not grow for wrapped labels by itself."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    # -- the picture --------------------------------------------------------------------------

    def choose_image(self) -> QFileDialog:
        chooser = QFileDialog(self, self.tr("Choose a picture"))
        chooser.setObjectName("itemImageChooser")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilters([self.tr("Pictures ({patterns})").format(patterns=IMAGE_FILTER),
                                self.tr("All files (*)")])
        chooser.fileSelected.connect(self.load_image_file)
        chooser.open()
        return chooser

    @asyncSlot(str)
    async def load_image_file(self, path: str) -> None:
        """Check a picked or dropped file; show it, or the core's refusal, and change nothing then."""
        if self._picking:
            return
        self._picking = True
        self.choose.setEnabled(False)
        self.ok.setEnabled(False)
        self.errors["image"].hide()
        try:
            picked = await catalog_ops.pick_image_file(self.ctx, path)
        except Exception as exc:  # a refusal, or an unreadable file: shown, never swallowed
            if shiboken6.isValid(self):
                self._picked_done()
                self._image_refused(self.tr("The file could not be read: {detail}").format(
                    detail=exc.strerror or str(exc)) if isinstance(exc, OSError) else error_text(exc))
            return
        if not shiboken6.isValid(self):
            return  # the editor was closed meanwhile
        self._picked_done()
        self.picked = picked
        self.picture.set_image(picked.prepared.data)
        self.picture_note.setText(self.tr("New picture, {w} × {h}: saved with the item.").format(
            w=picked.prepared.width, h=picked.prepared.height))
        self.picture_note.show()

    def _picked_done(self) -> None:
        self._picking = False
        self.choose.setEnabled(True)
        self.ok.setEnabled(True)

    def _image_refused(self, text: str) -> None:
        self.errors["image"].setText(text)
        self.errors["image"].show()

    @asyncSlot()
    async def _load_current_image(self, image_id: uuid.UUID, sha: str) -> None:
        try:
            found = await catalog_ops.thumbnails(self.ctx, {image_id: sha}, "detail")
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._image_refused(error_text(exc))
            return
        if shiboken6.isValid(self) and self.picked is None and sha in found:
            self.picture.set_image(found[sha])

    # -- saving ------------------------------------------------------------------------------------

    @asyncSlot()
    async def submit(self) -> None:
        if self._picking:
            return
        self._touched.update(FIELDS)
        if not self.validate():
            self._focus_first_problem()
            return
        self.ok.setEnabled(False)
        self.general.hide()
        try:
            view = await catalog_ops.save_item(self.ctx, self.draft(), None if self.item is None else self.item.id,
                                               None if self.picked is None else self.picked.raw)
        except Exception as exc:  # a refusal next to its field, anything else below the form; never swallowed
            if shiboken6.isValid(self):
                self.ok.setEnabled(True)
                if isinstance(exc, DomainError):
                    self._show_refusal(exc)
                else:
                    self.general.setText(error_text(exc))
                    self.general.show()
            return
        if not shiboken6.isValid(self):
            return  # closed meanwhile; the save is announced by catalog_changed all the same
        self.ok.setEnabled(True)
        self.saved.emit(view)
        self.accept()

    def _show_refusal(self, exc: DomainError) -> None:
        field = ""
        if isinstance(exc, ValidationError) and exc.field in FIELDS:
            field = exc.field
        elif isinstance(exc, Conflict) and "sku" in exc.params:
            field = "sku"
        if field == "image":
            self._image_refused(error_text(exc))
        elif field:
            self._server_errors[field] = error_text(exc)
            self.validate()
            self._field_widgets()[field].setFocus()
        else:
            self.general.setText(error_text(exc))
            self.general.show()

    def _focus_first_problem(self) -> None:
        problems = self.field_errors()
        for field, widget in self._field_widgets().items():
            if field in problems and widget.isVisible():
                widget.setFocus()
                return


def _beside(check: QCheckBox, edit: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(8)
    row.addWidget(check)
    row.addWidget(edit, 1)
    return box


def _qt_time(value: datetime) -> QDateTime:
    """A wall-clock time in the store's zone, for a QDateTimeEdit (which has no zone of its own)."""
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def _utc(value: QDateTime, tz: Any) -> datetime:
    day, time = value.date(), value.time()
    local = datetime(day.year(), day.month(), day.day(), time.hour(), time.minute(), tzinfo=tz)
    return local.astimezone(timezone.utc)


def _yuan(fen: int) -> str:
    """What an operator would type for an amount: "50", "9.90" (digits only, no float)."""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}" if cents else str(whole)


def open_item_editor(ctx: AppContext, item: ItemView | None, categories: list[str], ladder: list[TierView],
                     parent: QWidget | None = None) -> ItemEditorDialog:
    """Open the editor window-modal; listen to ``saved`` for the result."""
    dialog = ItemEditorDialog(ctx, item, categories, ladder, parent)
    dialog.open()
    return dialog
