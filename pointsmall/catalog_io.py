"""Bulk import and export of the catalog: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX.

Rows are keyed by the item code (SKU): a new code creates an item, a known
one updates it. Headers may be English or Chinese (``price_points`` or
``积分``); a column left out of the file keeps each item's current value,
an empty cell in a column that is there means none (or the default).
Money is written in yuan ("12.50") and becomes fen exactly, through
Decimal, never float. Stock is exported for reading but never imported:
stock changes are entries with a reason.

A dry run reports every row (its number as the spreadsheet shows it, the
code, and create, update, unchanged or the error in ``validate_draft``'s
words) and writes nothing. A real run applies every row in one transaction,
or, if any row has an error, none.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import tiers
from .catalog import ItemDraft, ItemKind, draft_of, validate_draft, write_item
from .clock import utc_now
from .db import Database
from .errors import Conflict, ValidationError
from .models import CatalogItem
from .staff import Actor, Permission, require

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000

# Column key -> accepted headers (compared without case, spaces, "_" or "-").
COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "code", "编码", "商品编码", "货号"),
    "name": ("name", "名称", "商品名称"),
    "category": ("category", "分类", "类别"),
    "kind": ("kind", "type", "类型"),
    "price_points": ("price_points", "points", "积分", "所需积分"),
    "cash": ("cash", "cash_yuan", "现金", "现金(元)"),
    "face_value": ("face_value", "face_value_yuan", "面值", "面值(元)"),
    "validity_days": ("validity_days", "有效天数", "有效期(天)"),
    "unlimited": ("unlimited", "不限量"),
    "per_order_limit": ("per_order_limit", "每单限兑"),
    "daily_limit": ("daily_limit", "每日限兑", "每人每日限兑"),
    "member_limit": ("member_limit", "每人限兑", "每人总限兑"),
    "min_tier": ("min_tier", "最低等级"),
    "active": ("active", "上架"),
    "description": ("description", "描述", "说明"),
}
READ_ONLY = {"stock": ("stock", "库存")}  # exported for reading, ignored on import
EXPORT_ORDER = list(COLUMNS) + ["stock"]
KINDS = {"goods": "goods", "coupon": "coupon", "service": "service", "实物": "goods", "商品": "goods",
         "优惠券": "coupon", "券": "coupon", "服务": "service"}
TRUE = {"1", "true", "yes", "y", "是", "√", "✓"}
FALSE = {"0", "false", "no", "n", "否", "×", ""}


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class RowReport:
    row: int  # as the spreadsheet numbers it: the header is row 1
    sku: str
    action: str
    error: str | None = None
    field: str | None = None
    # The refusal before it was filled in, for a client that shows it in another language.
    error_template: str | None = None
    error_params: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class ImportReport:
    rows: tuple[RowReport, ...]
    applied: bool

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> list[RowReport]:
        return [r for r in self.rows if r.action == Action.ERROR]


class ImportRefused(ValidationError):
    """A real run with rows in error: nothing was imported. ``report`` has every row."""

    template = "{count} row(s) have errors; nothing was imported."

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(self.template, field="file", count=len(report.errors))


# -- reading files ------------------------------------------------------------------

def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads GBK and GB2312 files too
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("The file is neither UTF-8 nor GBK/GB18030 text.", field="file")


# A spreadsheet takes a cell starting with one of these for a formula (CSV injection): text
# exported from the catalog is written so it stays text (see ``export_catalog``).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = frozenset(("sku", "name", "category", "description"))


def _unguard(cell: str) -> str:
    """A CSV cell as typed: the apostrophe the export put before a formula-like text is dropped."""
    if cell[:1] == "'" and cell[1:2] and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    return [[_unguard(c.strip()) for c in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only when a spreadsheet is read

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationError("The file is not a readable .xlsx workbook.", field="file") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def read_rows(file_name: str, data: bytes) -> tuple[list[str | None], list[tuple[int, list[str]]]]:
    """The column keys of the header (None for a read-only column) and the data rows with their numbers."""
    if not data:
        raise ValidationError("The file is empty.", field="file")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError("The file is larger than {mb} MB.", field="file", mb=MAX_FILE_BYTES // 2**20)
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(data)
    else:
        raise ValidationError("Import a .csv or .xlsx file.", field="file")
    numbered = [(i + 1, row) for i, row in enumerate(rows) if any(c.strip() for c in row)]
    if not numbered:
        raise ValidationError("The file is empty.", field="file")
    (_, header), body = numbered[0], numbered[1:]
    if len(body) > MAX_ROWS:
        raise ValidationError("Import at most {n} rows at a time.", field="file", n=MAX_ROWS)
    return _header_keys(header), body


def _plain(header: str) -> str:
    return re.sub(r"[\s_\-]", "", header.lstrip("\ufeff")).lower().replace("（", "(").replace("）", ")")


_ALIASES = {_plain(alias): key for key, aliases in {**COLUMNS, **READ_ONLY}.items() for alias in aliases}


def _header_keys(header: list[str]) -> list[str | None]:
    keys: list[str | None] = []
    unknown = []
    for cell in header:
        key = _ALIASES.get(_plain(cell))
        if key is None and cell.strip():
            unknown.append(cell.strip())
        keys.append(None if key in READ_ONLY else key)
    if unknown:
        raise ValidationError("Unknown column(s): {names}.", field="file", names=", ".join(unknown))
    present = [k for k in keys if k]
    if "sku" not in present:
        raise ValidationError("The file needs an item code column (sku or 编码).", field="file")
    twice = sorted({k for k in present if present.count(k) > 1})
    if twice:
        raise ValidationError("Column(s) given twice: {names}.", field="file", names=", ".join(twice))
    return keys


# -- cells to item fields -----------------------------------------------------------

def yuan_to_fen(text: str, what: str) -> int:
    """"12.5", "¥1,234.50", "0" -> fen, exactly; more than two decimals is an error, never rounded."""
    cleaned = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise ValidationError("The {what} must be an amount in yuan, such as 12.50.", field=what, what=what)
    fen = Decimal(cleaned) * 100
    if fen != fen.to_integral_value():
        raise ValidationError("The {what} must be an amount in yuan, such as 12.50.", field=what, what=what)
    return int(fen)


def _whole(text: str, what: str) -> int:
    cleaned = text.replace(",", "").strip()
    if re.fullmatch(r"[+-]?\d+(\.0+)?", cleaned):
        return int(Decimal(cleaned))
    raise ValidationError("The {what} must be a whole number.", field=what, what=what)


def _flag(text: str, what: str) -> bool:
    lowered = text.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValidationError("The {what} column takes yes or no (1/0, 是/否).", field=what, what=what)


def _tier_rank(text: str, ladder: list[tiers.TierView]) -> int:
    wanted = text.strip().lower()
    if not wanted:
        return 0
    for tier in ladder:
        if wanted in (tier.code.lower(), tier.name_en.lower(), tier.name_zh, tier.name_zh.removesuffix("会员")):
            return tier.rank
    raise ValidationError("Unknown tier {tier}; use a tier code such as gold.", field="min_tier", tier=text.strip())


def _apply(draft: ItemDraft, key: str, text: str, ladder: list[tiers.TierView]) -> ItemDraft:
    optional = text.strip() == ""
    match key:
        case "sku" | "name" | "category" | "description":
            return replace(draft, **{key: text})
        case "kind":
            return replace(draft, kind=KINDS.get(text.strip().lower(), text.strip() or ItemKind.GOODS.value))
        case "price_points":
            return replace(draft, price_points=0 if optional else _whole(text, "price"))
        case "cash":
            return replace(draft, cash_fen=0 if optional else yuan_to_fen(text, "cash"))
        case "face_value":
            return replace(draft, face_value_fen=None if optional else yuan_to_fen(text, "face value"))
        case "validity_days":
            return replace(draft, validity_days=None if optional else _whole(text, "validity"))
        case "per_order_limit" | "daily_limit" | "member_limit":
            label = {"per_order_limit": "per order", "daily_limit": "daily", "member_limit": "per member"}[key]
            return replace(draft, **{key: None if optional else _whole(text, label)})
        case "unlimited":
            return replace(draft, unlimited=_flag(text, "unlimited"))
        case "active":
            return replace(draft, active=True if optional else _flag(text, "active"))
        case "min_tier":
            return replace(draft, min_tier_rank=_tier_rank(text, ladder))
    raise AssertionError(key)


@dataclass
class _Planned:
    report: RowReport
    draft: ItemDraft | None = None
    item: CatalogItem | None = None


def _plan(session: Session, keys: list[str | None], body: list[tuple[int, list[str]]]) -> list[_Planned]:
    ladder = tiers.list_tiers(session)
    sku_col = keys.index("sku")
    wanted = {validate_sku(row[sku_col]) for _, row in body if sku_col < len(row)} - {""}
    existing = {i.sku: i for i in session.scalars(select(CatalogItem).where(CatalogItem.sku.in_(wanted)))} \
        if wanted else {}
    seen: dict[str, int] = {}
    planned = []
    for number, row in body:
        cells = {k: (row[i] if i < len(row) else "") for i, k in enumerate(keys) if k}
        sku = validate_sku(cells["sku"])
        try:
            if sku in seen:
                raise ValidationError("The item code {sku} is also on row {row}.", field="sku", sku=sku,
                                      row=seen[sku])
            if sku:
                seen[sku] = number
            item = existing.get(sku)
            draft = draft_of(item) if item is not None else ItemDraft(sku=sku, name="", category="")
            for key, text in cells.items():
                draft = _apply(draft, key, text, ladder)
            draft = validate_draft(draft)
        except ValidationError as exc:
            planned.append(_Planned(RowReport(number, sku or cells["sku"], Action.ERROR, exc.message, exc.field,
                                              exc.template, tuple(exc.params.items()))))
            continue
        if item is None:
            action = Action.CREATE
        else:
            action = Action.UNCHANGED if draft == validate_draft(draft_of(item)) else Action.UPDATE
        planned.append(_Planned(RowReport(number, draft.sku, action), draft, item))
    return planned


def validate_sku(text: str) -> str:
    """The code as ``validate_draft`` stores it, or the text as typed when it is not a valid code."""
    try:
        return validate_draft(ItemDraft(sku=text, name="x", category="x", price_points=1)).sku
    except ValidationError:
        return text.strip()


# -- the services -------------------------------------------------------------------

def import_catalog(db: Database, actor: Actor, file_name: str, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Create or update items from a CSV or XLSX file; a dry run only reports."""
    require(actor, Permission.CATALOG_MANAGE)
    keys, body = read_rows(file_name, data)
    if dry_run:
        with db.read() as session:
            return ImportReport(tuple(p.report for p in _plan(session, keys, body)), applied=False)
    now = utc_now()
    try:
        with db.write() as session:
            from .sync.guard import refuse_on_replica  # here: the sync package imports the services
            refuse_on_replica(session, "catalog")  # head office's data: a replica's edit would be overwritten
            planned = _plan(session, keys, body)
            report = ImportReport(tuple(p.report for p in planned), applied=True)
            if report.errors:
                raise ImportRefused(replace(report, applied=False))
            for p in planned:
                if p.report.action in (Action.CREATE, Action.UPDATE):
                    assert p.draft is not None
                    write_item(session, actor, p.draft, p.item, now)
            return report
    except IntegrityError:
        # Another till saved one of these codes while the file was being applied.
        raise Conflict("The catalog changed while importing; nothing was imported. Try again.") from None


