"""``pointsmall check --chain``: a replica against the chain's database.

A replica's own ledger holds only what the store recorded, so the
single-database check (balance = sum of entries) does not apply to it.
Instead every mirrored figure must equal the chain's, corrected by what the
store has recorded and the chain has not confirmed yet: a member's balance
is the chain's plus the pending entries, a lot's remaining the chain's less
the pending draws, an item's stock the chain's plus pending stock entries.
Both sides are read in id order and merged, so a million members never sit
in memory at once. The chain itself is checked with ``check.run_check``.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..db import Database
from ..models import CatalogItem, Member, PointLot, SyncPeer, SyncPending, SyncState
from .errors import NotAReplica
from .outbox import pending_counts


@dataclass
class ReplicaCheck:
    store_id: str = ""
    members: int = 0
    lots: int = 0
    items: int = 0
    pending_events: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_replica(replica: Database, chain: Database, *, max_listed: int = 50) -> ReplicaCheck:
    report = ReplicaCheck()
    with replica.read() as local, chain.read() as remote:
        state = local.get(SyncState, 1)
        if state is None:
            raise NotAReplica()
        report.store_id = state.store_id
        report.pending_events, report.unsealed = pending_counts(local)
        applied = remote.scalar(select(SyncPeer.applied_seq).where(SyncPeer.replica_id == state.replica_id)) or 0
        if applied < state.acked_seq:
            report.problems.append(f"the store counts {state.acked_seq} events confirmed, head office applied "
                                   f"only {applied}")
        points, stock = _pending(local)
        drawn = _pending_draws(local)
        member_cols = (Member.id, Member.balance, Member.phone, Member.status, Member.tier_id)
        report.members = _merge(
            local, remote, select(*member_cols).order_by(Member.id), "member", report, max_listed,
            lambda mine, theirs: None if mine[1:] == (theirs[1] + points.get(theirs[0], 0), *theirs[2:]) else
            f"balance/phone/status/tier {mine[1:]} here, {theirs[1:]} at head office "
            f"(+{points.get(theirs[0], 0)} pending)")
        report.lots = _merge(
            local, remote, select(PointLot.id, PointLot.remaining, PointLot.expires_on).order_by(PointLot.id),
            "lot", report, max_listed,
            lambda mine, theirs: None if mine[1:] == (theirs[1] - drawn.get(theirs[0], 0), theirs[2]) else
            f"remaining/expiry {mine[1:]} here, {theirs[1:]} at head office (-{drawn.get(theirs[0], 0)} pending)",
            local_only_ok=_pending_lots(local))
        report.items = _merge(
            local, remote, select(CatalogItem.id, CatalogItem.stock, CatalogItem.active, CatalogItem.price_points)
            .order_by(CatalogItem.id), "item", report, max_listed,
            lambda mine, theirs: None if mine[1:] == (theirs[1] + stock.get(theirs[0], 0), *theirs[2:]) else
            f"stock/active/price {mine[1:]} here, {theirs[1:]} at head office (+{stock.get(theirs[0], 0)} pending)")
    return report


def _pending(session: Any) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    sums: dict[str, dict[uuid.UUID, int]] = {"points": defaultdict(int), "stock": defaultdict(int)}
    for kind, key, amount in session.execute(select(SyncPending.kind, SyncPending.key_id,
                                                    func.sum(SyncPending.amount))
                                             .group_by(SyncPending.kind, SyncPending.key_id)):
        sums[kind][uuid.UUID(key)] += int(amount)
    return sums["points"], sums["stock"]


def _pending_draws(session: Any) -> dict[uuid.UUID, int]:
    rows = session.connection().exec_driver_sql(
        "SELECT d.lot_id, sum(d.points) FROM lot_draws d JOIN sync_pending p ON p.row_id = d.entry_id "
        "GROUP BY d.lot_id")
    return {uuid.UUID(lot_id): int(points) for lot_id, points in rows}


def _pending_lots(session: Any) -> set[uuid.UUID]:
    """Lots opened by entries the chain has not confirmed: only here, rightly."""
    rows = session.connection().exec_driver_sql(
        "SELECT l.id FROM point_lots l JOIN sync_pending p ON p.row_id = l.entry_id")
    return {uuid.UUID(lot_id) for (lot_id,) in rows}


def _stream(session: Any, query: Any) -> Iterator[tuple[Any, ...]]:
    for row in session.execute(query.execution_options(yield_per=20_000)):
        yield tuple(row)


def _merge(local: Any, remote: Any, query: Any, what: str, report: ReplicaCheck, limit: int, compare: Any,
           local_only_ok: set[uuid.UUID] | None = None) -> int:
    mine, theirs = _stream(local, query), _stream(remote, query)
    a, b = next(mine, None), next(theirs, None)
    count = 0
    listed = 0

    def problem(text: str) -> None:
        nonlocal listed
        if listed < limit:
            report.problems.append(text)
        listed += 1

    while a is not None or b is not None:
        if b is None or (a is not None and a[0].hex < b[0].hex):
            if not (local_only_ok and a[0] in local_only_ok):  # type: ignore[index]
                problem(f"{what} {a[0]}: here, not at head office")  # type: ignore[index]
            a = next(mine, None)
        elif a is None or b[0].hex < a[0].hex:
            problem(f"{what} {b[0]}: at head office, missing here")
            b = next(theirs, None)
        else:
            difference = compare(a, b)
            if difference:
                problem(f"{what} {a[0]}: {difference}")
            count += 1
            a, b = next(mine, None), next(theirs, None)
    if listed > limit:
        report.problems.append(f"... and {listed - limit} more {what} problem(s)")
    return count
