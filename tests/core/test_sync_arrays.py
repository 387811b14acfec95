"""The array literals the chain's batch statements are given (``codec.array_text``) read back exactly."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from pointsmall.db import Database
from pointsmall.sync.codec import array_text

pytestmark = pytest.mark.postgres

AWKWARD = ['say "hi"', "back\\slash", "a,b", "{braces}", "NULL", "", "  spaced  ", "会员：张三", None]


@pytest.mark.parametrize(("kind", "values"), [
    ("text", AWKWARD),
    ("uuid", [uuid.uuid4(), uuid.UUID(int=0), None]),
    ("int", [0, -7, 2_147_483_647, None]),
    ("boolean", [True, False, None]),
    ("date", [date(2026, 2, 28), None]),
    ("timestamptz", [datetime(2026, 11, 24, 5, 6, 7, 891011, tzinfo=timezone.utc), None]),
])
def test_each_value_comes_back_as_it_went(pg_db: Database, kind: str, values: list[object]) -> None:
    with pg_db.read() as session:
        back = session.execute(text(f"SELECT CAST(:a AS {kind}[])"), {"a": array_text(values)}).scalar_one()
    assert back == values
