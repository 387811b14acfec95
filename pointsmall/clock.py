"""Time: UTC instants for records, business days in the store's timezone."""
from __future__ import annotations

import calendar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationError


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Unknown timezone: {name}", field="timezone", name=name) from None


def business_day(instant: datetime, tz_name: str) -> date:
    """The calendar day at the store when ``instant`` happened."""
    if instant.tzinfo is None:
        raise ValueError("business_day needs an aware datetime")
    return instant.astimezone(zone(tz_name)).date()


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (Jan 31 + 1 = Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
