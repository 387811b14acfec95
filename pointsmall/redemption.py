"""Redeeming catalog items for points, and cancelling a redemption.

A redemption is one transaction. With the member row locked, it checks the
member, the item's window, tier, limits and stock and the balance, debits
the points through the lots (soonest-expiring first), takes the stock by a
conditional UPDATE of the item row (which locks it: member first, then item,
the same order everywhere, so two transactions never deadlock), and records
the redemption and its voucher. Two cashiers taking the last item or the
same points at once: one waits for the other's lock and then sees the new
stock and balance, so exactly one succeeds.

Every refusal says why in words a member understands.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, cast, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, ledger, reviews, tiers
from .catalog import ItemKind, ItemView, StockKind, item_view, move_stock
from .clock import business_day, utc_now, zone
from .db import Database
from .errors import Conflict, DomainError, IntegrityViolation, NotFound, ValidationError, not_active
from .ids import new_id
from .ledger import EntryKind
from .models import (
    CatalogItem,
    LotDraw,
    Member,
    PointLot,
    Redemption,
    RedemptionCancellation,
    StockEntry,
    Voucher,
    VoucherWriteOff,
)
from .rules import load_rules
from .staff import Actor, Permission, require
from .vouchers import display_code, new_code


MAX_REASON = 200  # redemption_cancellations.reason
MAX_REQUEST_ID = 64  # redemptions.request_id


class Refusal(DomainError):
    """Why a member cannot take an item, in the member's words."""


@dataclass(frozen=True)
class Eligibility:
    item: ItemView
    allowed: bool
    refusal: Refusal | None


@dataclass(frozen=True)
class RedemptionResult:
    redemption_id: uuid.UUID
    voucher_code: str
    voucher_display: str
    voucher_expires_on: date | None
    item_name: str
    item_kind: str
    quantity: int
    points: int
    cash_fen: int
    balance: int
    stock_left: int | None  # None for unlimited items
    member_name: str
    occurred_at: datetime
    repeated: bool


@dataclass(frozen=True)
class CancelResult:
    redemption_id: uuid.UUID
    points_returned: int
    balance: int
    stock_left: int | None


@dataclass(frozen=True)
class RedemptionView:
    id: uuid.UUID
    member_id: uuid.UUID
    member_name: str
    item_name: str
    quantity: int
    points: int
    cash_fen: int
    voucher_code: str
    occurred_at: datetime
    store_id: str
    cancelled: bool
    written_off: bool


def _taken(session: Session, member_id: uuid.UUID, item_ids: list[uuid.UUID] | None,
           day: date | None) -> dict[uuid.UUID, int]:
    """Pieces a member redeemed and did not cancel, per item (on ``day`` when given).

    ``item_ids`` None means every item: for the mall grid's thousands of items that is far
    cheaper than naming them all (a member has few redemptions, found by the member index).
    """
    query = (select(Redemption.item_id, func.sum(Redemption.quantity))
             .outerjoin(RedemptionCancellation, RedemptionCancellation.redemption_id == Redemption.id)
             .where(Redemption.member_id == member_id, RedemptionCancellation.redemption_id.is_(None))
             .group_by(Redemption.item_id))
    if item_ids is not None:
        query = query.where(Redemption.item_id.in_(item_ids))
    if day is not None:
        query = query.where(Redemption.business_day == day)
    return defaultdict(int, {item: int(n) for item, n in session.execute(query).all()})


