"""Rows to canonical JSON and back, and an event's digest.

An event's payload is ``{"rows": [[table, {column: value}], ...]}`` with the
rows in the order the store inserted them, as the replica's SQLite stores
them: UUIDs as 32 hex digits, instants as UTC text, days as ISO dates,
booleans as 0 or 1 (``decode_row`` also reads ISO instants with an offset,
which ``encode_row`` writes for rows the chain keeps aside); the JSON is canonical
(sorted keys, no spaces), so the same rows always give the same bytes and
the same sha256 digest, which is how the chain tells a repeat from a
different event wearing the same id.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

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


def canonical(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value  # SQLite keeps naive UTC


# Batches repeat the same staff, stores, members and days: parse each text once.
_uuid = lru_cache(maxsize=1 << 16)(uuid.UUID)
_day = lru_cache(maxsize=4096)(date.fromisoformat)


def _decoder(column_type: object):  # type: ignore[no-untyped-def]
    if isinstance(column_type, Uuid):
        return lambda v: None if v is None else _uuid(v)
    if isinstance(column_type, UTCDateTime):
        return lambda v: None if v is None else _instant(v)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else _day(v)
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else bool(v)
    return lambda v: v


_DECODERS: dict[str, dict[str, Any]] = {}


def decode_row(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """The Python values of a row as the chain's tables take them; unknown columns are refused."""
    decoders = _DECODERS.get(table_name)
    if decoders is None:
        decoders = {c.name: _decoder(c.type) for c in table(table_name).columns}
        _DECODERS[table_name] = decoders
    unknown = set(row) - set(decoders)
    if unknown:
        raise ValueError(f"{table_name} has no column(s) {sorted(unknown)}")
    return {key: decoders[key](value) for key, value in row.items()}
