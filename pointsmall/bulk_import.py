"""Bulk point adjustments from a spreadsheet (CSV), keyed by phone or card.

Head office sends a file: one row per member with a phone or card code, the
points to add or take, a reason category and a note. A dry run returns a
row-by-row report (who, balance before and after, or what is wrong with the
row). The real run is all or nothing, in one write transaction: when any row
is invalid nothing is written. A file is applied once: its SHA-256 is kept
in ``import_batches`` and every entry carries ``import:<hash>:<row>`` as its
idempotency key, so running the same file again reports when it was
imported and writes nothing.

Excel in China writes CSV as GBK (GB18030 is its superset), newer versions
as UTF-8 with a byte-order mark; both are read.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger
from .adjustments import MAX_ADJUSTMENT, ReasonCategory
from .clock import business_day, utc_now
from .db import Database
from .errors import DomainError, IntegrityViolation, ValidationError
from .ledger import EntryKind
from .members import is_card_code, mask_phone, normalise_phone
from .models import ImportBatch, Member
from .rules import load_rules
from .staff import Actor, Permission, require

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 decodes everything GBK and GB2312 do

# Header spellings, compared after lower-casing and removing spaces, "_" and "-".
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "mobile", "phonenumber", "mobilephone", "tel", "手机号", "手机", "手机号码", "电话",
              "电话号码", "联系电话"),
    "card": ("card", "cardcode", "cardno", "cardnumber", "membercard", "卡号", "会员卡号", "会员卡", "卡"),
    "points": ("points", "point", "积分", "调整积分", "积分调整", "积分变动", "变动积分", "分数"),
    "reason_category": ("reasoncategory", "reason", "category", "原因", "原因类别", "调整原因", "原因分类",
                        "类别"),
    "note": ("note", "notes", "remark", "remarks", "comment", "备注", "说明", "备注说明"),
}
# Reason categories as people write them in Chinese spreadsheets.
CATEGORY_ALIASES: dict[str, ReasonCategory] = {
    "补偿": ReasonCategory.GOODWILL, "客诉补偿": ReasonCategory.GOODWILL, "服务补偿": ReasonCategory.GOODWILL,
    "更正": ReasonCategory.CORRECTION, "纠错": ReasonCategory.CORRECTION, "错误更正": ReasonCategory.CORRECTION,
    "活动": ReasonCategory.PROMOTION, "促销": ReasonCategory.PROMOTION, "营销活动": ReasonCategory.PROMOTION,
    "迁移": ReasonCategory.MIGRATION, "系统迁移": ReasonCategory.MIGRATION, "积分迁移": ReasonCategory.MIGRATION,
    "其他": ReasonCategory.OTHER, "其它": ReasonCategory.OTHER,
}

# Row problems: English templates the client translates (see ui/messages.py).
NO_KEY = "Give a phone or a card code."
BAD_PHONE = "Not a mobile number: {value}."
BAD_PHONE_EXCEL = "The phone {value} was turned into a number by Excel; format the column as text."
BAD_CARD = "Not a valid card code: {value}."
UNKNOWN_PHONE = "No member has the phone {phone}."
UNKNOWN_CARD = "No member has the card {card}."
KEYS_DISAGREE = "The phone and the card belong to different members."
BAD_POINTS = "Not a whole number of points: {value}."
ZERO_POINTS = "Zero points change nothing."
TOO_MANY_POINTS = "One row changes at most {n} points."
UNKNOWN_CATEGORY = "Unknown reason category: {value}."
NO_NOTE = "Write a note saying why (at least 2 characters)."
LONG_NOTE = "The note is at most 500 characters."
NEGATIVE = "The balance {balance} is too small to take {points} points."
DUPLICATE = "Same as row {row}."
FROZEN = "This member's account is frozen; points cannot change."
ALREADY_IMPORTED = "This file was already imported on {date}; nothing was changed."

_POINTS_RE = re.compile(r"^[+-]?\d+(\.0+)?$")
_EXCEL_NUMBER_RE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


class ImportRejected(DomainError):
    """The real run found invalid rows, so nothing was written; ``report`` lists them."""

    template = "{count} row(s) have problems; nothing was imported."

    def __init__(self, report: "ImportReport") -> None:
        self.report = report
        super().__init__(count=len(report.errors))


@dataclass(frozen=True)
class RowError:
    template: str
    params: tuple[tuple[str, object], ...] = ()

    @property
    def message(self) -> str:
        return self.template.format(**dict(self.params))


@dataclass(frozen=True)
class ImportRow:
    """One spreadsheet row: the spreadsheet's row number (the header is row 1)."""

    row: int
    key: str  # what identified the member, phones masked
    member_id: uuid.UUID | None
    member_name: str | None
    phone: str | None  # masked
    points: int | None
    balance_before: int | None
    balance_after: int | None
    reason_category: str | None
    note: str
    error: RowError | None


