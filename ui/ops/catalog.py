"""Catalog management off the GUI thread: items, images, stock entries, activation, import and export.

Reads run beside the writer; every write runs on the worker's write thread
and then announces ``catalog_changed`` so the catalog page, the mall grid
and any open stock panel reload. The core checks the actor's permission on
every write (``CATALOG_MANAGE`` for items, ``STOCK_MANAGE`` for stock).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from pointsmall import catalog, catalog_io, images, tiers
from pointsmall.catalog import ItemDraft, ItemView, StockEntryView, StockKind
from pointsmall.catalog_io import ImportReport
from pointsmall.db import Database
from pointsmall.images import PreparedImage
from pointsmall.staff import Actor
from pointsmall.tiers import TierView

from ..context import AppContext


@dataclass(frozen=True)
class CatalogListing:
    items: list[ItemView]
    categories: list[str]  # every category in the catalog, not only the filtered ones
    tiers: list[TierView]  # to name each item's minimum tier


@dataclass(frozen=True)
class PickedImage:
    raw: bytes  # the file as it was, sent again with the save (the core checks it once more)
    prepared: PreparedImage  # what the core will store: shown as the preview


def _listing(db: Database, category: str | None, text: str) -> CatalogListing:
    with db.read() as session:
        return CatalogListing(catalog.list_items(session, category=category, text=text),
                              catalog.categories(session), tiers.list_tiers(session))


async def load_listing(ctx: AppContext, category: str | None = None, text: str = "") -> CatalogListing:
    return await ctx.worker.read(_listing, category, text)


def _item(db: Database, item_id: uuid.UUID) -> ItemView:
    with db.read() as session:
        return catalog.get_item(session, item_id)


async def load_item(ctx: AppContext, item_id: uuid.UUID) -> ItemView:
    return await ctx.worker.read(_item, item_id)


def _entries(db: Database, item_id: uuid.UUID, limit: int) -> list[StockEntryView]:
    with db.read() as session:
        return catalog.stock_entries(session, item_id, limit)


async def stock_entries(ctx: AppContext, item_id: uuid.UUID, limit: int = 100) -> list[StockEntryView]:
    return await ctx.worker.read(_entries, item_id, limit)


async def save_item(ctx: AppContext, draft: ItemDraft, item_id: uuid.UUID | None = None,
                    image: bytes | None = None) -> ItemView:
    """Create or change an item, with its new image when one was picked, in one write."""
    view = await ctx.worker.write(catalog.save_item, ctx.actor, draft, item_id, image)
    ctx.changes.catalog_changed.emit()
    return view


async def set_active(ctx: AppContext, item_id: uuid.UUID, active: bool) -> ItemView:
    view = await ctx.worker.write(catalog.set_active, ctx.actor, item_id, active)
    ctx.changes.catalog_changed.emit()
    return view


async def record_stock(ctx: AppContext, item_id: uuid.UUID, kind: StockKind, quantity: int,
                       reason: str) -> ItemView:
    view = await ctx.worker.write(catalog.record_stock, ctx.actor, item_id, kind, quantity, reason)
    ctx.changes.catalog_changed.emit()
    return view


# -- images ---------------------------------------------------------------------

def _read_image_file(_db: Database, path: str) -> PickedImage:
    # Read one byte past the limit at most: a huge file is refused by its size without loading it all.
    with Path(path).open("rb") as file:
        raw = file.read(images.MAX_FILE_BYTES + 1)
    return PickedImage(raw, images.prepare_image(raw))


async def pick_image_file(ctx: AppContext, path: str) -> PickedImage:
    """Read and check a picked or dropped file; raises the core's ``ValidationError`` when refused.

    A file that cannot be read at all raises ``OSError``.
    """
    return await ctx.worker.read(_read_image_file, path)


async def thumbnails(ctx: AppContext, wanted: dict[uuid.UUID, str], size: str = "grid") -> dict[str, bytes]:
    """Thumbnails by image hash for ``{image_id: sha}``: from the cache, or made once from the stored image."""
    return await ctx.worker.read(catalog.thumbnails, wanted, size)


# -- bulk import and export ----------------------------------------------------------

def _read_import_file(_db: Database, path: str) -> bytes:
    # One byte past the limit at most: the core refuses a file that is too big by its size.
    with Path(path).open("rb") as file:
        return file.read(catalog_io.MAX_FILE_BYTES + 1)


async def read_import_file(ctx: AppContext, path: str) -> bytes:
    """The file's bytes, read once: the dry run and the real run then see the same contents."""
    return await ctx.worker.read(_read_import_file, path)


async def check_import(ctx: AppContext, file_name: str, data: bytes) -> ImportReport:
    """The dry run: every row with what importing it would do, or what is wrong with it. Writes nothing."""
    return await ctx.worker.read(catalog_io.import_catalog, ctx.actor, file_name, data, dry_run=True)


async def apply_import(ctx: AppContext, file_name: str, data: bytes) -> ImportReport:
    """Every row in one transaction, or none (``ImportRefused`` carries the report)."""
    report = await ctx.worker.write(catalog_io.import_catalog, ctx.actor, file_name, data)
    ctx.changes.catalog_changed.emit()
    return report


def _export(db: Database, actor: Actor, path: str) -> int:
    data = catalog_io.export_catalog(db, actor, path)
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)  # never half a file where the operator expects the export
    with db.read() as session:
        return catalog.count_items(session)


async def export_catalog(ctx: AppContext, path: str) -> int:
    """Write every item to ``path`` (.csv or .xlsx); returns how many items were written."""
    return await ctx.worker.read(_export, ctx.actor, path)
