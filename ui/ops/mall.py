"""The redemption mall at the counter, off the GUI thread: the shelf, thumbnails,
redeeming, handing over vouchers and wheel prizes, and the redemption history.

Writes (redeem, write off, cancel) run on the worker's single write thread
and then announce what changed: the member's points (``member_changed``;
also after a hand-over, which changes the member's prizes to hand over)
and the catalog's stock (``catalog_changed``).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtGui import QImage

from pointsmall import catalog, handover, members, redemption, reviews
from pointsmall.catalog import ItemView
from pointsmall.db import Database
from pointsmall.handover import Handover
from pointsmall.members import MemberView
from pointsmall.redemption import CancelResult, RedemptionResult, RedemptionView, Refusal
from pointsmall.reviews import Hold
from pointsmall.staff import Actor

from ..context import AppContext


@dataclass(frozen=True)
class Shelf:
    """What the mall grid shows: the active items and, for the member served, why not each refused one,
    and the member's open review cases (a blocking one keeps every item from them: ``member_holds``)."""

    items: list[ItemView]
    member: MemberView | None
    refusals: dict[uuid.UUID, Refusal] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)


def _refusals(db: Database, actor: Actor, member_id: uuid.UUID, items: list[ItemView]) -> dict[uuid.UUID, Refusal]:
    return {e.item.id: e.refusal for e in redemption.eligibility(db, actor, member_id, items)
            if e.refusal is not None}


def _shelf(db: Database, actor: Actor, member_id: uuid.UUID | None) -> Shelf:
    with db.read() as session:
        items = catalog.mall_items(session)
    if member_id is None:
        return Shelf(items, None)
    return _for_member(db, actor, member_id, items)


async def shelf(ctx: AppContext, member_id: uuid.UUID | None) -> Shelf:
    """The active items, and the member with what they cannot take (and why) when one is served."""
    return await ctx.worker.read(_shelf, ctx.actor, member_id)


def _for_member(db: Database, actor: Actor, member_id: uuid.UUID, items: list[ItemView]) -> Shelf:
    member = members.get_member(db, actor, member_id)
    return Shelf(items, member, _refusals(db, actor, member_id, items), reviews.holds(db, actor, member_id))


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


async def look_up_voucher(ctx: AppContext, typed: str) -> Handover:
    """A scanned or typed code, a mall voucher or a wheel prize, and why it cannot be handed over (if so)."""
    return await ctx.worker.read(handover.look_up, ctx.actor, typed)


async def write_off(ctx: AppContext, typed: str) -> Handover:
    """Hand over what the code stands for, once (a mall voucher or a wheel prize)."""
    view = await ctx.worker.write(handover.hand_over, ctx.actor, typed)
    ctx.changes.member_changed.emit(view.member_id)  # the member's prizes to hand over (games page) change
    return view


async def prizes_to_hand_over(ctx: AppContext, member_id: uuid.UUID) -> list[Handover]:
    """The member's wheel prizes not yet handed over and still valid, newest first."""
    return await ctx.worker.read(handover.prizes_to_hand_over, ctx.actor, member_id)


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
