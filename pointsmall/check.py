"""Reconciliation: rebuild the projections from the facts and compare.

``pointsmall check`` runs this. Every figure is computed with grouped SQL
over the whole database, so it scales to millions of entries, and every
problem is reported, not only the first.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from . import audit
from .db import Database
from .models import (
    CatalogItem,
    LotDraw,
    Member,
    PointEntry,
    PointLot,
    Redemption,
    RedemptionCancellation,
    StockEntry,
)


@dataclass
class CheckReport:
    members: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def run_check(db: Database, *, max_listed: int = 50) -> CheckReport:
    report = CheckReport()
    with db.read() as session:
        report.members = session.scalar(select(func.count()).select_from(Member)) or 0
        report.entries = session.scalar(select(func.count()).select_from(PointEntry)) or 0
        _balances(session, report, max_listed)
        _lots(session, report, max_listed)
        _negatives(session, report, max_listed)
        _stock(session, report, max_listed)
        report.problems += audit.verify_chain(session)
    return report


def _balances(session: Session, report: CheckReport, limit: int) -> None:
    sums = select(PointEntry.member_id, func.sum(PointEntry.points).label("total")) \
        .group_by(PointEntry.member_id).subquery()
    rows = session.execute(
        select(Member.id, Member.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(Member.balance != func.coalesce(sums.c.total, 0)).limit(limit)
    ).all()
    for member_id, balance, total in rows:
        report.problems.append(f"member {member_id}: balance {balance} but the ledger sums to {total}")
    rows = session.execute(
        select(Member.id, Member.balance, PointEntry.balance_after)
        .join(PointEntry, (PointEntry.member_id == Member.id) & (PointEntry.seq == Member.last_entry_seq))
        .where(PointEntry.balance_after != Member.balance).limit(limit)
    ).all()
    for member_id, balance, after in rows:
        report.problems.append(f"member {member_id}: balance {balance} but the last entry says {after}")
    counts = select(PointEntry.member_id, func.count().label("n"), func.max(PointEntry.seq).label("top")) \
        .group_by(PointEntry.member_id).subquery()
    rows = session.execute(
        select(Member.id, Member.last_entry_seq, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.member_id == Member.id)
        .where((func.coalesce(counts.c.n, 0) != Member.last_entry_seq)
               | (func.coalesce(counts.c.top, 0) != Member.last_entry_seq)).limit(limit)
    ).all()
    for member_id, seq, n in rows:
        report.problems.append(f"member {member_id}: {n} entries but the sequence is at {seq}")


def _lots(session: Session, report: CheckReport, limit: int) -> None:
    drawn = select(LotDraw.lot_id, func.sum(LotDraw.points).label("drawn")).group_by(LotDraw.lot_id).subquery()
    rows = session.execute(
        select(PointLot.id, PointLot.points, PointLot.remaining, func.coalesce(drawn.c.drawn, 0))
        .outerjoin(drawn, drawn.c.lot_id == PointLot.id)
        .where((PointLot.points - func.coalesce(drawn.c.drawn, 0) != PointLot.remaining) | (PointLot.remaining < 0))
        .limit(limit)
    ).all()
    for lot_id, points, remaining, total in rows:
        report.problems.append(f"lot {lot_id}: {points} awarded, {total} drawn, but {remaining} remaining")
    open_ = select(PointLot.member_id, func.sum(PointLot.remaining).label("open")) \
        .group_by(PointLot.member_id).subquery()
    expected = func.coalesce(open_.c.open, 0)
    rows = session.execute(
        select(Member.id, Member.balance, expected).outerjoin(open_, open_.c.member_id == Member.id)
        .where(expected != func.max(Member.balance, 0) if session.bind.dialect.name == "sqlite"
               else expected != func.greatest(Member.balance, 0)).limit(limit)
    ).all()
    for member_id, balance, total in rows:
        report.problems.append(f"member {member_id}: balance {balance} but open lots hold {total}")
    # An entry's draws never exceed what it took.
    rows = session.execute(
        select(PointEntry.id, PointEntry.points, func.sum(LotDraw.points))
        .join(LotDraw, LotDraw.entry_id == PointEntry.id).where(PointEntry.points < 0)
        .group_by(PointEntry.id, PointEntry.points).having(func.sum(LotDraw.points) > -PointEntry.points).limit(limit)
    ).all()
    for entry_id, points, total in rows:
        report.problems.append(f"entry {entry_id}: took {points} but drew {total} from lots")


def _negatives(session: Session, report: CheckReport, limit: int) -> None:
    rows = session.execute(
        select(Member.id, Member.balance).where(Member.balance < 0, Member.needs_review.is_(False)).limit(limit)
    ).all()
    for member_id, balance in rows:
        report.problems.append(f"member {member_id}: balance {balance} is below zero and not flagged for review")


def _stock(session: Session, report: CheckReport, limit: int) -> None:
    """Stock on hand equals its entries; redemptions and cancellations each moved it once."""
    sums = select(StockEntry.item_id, func.sum(StockEntry.quantity).label("total"), func.count().label("n")) \
        .group_by(StockEntry.item_id).subquery()
    rows = session.execute(
        select(CatalogItem.sku, CatalogItem.stock, func.coalesce(sums.c.total, 0), CatalogItem.last_stock_seq,
               func.coalesce(sums.c.n, 0))
        .outerjoin(sums, sums.c.item_id == CatalogItem.id)
        .where((CatalogItem.stock != func.coalesce(sums.c.total, 0)) | (CatalogItem.stock < 0)
               | (CatalogItem.last_stock_seq != func.coalesce(sums.c.n, 0))).limit(limit)
    ).all()
    for sku, stock, total, seq, n in rows:
        report.problems.append(f"item {sku}: stock {stock} but its {n} entries (seq {seq}) sum to {total}")
    # A redemption took its quantity from stock or, on an unlimited item,
    # nothing; its cancellation gave back exactly what it took. (Whether the
    # item is unlimited now says nothing about when it was redeemed.)
    moves = {kind: select(StockEntry.redemption_id, func.sum(StockEntry.quantity).label("q"))
             .where(StockEntry.kind == kind).group_by(StockEntry.redemption_id).subquery()
             for kind in ("redemption", "cancellation")}
    taken, returned = moves["redemption"], moves["cancellation"]
    rows = session.execute(
        select(Redemption.id, Redemption.quantity, taken.c.q, returned.c.q,
               RedemptionCancellation.redemption_id.is_not(None))
        .outerjoin(taken, taken.c.redemption_id == Redemption.id)
        .outerjoin(returned, returned.c.redemption_id == Redemption.id)
        .outerjoin(RedemptionCancellation, RedemptionCancellation.redemption_id == Redemption.id)
        .where((func.coalesce(taken.c.q, -Redemption.quantity) != -Redemption.quantity)
               | (func.coalesce(returned.c.q, 0) != -func.coalesce(taken.c.q, 0)
                  * case((RedemptionCancellation.redemption_id.is_(None), 0), else_=1)))
        .limit(limit)
    ).all()
    for redemption_id, quantity, took, gave, cancelled in rows:
        report.problems.append(f"redemption {redemption_id} of {quantity}: took {-(took or 0)} from stock, "
                               f"{'cancelled and ' if cancelled else ''}gave back {gave or 0}")
    # Redemption and cancellation entries always name their redemption.
    rows = session.execute(
        select(StockEntry.id, StockEntry.kind).outerjoin(Redemption, Redemption.id == StockEntry.redemption_id)
        .where(StockEntry.kind.in_(("redemption", "cancellation")), Redemption.id.is_(None)).limit(limit)
    ).all()
    for entry_id, kind in rows:
        report.problems.append(f"stock entry {entry_id}: a {kind} without its redemption")