def _refusal(member: Member, item: ItemView, quantity: int, tier_rank: int, ladder: list[tiers.TierView],
             today_taken: int, total_taken: int, now: datetime, tz_name: str) -> Refusal | None:
    if member.status != "active":
        return Refusal(not_active(member.status).template)
    if not item.active:
        return Refusal("This item is no longer offered.")
    # Days as the store's calendar has them; the window's end is exclusive, so
    # the last day shown is the day of its last instant.
    if item.available_from and now < item.available_from:
        return Refusal("This item can be redeemed from {day}.",
                       day=item.available_from.astimezone(zone(tz_name)).date().isoformat())
    if item.available_until and now >= item.available_until:
        last = item.available_until - timedelta(microseconds=1)
        return Refusal("This item could be redeemed until {day}.", day=last.astimezone(zone(tz_name)).date().isoformat())
    if tier_rank < item.min_tier_rank:
        needed = next((t for t in ladder if t.rank == item.min_tier_rank), ladder[-1])
        # Both names travel with the refusal; each language's template picks its own.
        return Refusal("Only {tier_en} members and above can redeem this.", tier=needed.name_zh,
                       tier_en=needed.name_en)
    if item.per_order_limit and quantity > item.per_order_limit:
        return Refusal("At most {n} per redemption.", n=item.per_order_limit)
    if item.daily_limit and today_taken + quantity > item.daily_limit:
        return Refusal("Each member can redeem at most {n} a day.", n=item.daily_limit)
    if item.member_limit and total_taken + quantity > item.member_limit:
        return Refusal("Each member can redeem at most {n} in total.", n=item.member_limit)
    if not item.unlimited and item.stock < quantity:
        return Refusal("Out of stock.") if item.stock == 0 else Refusal("Only {n} left.", n=item.stock)
    cost = item.price_points * quantity
    if member.balance < cost:
        return Refusal("Not enough points: {short} more are needed.", short=cost - member.balance)
    return None


def eligibility(db: Database, actor: Actor, member_id: uuid.UUID, items: list[ItemView]) -> list[Eligibility]:
    """For the mall grid: which items this member can take now, and why not."""
    require(actor, Permission.MEMBER_VIEW)
    now = utc_now()
    day = business_day(now, actor.store_tz)
    with db.read() as session:
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound("No such member.")
        ladder = tiers.list_tiers(session)
        rank = tiers.effective_tier(member, ladder, day).rank
        ids = [i.id for i in items] if len(items) <= 100 else None  # many: all of the member's instead
        today, total = _taken(session, member.id, ids, day), _taken(session, member.id, ids, None)
        refusals = [_refusal(member, item, 1, rank, ladder, today[item.id], total[item.id], now, actor.store_tz)
                    for item in items]
    return [Eligibility(item, refusal is None, refusal) for item, refusal in zip(items, refusals)]


