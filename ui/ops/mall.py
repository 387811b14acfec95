"""The redemption mall at the counter, off the GUI thread: the shelf, thumbnails,
redeeming, vouchers and the redemption history.

Writes (redeem, write off, cancel) run on the worker's single write thread
and then announce what changed: the member's points (``member_changed``)
and the catalog's stock (``catalog_changed``).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtGui import QImage

from pointsmall import catalog, members, redemption, vouchers
from pointsmall.catalog import ItemView
from pointsmall.db import Database
from pointsmall.errors import Conflict
from pointsmall.members import MemberView
from pointsmall.redemption import CancelResult, RedemptionResult, RedemptionView, Refusal
from pointsmall.staff import Actor
from pointsmall.vouchers import VoucherView

from ..context import AppContext


@dataclass(frozen=True)
class Shelf:
    """What the mall grid shows: the active items and, for the member served, why not each refused one."""

    items: list[ItemView]
    member: MemberView | None
    refusals: dict[uuid.UUID, Refusal] = field(default_factory=dict)


@dataclass(frozen=True)
class VoucherCheck:
    voucher: VoucherView
    refusal: Conflict | None  # why it cannot be written off now; None when it can


def _refusals(db: Database, actor: Actor, member_id: uuid.UUID, items: list[ItemView]) -> dict[uuid.UUID, Refusal]:
    return {e.item.id: e.refusal for e in redemption.eligibility(db, actor, member_id, items)
            if e.refusal is not None}


def _shelf(db: Database, actor: Actor, member_id: uuid.UUID | None) -> Shelf:
    with db.read() as session:
        items = catalog.mall_items(session)
    if member_id is None:
        return Shelf(items, None)
    member = members.get_member(db, actor, member_id)
    return Shelf(items, member, _refusals(db, actor, member_id, items))


async def shelf(ctx: AppContext, member_id: uuid.UUID | None) -> Shelf:
    """The active items, and the member with what they cannot take (and why) when one is served."""
    return await ctx.worker.read(_shelf, ctx.actor, member_id)


def _for_member(db: Database, actor: Actor, member_id: uuid.UUID, items: list[ItemView]) -> Shelf:
    return Shelf(items, members.get_member(db, actor, member_id), _refusals(db, actor, member_id, items))


async def for_member(ctx: AppContext, member_id: uuid.UUID, items: list[ItemView]) -> Shelf:
    """The same items seen by another member (or after this member's points changed)."""
    return await ctx.worker.read(_for_member, ctx.actor, member_id, items)


def _thumbnail_images(db: Database, wanted: dict[uuid.UUID, str], size: str,
                      prepare: Callable[[QImage], QImage] | None) -> dict[str, QImage]:
    # QImage (unlike QPixmap) may be made and painted on off the GUI thread: decoding and
    # preparing stay off it too.
    decoded = {sha: QImage.fromData(data) for sha, data in catalog.thumbnails(db, wanted, size).items()}
    return {sha: prepare(image) if prepare is not None and not image.isNull() else image
            for sha, image in decoded.items()}


async def thumbnails(ctx: AppContext, wanted: dict[uuid.UUID, str], size: str = "grid",
                     prepare: Callable[[QImage], QImage] | None = None) -> dict[str, QImage]:
    """Decoded thumbnails by image sha for ``{image_id: sha}``, each passed through ``prepare``
    (on the reader thread: e.g. scaled and rounded once, so painting a tile only copies pixels)."""
    return await ctx.worker.read(_thumbnail_images, wanted, size, prepare)


async def quantity_limit(ctx: AppContext, member_id: uuid.UUID, item_id: uuid.UUID) -> int:
    return await ctx.worker.read(redemption.quantity_limit, ctx.actor, member_id, item_id)


async def redeem(ctx: AppContext, member_id: uuid.UUID, item_id: uuid.UUID, quantity: int,
                 request_id: str) -> RedemptionResult:
    """One redemption; the same ``request_id`` again returns the first result instead of redeeming twice."""
    result = await ctx.worker.write(redemption.redeem, ctx.actor, member_id=member_id, item_id=item_id,
                                    quantity=quantity, request_id=request_id)
    ctx.changes.member_changed.emit(member_id)
    ctx.changes.catalog_changed.emit()
    return result


def _check(db: Database, actor: Actor, typed: str) -> VoucherCheck:
    view = vouchers.look_up(db, actor, typed)
    return VoucherCheck(view, vouchers.refusal(view, actor.store_tz))


async def look_up_voucher(ctx: AppContext, typed: str) -> VoucherCheck:
    return await ctx.worker.read(_check, ctx.actor, typed)


async def write_off(ctx: AppContext, typed: str) -> VoucherView:
    return await ctx.worker.write(vouchers.write_off, ctx.actor, typed)


async def history(ctx: AppContext, *, member_id: uuid.UUID | None = None,
                  limit: int = 200) -> list[RedemptionView]:
    """A member's redemptions, or (without a member) this store's, newest first."""
    store = None if member_id is not None else ctx.actor.store_id
    return await ctx.worker.read(redemption.history, ctx.actor, member_id=member_id, store_id=store, limit=limit)


async def cancel(ctx: AppContext, redemption_id: uuid.UUID, member_id: uuid.UUID, reason: str) -> CancelResult:
    result = await ctx.worker.write(redemption.cancel, ctx.actor, redemption_id, reason)
    ctx.changes.member_changed.emit(member_id)
    ctx.changes.catalog_changed.emit()
    return result
