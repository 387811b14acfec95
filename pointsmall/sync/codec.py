"""Rows to canonical JSON and back, and an event's digest.

An event's payload is ``{"rows": [[table, {column: value}], ...]}`` with the
rows in the order the store inserted them, as the replica's SQLite stores
them: UUIDs as 32 hex digits, instants as UTC text, days as ISO dates,
booleans as 0 or 1 (``decode_row`` also reads ISO instants with an offset,
which ``encode_row`` writes for rows the chain keeps aside); the JSON is canonical
(sorted keys, no spaces), so the same rows always give the same bytes and
the same sha256 digest, which is how the chain tells a repeat from a
different event wearing the same id. ``array_text`` writes the arrays the
chain's batch statements take as one PostgreSQL array literal.
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Boolean, Date, Table, Uuid

from ..models import Base, UTCDateTime


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row.items()}


def canonical_bytes(payload: Any) -> bytes:
    """Canonical JSON as UTF-8: sorted keys, no spaces, non-ASCII kept as it is."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def canonical(payload: Any) -> str:
    return canonical_bytes(payload).decode("utf-8")


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def parse(payload: str | bytes) -> Any:
    return orjson.loads(payload)


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value  # SQLite keeps naive UTC


# Batches repeat the same staff, stores, members and days: parse each text once.
_uuid = lru_cache(maxsize=1 << 16)(uuid.UUID)
_day = lru_cache(maxsize=4096)(date.fromisoformat)


def _decoder(column_type: object):  # type: ignore[no-untyped-def]
    """How a column's wire value becomes the chain's Python value; None for columns taken as they come."""
    if isinstance(column_type, Uuid):
        return _uuid
    if isinstance(column_type, UTCDateTime):
        return _instant
    if isinstance(column_type, Date):
        return _day
    if isinstance(column_type, Boolean):
        return bool
    return None


# Per table: its column names, and the (column, parser) pairs of the columns that need parsing.
_DECODERS: dict[str, tuple[frozenset[str], tuple[tuple[str, Any], ...]]] = {}


def _decoders(table_name: str) -> tuple[frozenset[str], tuple[tuple[str, Any], ...]]:
    found = _DECODERS.get(table_name)
    if found is None:
        columns = table(table_name).columns
        typed = tuple((c.name, parse) for c in columns if (parse := _decoder(c.type)) is not None)
        found = _DECODERS[table_name] = (frozenset(c.name for c in columns), typed)
    return found


def decode_row(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """The Python values of a row as the chain's tables take them; unknown columns are refused.

    Only the UUID, instant, day and boolean columns are parsed; numbers and
    text arrive as JSON gives them.
    """
    names, typed = _decoders(table_name)
    if not row.keys() <= names:
        raise ValueError(f"{table_name} has no column(s) {sorted(set(row) - names)}")
    out = dict(row)
    for name, parse in typed:
        value = out.get(name)
        if value is not None:
            out[name] = parse(value)
    return out


def array_text(values: list[Any]) -> str:
    """A PostgreSQL array literal, cast to its type in the statement.

    Thousands of UUIDs, numbers and instants per batch: written as one text
    here costs a tenth of what adapting each element as a Python object does.
    """
    return "{" + ",".join("NULL" if v is None else _quoted(v) for v in values) + "}"


def _quoted(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