def quantity_limit(db: Database, actor: Actor, member_id: uuid.UUID, item_id: uuid.UUID) -> int:
    """The most pieces of an item this member could redeem at once now (0 when none), for a quantity picker.

    Every quantity from 1 to the answer passes the same checks ``redeem``
    makes; ``redeem`` still checks again in its own transaction.
    """
    require(actor, Permission.MEMBER_VIEW)
    now = utc_now()
    day = business_day(now, actor.store_tz)
    with db.read() as session:
        member = session.get(Member, member_id)
        item = session.get(CatalogItem, item_id)
        if member is None:
            raise NotFound("No such member.")
        if item is None:
            raise NotFound("No such catalog item.")
        ladder = tiers.list_tiers(session)
        rank = tiers.effective_tier(member, ladder, day).rank
        today = _taken(session, member.id, [item.id], day)[item.id]
        total = _taken(session, member.id, [item.id], None)[item.id]
        view = item_view(item)
        if _refusal(member, view, 1, rank, ladder, today, total, now, actor.store_tz) is not None:
            return 0
        caps = [999, member.balance // item.price_points]
        if item.per_order_limit:
            caps.append(item.per_order_limit)
        if item.daily_limit:
            caps.append(item.daily_limit - today)
        if item.member_limit:
            caps.append(item.member_limit - total)
        if not item.unlimited:
            caps.append(item.stock)
        return max(0, min(caps))


# The statements of a redemption, built once. The item is read with what the member already took
# of it (one statement); stock moves by a conditional UPDATE that takes the item's row lock and
# never lets stock go below zero (``catalog.move_stock``'s rule), and RETURNING gives the new stock
# and stock-entry number; the facts are plain INSERTs. Run through ``session.execute``, so session
# hooks see every row written.
_ITEMS, _REDEMPTIONS, _CANCELLED = CatalogItem.__table__, Redemption.__table__, RedemptionCancellation.__table__
_NOT_CANCELLED = (_REDEMPTIONS.outerjoin(_CANCELLED, _CANCELLED.c.redemption_id == _REDEMPTIONS.c.id))


def _taken_query(*extra):  # type: ignore[no-untyped-def]
    return (select(func.coalesce(func.sum(_REDEMPTIONS.c.quantity), 0)).select_from(_NOT_CANCELLED)
            .where(_REDEMPTIONS.c.member_id == bindparam("member"), _REDEMPTIONS.c.item_id == bindparam("item"),
                   _CANCELLED.c.redemption_id.is_(None), *extra).scalar_subquery())


_ITEM_VIEW_COLUMNS = tuple(_ITEMS.c[name] for name in (
    "id", "sku", "name", "description", "category", "kind", "price_points", "cash_fen", "face_value_fen",
    "validity_days", "unlimited", "stock", "per_order_limit", "daily_limit", "member_limit", "min_tier_rank",
    "available_from", "available_until", "active", "image_id"))
_ITEM_AND_TAKEN = select(*_ITEM_VIEW_COLUMNS,
                         _taken_query(_REDEMPTIONS.c.business_day == bindparam("day")).label("taken_today"),
                         _taken_query().label("taken_total")) \
    .where(_ITEMS.c.id == bindparam("item"))
_TAKE_STOCK = update(_ITEMS).where(_ITEMS.c.id == bindparam("item"), _ITEMS.c.stock >= bindparam("quantity")) \
    .values(stock=_ITEMS.c.stock - bindparam("quantity"), last_stock_seq=_ITEMS.c.last_stock_seq + 1) \
    .returning(_ITEMS.c.stock, _ITEMS.c.last_stock_seq)
_STOCK_NOW = select(_ITEMS.c.stock).where(_ITEMS.c.id == bindparam("item"))
# Without RETURNING (SQLite before 3.35): the same conditional UPDATE, then the row it changed,
# read back under the write lock the UPDATE holds.
_TAKE_STOCK_ONLY = update(_ITEMS).where(_ITEMS.c.id == bindparam("item"), _ITEMS.c.stock >= bindparam("quantity")) \
    .values(stock=_ITEMS.c.stock - bindparam("quantity"), last_stock_seq=_ITEMS.c.last_stock_seq + 1)
_STOCK_AND_SEQ = select(_ITEMS.c.stock, _ITEMS.c.last_stock_seq).where(_ITEMS.c.id == bindparam("item"))
_STOCK_ENTRIES, _VOUCHERS = StockEntry.__table__, Voucher.__table__
_INSERT_REDEMPTION = insert(_REDEMPTIONS)
_INSERT_STOCK_ENTRY = insert(_STOCK_ENTRIES)
_INSERT_VOUCHER = insert(_VOUCHERS)


def _params(table, *names: str, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Bind parameters typed as ``table``'s columns of those names, cast in the SQL too: a NULL in the
    select list of an INSERT ... SELECT would otherwise be taken for text."""
    return [cast(bindparam(prefix + name, type_=table.c[name].type), table.c[name].type) for name in names]


# On PostgreSQL, where every statement is a round trip, pairs of writes are one statement each:
# the redemption and its voucher (inserted from the new redemption's row; the foreign key is
# checked at the end of the statement), and the stock's conditional UPDATE and its entry (the
# entry is inserted from the updated row, so exactly when the stock was taken).
_REDEMPTION_COLUMNS = ("id", "member_id", "item_id", "quantity", "points", "cash_fen", "entry_id", "request_id",
                       "staff_id", "store_id", "occurred_at", "business_day")
_NEW_REDEMPTION = insert(_REDEMPTIONS).values(dict(zip(_REDEMPTION_COLUMNS, _params(
    _REDEMPTIONS, *_REDEMPTION_COLUMNS, prefix="r_")))).returning(_REDEMPTIONS.c.id).cte("new_redemption")
_REDEMPTION_AND_VOUCHER = insert(_VOUCHERS).from_select(
    ["code", "redemption_id", "kind", "face_value_fen", "expires_on", "issued_at"],
    select(*_params(_VOUCHERS, "code"), _NEW_REDEMPTION.c.id,
           *_params(_VOUCHERS, "kind", "face_value_fen", "expires_on", "issued_at")).select_from(_NEW_REDEMPTION))
_TAKEN = _TAKE_STOCK.cte("taken")
_TAKE_AND_RECORD_STOCK = insert(_STOCK_ENTRIES).from_select(
    ["id", "item_id", "seq", "kind", "quantity", "stock_after", "reason", "redemption_id", "staff_id", "store_id",
     "occurred_at"],
    select(*_params(_STOCK_ENTRIES, "id", "item_id", prefix="entry_"), _TAKEN.c.last_stock_seq,
           *_params(_STOCK_ENTRIES, "kind", "quantity", prefix="entry_"), _TAKEN.c.stock,
           *_params(_STOCK_ENTRIES, "reason", "redemption_id", "staff_id", "store_id", "occurred_at",
                    prefix="entry_")).select_from(_TAKEN)).returning(_STOCK_ENTRIES.c.stock_after)
_BY_REQUEST = select(Redemption).where(Redemption.request_id == bindparam("request"))


def redeem(db: Database, actor: Actor, *, member_id: uuid.UUID, item_id: uuid.UUID, quantity: int = 1,
           request_id: str | None = None) -> RedemptionResult:
    require(actor, Permission.REDEEM)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 999:
        raise ValidationError("Redeem 1 to 999 pieces at a time.", field="quantity")
    if request_id is not None and not 1 <= len(request_id) <= MAX_REQUEST_ID:
        raise ValidationError("A request id has 1 to {n} characters.", field="request_id", n=MAX_REQUEST_ID)
    try:
        return _redeem(db, actor, member_id, item_id, quantity, request_id)
    except IntegrityError:
        # The voucher code was drawn at random without asking whether it is taken (one statement
        # fewer: a clash is about one in 10^16), or the same request id came from two tills at
        # once. Nothing was written; the second attempt draws a new code, or finds the request.
        return _redeem(db, actor, member_id, item_id, quantity, request_id)


def _redeem(db: Database, actor: Actor, member_id: uuid.UUID, item_id: uuid.UUID, quantity: int,
            request_id: str | None) -> RedemptionResult:
    now = utc_now()
    day = business_day(now, actor.store_tz)
    with db.write() as session:
        member = ledger.lock_member(session, member_id)
        if request_id is not None:
            # Looked up under the member's lock: a retry racing the first
            # attempt waits for it and then finds it (on PostgreSQL each
            # statement sees what committed before it).
            done = session.execute(_BY_REQUEST, {"request": request_id}).scalar_one_or_none()
            if done is not None:
                if done.member_id != member_id or done.item_id != item_id or done.quantity != quantity:
                    raise Conflict("This redemption request was already used for another item.")
                return _result(session, done, repeated=True)
        reviews.refuse_if_blocked(session, member.id)  # flagged earnings under review (one indexed read)
        row = session.execute(_ITEM_AND_TAKEN, {"item": item_id, "member": member.id, "day": day}).first()
        if row is None:
            raise NotFound("No such catalog item.")
        item = ItemView(*row[:len(_ITEM_VIEW_COLUMNS)], None)
        # The tier ladder is read only for an item that asks for a minimum tier (few do).
        ladder = tiers.list_tiers(session) if item.min_tier_rank else []
        rank = tiers.effective_tier(member, ladder, day).rank if ladder else 0
        refusal = _refusal(member, item, quantity, rank, ladder, int(row.taken_today), int(row.taken_total), now,
                           actor.store_tz)
        if refusal is not None:
            raise refusal
        points = item.price_points * quantity
        redemption_id = new_id()
        entry = ledger.post(session, member, actor, kind=EntryKind.REDEEM, points=-points, now=now,
                            reference=item.sku, note=f"{item.name} × {quantity}", day=day)
        one_statement = session.connection().dialect.name == "postgresql"
        coupon = item.kind == ItemKind.COUPON.value and item.validity_days
        expires = day + timedelta(days=item.validity_days - 1) if coupon else None  # type: ignore[operator]
        code = new_code()
        fact = {"id": redemption_id, "member_id": member.id, "item_id": item.id, "quantity": quantity,
                "points": points, "cash_fen": item.cash_fen * quantity, "entry_id": entry.id,
                "request_id": request_id, "staff_id": actor.staff_id, "store_id": actor.store_id,
                "occurred_at": now, "business_day": day}
        voucher = {"code": code, "redemption_id": redemption_id, "kind": item.kind,
                   "face_value_fen": item.face_value_fen, "expires_on": expires, "issued_at": now}
        if one_statement:
            session.execute(_REDEMPTION_AND_VOUCHER, voucher | {f"r_{k}": v for k, v in fact.items()})
        else:
            session.execute(_INSERT_REDEMPTION, fact)
            session.execute(_INSERT_VOUCHER, voucher)
        # The stock last of the item's facts: its row lock is then held only for the stock entry,
        # the audit record and the commit, so tills selling the same item queue for less time.
        stock_left = None if item.unlimited else _take_stock(session, actor, item, quantity, redemption_id, now,
                                                             one_statement)
        # Last: the actor's audit head stays locked until the commit.
        audit.record(session, actor, "mall.redeem", "member", member.id, {"balance": member.balance + points},
                     {"balance": member.balance, "item": item.sku, "quantity": quantity, "points": points,
                      "voucher": code}, now)
        return RedemptionResult(redemption_id, code, display_code(code), expires, item.name, item.kind, quantity,
                                points, item.cash_fen * quantity, member.balance, stock_left, member.name, now,
                                False)


def _take_stock(session: Session, actor: Actor, item: ItemView, quantity: int, redemption_id: uuid.UUID,
                now: datetime, one_statement: bool) -> int:
    """Take ``quantity`` from a limited item and append its stock entry; return the stock left.

    The UPDATE is the check: it changes the row only while enough is on hand, after any other
    till's redemption of the item has committed (it waits for that row lock on PostgreSQL), so
    two tills taking the last piece cannot both succeed.
    """
    entry = {"id": new_id(), "item_id": item.id, "kind": StockKind.REDEMPTION.value, "quantity": -quantity,
             "reason": "", "redemption_id": redemption_id, "staff_id": actor.staff_id, "store_id": actor.store_id,
             "occurred_at": now}
    if one_statement:
        stock = session.execute(_TAKE_AND_RECORD_STOCK, {"item": item.id, "quantity": quantity} | {
            f"entry_{k}": v for k, v in entry.items()}).scalar()
    else:
        params = {"item": item.id, "quantity": quantity}
        if session.connection().dialect.update_returning:
            taken = session.execute(_TAKE_STOCK, params).first()
        elif session.execute(_TAKE_STOCK_ONLY, params).rowcount == 1:
            taken = session.execute(_STOCK_AND_SEQ, {"item": item.id}).first()
        else:
            taken = None
        stock = None
        if taken is not None:
            stock, seq = taken
            session.execute(_INSERT_STOCK_ENTRY, entry | {"seq": seq, "stock_after": stock})
    if stock is None:
        now_on_hand = int(session.execute(_STOCK_NOW, {"item": item.id}).scalar_one())
        raise Refusal("Out of stock.") if now_on_hand == 0 else Refusal("Only {n} left.", n=now_on_hand)
    return int(stock)


def _result(session: Session, r: Redemption, voucher: Voucher | None = None, *, repeated: bool) -> RedemptionResult:
    item = session.get(CatalogItem, r.item_id)
    member = session.get(Member, r.member_id)
    if voucher is None:
        voucher = session.scalars(select(Voucher).where(Voucher.redemption_id == r.id)).one()
    assert item is not None and member is not None
    return RedemptionResult(r.id, voucher.code, display_code(voucher.code), voucher.expires_on, item.name, item.kind,
                            r.quantity, r.points, r.cash_fen, member.balance, None if item.unlimited else item.stock,
                            member.name, r.occurred_at, repeated)


def cancel(db: Database, actor: Actor, redemption_id: uuid.UUID, reason: str) -> CancelResult:
    """Give the points back (with the expiry they had) and the stock, exactly once."""
    require(actor, Permission.REDEMPTION_CANCEL)
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError("Give a reason for the cancellation.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError("A reason has at most {n} characters.", field="reason", n=MAX_REASON)
    now = utc_now()
    with db.write() as session:
        found = session.get(Redemption, redemption_id)
        if found is None:
            raise NotFound("No such redemption.")
        member = ledger.lock_member(session, found.member_id)
        item = session.get(CatalogItem, found.item_id, with_for_update=True, populate_existing=True)
        assert item is not None
        if session.get(RedemptionCancellation, redemption_id) is not None:
            raise Conflict("This redemption was already cancelled.")
        # The voucher row is locked by a write-off too: a cancellation and a
        # write-off of the same voucher at two tills cannot both succeed.
        voucher = session.scalars(select(Voucher).where(Voucher.redemption_id == redemption_id)
                                  .with_for_update()).one()
        if session.get(VoucherWriteOff, voucher.code) is not None:
            raise Conflict("The voucher of this redemption was already used; it cannot be cancelled.")
        rules = load_rules(session)
        if now - found.occurred_at > timedelta(days=rules.cancel_days):
            raise ValidationError("Redemptions can only be cancelled within {days} days.", field="redemption",
                                  days=rules.cancel_days)
        drawn = session.execute(
            select(LotDraw.points, PointLot.expires_on).join(PointLot, PointLot.id == LotDraw.lot_id)
            .where(LotDraw.entry_id == found.entry_id)
        ).all()
        lots = [(int(points), expires) for points, expires in drawn]
        if sum(p for p, _ in lots) != found.points:
            raise IntegrityViolation(f"redemption {redemption_id} drew {sum(p for p, _ in lots)} of {found.points}")
        entry = ledger.post(session, member, actor, kind=EntryKind.REDEEM_CANCEL, points=found.points, now=now,
                            lots=lots, reference=str(redemption_id), note=reason)
        session.add(RedemptionCancellation(redemption_id=redemption_id, entry_id=entry.id, reason=reason,
                                           staff_id=actor.staff_id, store_id=actor.store_id, occurred_at=now))
        # Stock comes back only if the redemption took it: the item may have
        # been switched to or from unlimited since.
        taken = session.scalar(select(func.coalesce(func.sum(StockEntry.quantity), 0))
                               .where(StockEntry.redemption_id == redemption_id,
                                      StockEntry.kind == StockKind.REDEMPTION.value))
        if taken:
            move_stock(session, item, actor, StockKind.CANCELLATION, -taken, now, reason,
                       redemption_id=redemption_id)
        session.flush()
        audit.record(session, actor, "mall.cancel", "member", member.id, {"balance": member.balance - found.points},
                     {"balance": member.balance, "redemption": str(redemption_id), "reason": reason}, now)
        return CancelResult(redemption_id, found.points, member.balance, None if item.unlimited else item.stock)


def history(db: Database, actor: Actor, *, member_id: uuid.UUID | None = None, store_id: str | None = None,
            limit: int = 200) -> list[RedemptionView]:
    """Redemptions of a member, or of a store, newest first."""
    require(actor, Permission.MEMBER_VIEW)
    with db.read() as session:
        query = (select(Redemption, Member.name, CatalogItem.name, Voucher.code,
                        RedemptionCancellation.redemption_id, VoucherWriteOff.voucher_code)
                 .join(Member, Member.id == Redemption.member_id)
                 .join(CatalogItem, CatalogItem.id == Redemption.item_id)
                 .join(Voucher, Voucher.redemption_id == Redemption.id)
                 .outerjoin(RedemptionCancellation, RedemptionCancellation.redemption_id == Redemption.id)
                 .outerjoin(VoucherWriteOff, VoucherWriteOff.voucher_code == Voucher.code)
                 .order_by(Redemption.occurred_at.desc()).limit(limit))
        if member_id is not None:
            query = query.where(Redemption.member_id == member_id)
        if store_id is not None:
            query = query.where(Redemption.store_id == store_id)
        return [RedemptionView(r.id, r.member_id, member_name, item_name, r.quantity, r.points, r.cash_fen,
                               display_code(code), r.occurred_at, r.store_id, cancelled is not None,
                               written is not None)
                for r, member_name, item_name, code, cancelled, written in session.execute(query).all()]
