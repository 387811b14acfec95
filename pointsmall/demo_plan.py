"""What a demo load is made of: the plan all chunks share, chunks, the calendar.

A load is cut into chunks of members that can be simulated independently,
in worker processes, and still come out the same for a seed however the
load is cut: each member has its own random stream, seeded from the seed
and the member's number, and what must be unique (phones, cards) or ordered
(join times, member ids) across members is derived from the number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache

from .campaigns import CampaignView
from .clock import add_months, zone
from .rules import Rules
from .tiers import TierView

COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("id", "card_code", "phone", "phone_last4", "name", "birthday", "joined_on", "home_store_id",
                "status", "consent", "tier_id", "manual_tier_id", "manual_tier_reason", "manual_tier_until",
                "balance", "last_entry_seq", "needs_review", "review_reason", "created_at", "updated_at"),
    "member_search_terms": ("term", "member_id"),
    "purchases": ("id", "store_id", "receipt_no", "member_id", "amount_fen", "points", "staff_id", "occurred_at",
                  "business_day"),
    "point_entries": ("id", "member_id", "seq", "kind", "points", "balance_after", "reason_category", "note",
                      "reference", "purchase_id", "staff_id", "approved_by", "store_id", "occurred_at",
                      "business_day", "idem_key"),
    "point_lots": ("id", "entry_id", "member_id", "points", "remaining", "expires_on"),
    "lot_draws": ("entry_id", "lot_id", "points"),
    "refunds": ("id", "purchase_id", "member_id", "store_id", "refund_no", "amount_fen", "points_reversed",
                "staff_id", "occurred_at"),
    "tier_changes": ("id", "member_id", "kind", "from_tier_id", "to_tier_id", "reason", "staff_id", "store_id",
                     "occurred_at"),
    "tier_evaluations": ("period", "ran_at", "downgraded", "upgraded", "manual_ended"),
}
"""Tables in the order they are loaded (parents before children)."""

HISTORY_MONTHS = 26
DAY_US = 86_400_000_000
EPOCH = date(1970, 1, 1).toordinal()
CHUNK_SIZE = 20_000
JOINED_BEFORE = 0.35  # share of members who joined before the simulated history starts
YEARS_BEFORE = 3  # ... spread over this many years before it


@dataclass(frozen=True)
class Plan:
    """Everything a chunk needs; picklable, so worker processes can take it."""

    seed: int
    now_us: int
    today: date  # the store's business day now
    tz: str
    store_id: str
    staff: dict[str, str]  # cashier, manager, system, admin -> id hex
    tiers: tuple[TierView, ...]  # by rank
    rules: Rules
    campaigns: tuple[CampaignView, ...]
    id_ms: int  # the load's start, the millisecond field of load-order ids
    members: int  # in the whole load
    chunk_size: int = CHUNK_SIZE

    def chunks(self) -> list["Chunk"]:
        return [Chunk(i, first, min(self.chunk_size, self.members - first))
                for i, first in enumerate(range(0, self.members, self.chunk_size))]


@dataclass(frozen=True)
class Chunk:
    index: int
    first: int  # number of its first member (0-based) in the load
    count: int


@dataclass
class ChunkRows:
    """A chunk's rows by table, and what the report needs to know about them."""

    index: int
    rows: dict[str, list[tuple]]
    tiers: dict[int, int] = field(default_factory=dict)  # tier id -> members
    expiring: int = 0  # members with points that expire within a month
    counts: dict[str, int] = field(default_factory=dict)  # rows by table, once ``rows`` went to a file
    path: str | None = None  # the staging file holding the rows, for large SQLite loads
    downgrades: dict[str, int] = field(default_factory=dict)  # evaluation period -> members downgraded


class Calendar:
    """Local days, UTC instants (microseconds) and their text forms, cached."""

    def __init__(self, tz: str) -> None:
        self.zone = zone(tz)
        self._offsets: dict[int, int] = {}
        self._days: dict[int, str] = {}
        self._dates: dict[int, str] = {}
        self._hms = _clock_faces()

    def offset(self, ordinal: int) -> int:
        found = self._offsets.get(ordinal)
        if found is None:
            noon = datetime.combine(date.fromordinal(ordinal), time(12), self.zone)
            offset = noon.utcoffset()
            assert offset is not None
            found = self._offsets[ordinal] = int(offset.total_seconds()) * 1_000_000
        return found

    def instant(self, ordinal: int, local_us: int) -> int:
        """UTC microseconds of ``local_us`` after local midnight on day ``ordinal``."""
        return (ordinal - EPOCH) * DAY_US + local_us - self.offset(ordinal)

    def local_day(self, us: int) -> int:
        ordinal = us // DAY_US + EPOCH
        return (us + self.offset(ordinal)) // DAY_US + EPOCH

    def text(self, us: int) -> str:
        day, rem = divmod(us, DAY_US)
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = date.fromordinal(day + EPOCH).isoformat() + " "
        secs, frac = divmod(rem, 1_000_000)
        return f"{found}{self._hms[secs]}.{frac:06d}"

    def date_text(self, ordinal: int) -> str:
        found = self._dates.get(ordinal)
        if found is None:
            found = self._dates[ordinal] = date.fromordinal(ordinal).isoformat()
        return found


@lru_cache(maxsize=1)
def _clock_faces() -> list[str]:
    """"HH:MM:SS" for every second of a day."""
    return [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def to_us(instant: datetime) -> int:
    delta = instant.astimezone(timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def history_start(today: date) -> date:
    return add_months(today, -HISTORY_MONTHS)


@dataclass(frozen=True)
class Checkpoint:
    """The first of a month: the expiry job at 02:00, the tier evaluation at 03:00."""

    ordinal: int
    expire_us: int
    evaluate_us: int | None  # None for the current month: its evaluation is still to run
    period: str
    note: str


def checkpoints(plan: Plan, cal: Calendar) -> list[Checkpoint]:
    found = []
    month = add_months(history_start(plan.today).replace(day=1), 1)
    this_month = plan.today.replace(day=1)
    while month <= this_month:
        ordinal = month.toordinal()
        expire_us = cal.instant(ordinal, 2 * 3600 * 1_000_000)
        evaluate_us = cal.instant(ordinal, 3 * 3600 * 1_000_000) if month < this_month else None
        if expire_us < plan.now_us:
            found.append(Checkpoint(ordinal, expire_us, evaluate_us, month.strftime("%Y-%m"),
                                    f"expired before {month.isoformat()}"))
        month = add_months(month, 1)
    return found




def join_instant(plan: Plan, cal: Calendar, number: int, u: float) -> int:
    """When member ``number`` joined (UTC microseconds), given a uniform ``u`` in [0, 1).

    Stratified: member ``k`` of ``n`` joins at the ``(k + u) / n`` quantile of
    the join distribution, counted in opening hours (09:00-21:00), so join
    times grow with the member's number whatever the chunking, and so do
    member ids, which carry the join time.
    """
    first_day = history_start(plan.today).toordinal()
    before = first_day - 365 * YEARS_BEFORE
    last_day = plan.today.toordinal() - 1
    q = (number + u) / plan.members
    if q < JOINED_BEFORE:
        days = q / JOINED_BEFORE * (first_day - before)
        start = before
    else:
        days = (q - JOINED_BEFORE) / (1 - JOINED_BEFORE) * (last_day - first_day + 1)
        start = first_day
    day = min(start + int(days), last_day)
    return cal.instant(day, 32_400_000_000 + int((days % 1) * 43_200_000_000))