@dataclass(frozen=True)
class ImportReport:
    file_name: str
    content_hash: str
    dry_run: bool
    rows: tuple[ImportRow, ...]
    applied: bool  # True when this call wrote the entries
    already_imported_on: datetime | None = None

    @property
    def errors(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if r.error is not None)

    @property
    def ok(self) -> bool:
        return not self.errors and self.already_imported_on is None

    @property
    def total_points(self) -> int:
        return sum(r.points or 0 for r in self.rows if r.error is None)

    @property
    def members(self) -> int:
        return len({r.member_id for r in self.rows if r.error is None})


@dataclass(frozen=True)
class _Parsed:
    row: int
    phone_raw: str
    card_raw: str
    points_raw: str
    category_raw: str
    note: str


# -- reading the file --------------------------------------------------------

def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030/GBK."""
    if data[:4] == b"PK\x03\x04":
        raise ValidationError("This is an Excel workbook, not CSV; in Excel use Save As > CSV.", field="file")
    if b"\x00" in data[:4096]:
        raise ValidationError("The file is not text; save the spreadsheet as CSV.", field="file")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("The file is neither UTF-8 nor GBK text; save it from Excel as CSV (UTF-8).",
                          field="file")


def _header_key(cell: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", cell.strip().lstrip("\ufeff")).lower()


def _columns(header: list[str]) -> dict[str, int]:
    lookup = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = lookup.get(_header_key(cell))
        if name is not None and name not in columns:
            columns[name] = index
    if "points" not in columns or not ({"phone", "card"} & columns.keys()):
        raise ValidationError("The first row must name the columns: phone or card, points, reason_category, "
                              "note (手机号/卡号, 积分, 原因, 备注).", field="file")
    return columns


def parse(data: bytes) -> list[_Parsed]:
    if len(data) > MAX_BYTES:
        raise ValidationError("The file is larger than {mb} MB; split it into smaller files.", field="file",
                              mb=MAX_BYTES // (1024 * 1024))
    text = decode(data)
    sample = text[:4096].split("\n", 1)[0]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(records, None)
    if header is None:
        raise ValidationError("The file is empty.", field="file")
    columns = _columns(header)

    def cell(record: list[str], name: str) -> str:
        index = columns.get(name)
        return record[index].strip() if index is not None and index < len(record) else ""

    parsed: list[_Parsed] = []
    for number, record in enumerate(records, start=2):
        if not any(c.strip() for c in record):
            continue
        if len(parsed) >= MAX_ROWS:
            raise ValidationError("The file has more than {n} rows; split it into smaller files.", field="file",
                                  n=MAX_ROWS)
        parsed.append(_Parsed(number, cell(record, "phone"), cell(record, "card"), cell(record, "points"),
                              cell(record, "reason_category"), cell(record, "note")))
    if not parsed:
        raise ValidationError("The file has no rows under its header.", field="file")
    return parsed


def parse_points(raw: str) -> int | None:
    text = raw.replace(",", "").replace(" ", "")
    if not _POINTS_RE.match(text):
        return None
    return int(text.split(".")[0])


def parse_category(raw: str) -> ReasonCategory | None:
    text = raw.strip()
    if text in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[text]
    try:
        return ReasonCategory(text.lower())
    except ValueError:
        return None


# -- checking the rows -------------------------------------------------------

def _err(template: str, **params: object) -> RowError:
    return RowError(template, tuple(params.items()))


def _key_of(p: _Parsed) -> tuple[str | None, str | None, RowError | None]:
    """The normalised phone and card of a row, or what is wrong with them."""
    phone = card = None
    if p.phone_raw:
        if _EXCEL_NUMBER_RE.match(p.phone_raw):
            return None, None, _err(BAD_PHONE_EXCEL, value=p.phone_raw)
        try:
            phone = normalise_phone(p.phone_raw)
        except ValidationError:
            return None, None, _err(BAD_PHONE, value=p.phone_raw)
    if p.card_raw:
        card = re.sub(r"[\s\-]", "", p.card_raw)
        if not is_card_code(card):
            return None, None, _err(BAD_CARD, value=p.card_raw)
    if phone is None and card is None:
        return None, None, _err(NO_KEY)
    return phone, card, None


def _load_members(session: Session, phones: set[str], cards: set[str], lock: bool) -> tuple[dict, dict]:
    by_phone: dict[str, Member] = {}
    by_card: dict[str, Member] = {}
    lookups = ((sorted(phones), Member.phone, by_phone), (sorted(cards), Member.card_code, by_card))
    for values, column, target in lookups:
        for start in range(0, len(values), 500):
            query = select(Member).where(column.in_(values[start:start + 500]))
            if lock:
                query = query.order_by(Member.id).with_for_update()
            for m in session.scalars(query):
                target[m.phone if column is Member.phone else m.card_code] = m
    return by_phone, by_card


def check_rows(session: Session, parsed: list[_Parsed], *, lock: bool = False) -> list[ImportRow]:
    """Validate every row against the members as they are now, in file order."""
    keys = [_key_of(p) for p in parsed]
    phones = {k[0] for k in keys if k[0]}
    cards = {k[1] for k in keys if k[1]}
    by_phone, by_card = _load_members(session, phones, cards, lock)
    balances: dict[uuid.UUID, int] = {}
    seen: dict[tuple[object, ...], int] = {}
    rows: list[ImportRow] = []
    for p, (phone, card, error) in zip(parsed, keys):
        shown = mask_phone(phone) if phone else (card or p.phone_raw or p.card_raw)
        member = None
        if error is None:
            m_phone = by_phone.get(phone) if phone else None
            m_card = by_card.get(card) if card else None
            if phone and m_phone is None:
                error = _err(UNKNOWN_PHONE, phone=mask_phone(phone))
            elif card and m_card is None:
                error = _err(UNKNOWN_CARD, card=card)
            elif m_phone is not None and m_card is not None and m_phone.id != m_card.id:
                error = _err(KEYS_DISAGREE)
            else:
                member = m_phone or m_card
        points = parse_points(p.points_raw)
        category = parse_category(p.category_raw)
        note = p.note.strip()
        if error is None:
            if points is None:
                error = _err(BAD_POINTS, value=p.points_raw)
            elif points == 0:
                error = _err(ZERO_POINTS)
            elif abs(points) > MAX_ADJUSTMENT:
                error = _err(TOO_MANY_POINTS, n=MAX_ADJUSTMENT)
            elif category is None:
                error = _err(UNKNOWN_CATEGORY, value=p.category_raw)
            elif len(note) < 2:
                error = _err(NO_NOTE)
            elif len(note) > 500:
                error = _err(LONG_NOTE)
        before = after = None
        if member is not None:
            before = balances.get(member.id, member.balance)
        if error is None and member is not None and points is not None and category is not None:
            signature = (member.id, points, category.value, note)
            if signature in seen:
                error = _err(DUPLICATE, row=seen[signature])
            elif member.status != "active":
                error = _err(FROZEN)
            elif points < 0 and (before or 0) + points < 0:
                error = _err(NEGATIVE, balance=before, points=-points)
            else:
                seen[signature] = p.row
                after = (before or 0) + points
                balances[member.id] = after
        rows.append(ImportRow(
            p.row, shown, member.id if member else None, member.name if member else None,
            mask_phone(member.phone) if member else None, points, before, after if error is None else None,
            category.value if category else None, note, error,
        ))
    return rows


# -- the service -------------------------------------------------------------

def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _already(session: Session, digest: str) -> datetime | None:
    batch = session.get(ImportBatch, digest)
    return batch.applied_at if batch is not None else None


def import_adjustments(db: Database, actor: Actor, data: bytes, file_name: str, *,
                       dry_run: bool = False) -> ImportReport:
    """Check (``dry_run``) or apply a bulk adjustment file; see the module docstring."""
    require(actor, Permission.POINTS_BULK_IMPORT)
    digest = content_hash(data)
    file_name = (file_name or "import.csv")[-255:]
    parsed = parse(data)
    if dry_run:
        with db.read() as session:
            done = _already(session, digest)
            rows = check_rows(session, parsed)
        return ImportReport(file_name, digest, True, tuple(rows), False, done)
    try:
        return _apply(db, actor, parsed, digest, file_name)
    except IntegrityError:
        # The same file was applied at the same moment by someone else.
        with db.read() as session:
            done = _already(session, digest)
        if done is None:
            raise
        return ImportReport(file_name, digest, False, (), False, done)


def _apply(db: Database, actor: Actor, parsed: list[_Parsed], digest: str, file_name: str) -> ImportReport:
    now = utc_now()
    with db.write() as session:
        done = _already(session, digest)
        if done is not None:
            return ImportReport(file_name, digest, False, (), False, done)
        rows = check_rows(session, parsed, lock=True)
        report = ImportReport(file_name, digest, False, tuple(rows), True)
        if report.errors:
            raise ImportRejected(ImportReport(file_name, digest, False, tuple(rows), False))
        rules = load_rules(session)
        expires: date = ledger.lot_expiry(business_day(now, actor.store_tz), rules.expiry_months)
        session.add(ImportBatch(content_hash=digest, file_name=file_name, rows=len(rows),
                                staff_id=actor.staff_id, store_id=actor.store_id, applied_at=now))
        session.flush()
        members = {m.id: m for m in session.scalars(
            select(Member).where(Member.id.in_(sorted({r.member_id for r in rows if r.member_id}))))}
        for r in rows:
            assert r.member_id is not None and r.points is not None
            member = members[r.member_id]
            if member.balance != r.balance_before:
                raise IntegrityViolation(f"import row {r.row}: the balance moved while the file was applied")
            ledger.post(session, member, actor, kind=EntryKind.IMPORT, points=r.points, now=now,
                        expires_on=expires if r.points > 0 else None, reason_category=r.reason_category,
                        note=r.note, reference=f"import:{digest[:16]}:{r.row}", idem_key=f"import:{digest}:{r.row}")
        audit.record(session, actor, "points.import", "import_batch", digest, None,
                     {"file": file_name, "rows": len(rows), "members": report.members,
                      "points": report.total_points}, now)
        return report