def _export_rows(session: Session) -> list[list[Any]]:
    ladder = {t.rank: t.code for t in tiers.list_tiers(session)}
    rows: list[list[Any]] = [EXPORT_ORDER]
    for item in session.scalars(select(CatalogItem).order_by(CatalogItem.sku)):
        values = {
            "sku": item.sku, "name": item.name, "category": item.category, "kind": item.kind,
            "price_points": item.price_points, "cash": _yuan(item.cash_fen), "face_value": _yuan(item.face_value_fen),
            "validity_days": item.validity_days, "unlimited": item.unlimited, "per_order_limit": item.per_order_limit,
            "daily_limit": item.daily_limit, "member_limit": item.member_limit,
            "min_tier": ladder.get(item.min_tier_rank, "") if item.min_tier_rank else "", "active": item.active,
            "description": item.description, "stock": None if item.unlimited else item.stock,
        }
        rows.append([values[k] for k in EXPORT_ORDER])
    return rows


def _yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def export_catalog(db: Database, actor: Actor, file_name: str) -> bytes:
    """Every item as a .csv (UTF-8 with a BOM, which Excel opens correctly) or .xlsx file."""
    require(actor, Permission.CATALOG_MANAGE)
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError("Export to a .csv or .xlsx file.", field="file")
    with db.read() as session:
        rows = _export_rows(session)
    header, body = rows[0], rows[1:]
    text_at = [i for i, name in enumerate(header) if name in TEXT_COLUMNS]
    if suffix == ".csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        for row in body:
            cells = ["" if v is None else int(v) if isinstance(v, bool) else v for v in row]
            for i in text_at:  # an item named "=HYPERLINK(…)" must not become a formula in Excel
                if isinstance(cells[i], str) and cells[i].startswith(FORMULA_START):
                    cells[i] = "'" + cells[i]
            writer.writerow(cells)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("catalog")
    sheet.append(header)
    for row in body:
        cells: list[Any] = list(row)
        for i in text_at:  # openpyxl writes a string starting with "=" as a formula unless told it is text
            if isinstance(cells[i], str) and cells[i]:
                cell = WriteOnlyCell(sheet, value=cells[i])
                cell.data_type = "s"
                cells[i] = cell
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

