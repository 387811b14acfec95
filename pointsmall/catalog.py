"""The points catalog: items operators offer, their images and their stock.

Stock changes other than redemptions (restock, write-off, count correction)
are entries with a reason and staff, like the points ledger; ``stock`` on
the item is their projection, moved in the same transaction.
"""
from __future__ import annotations

import enum
import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, images
from .clock import utc_now
from .db import Database
from .errors import Conflict, NotFound, ValidationError
from .ids import new_id
from .models import CatalogItem, ItemImage, StockEntry
from .staff import Actor, Permission, require

MAX_PRICE = 10_000_000
MAX_REASON = 200  # stock_entries.reason


class ItemKind(str, enum.Enum):
    GOODS = "goods"
    COUPON = "coupon"
    SERVICE = "service"


class StockKind(str, enum.Enum):
    RESTOCK = "restock"
    WRITE_OFF = "write_off"
    CORRECTION = "correction"  # a stock count: the quantity is the difference found
    REDEMPTION = "redemption"
    CANCELLATION = "cancellation"


@dataclass(frozen=True)
class ItemDraft:
    """What an operator fills in; validated by ``save_item``."""

    sku: str
    name: str
    category: str
    kind: str = ItemKind.GOODS.value
    price_points: int = 0
    cash_fen: int = 0
    description: str = ""
    face_value_fen: int | None = None
    validity_days: int | None = None
    unlimited: bool = False
    per_order_limit: int | None = None
    daily_limit: int | None = None
    member_limit: int | None = None
    min_tier_rank: int = 0
    available_from: datetime | None = None
    available_until: datetime | None = None
    active: bool = True


@dataclass(frozen=True)
class ItemView:
    id: uuid.UUID
    sku: str
    name: str
    description: str
    category: str
    kind: str
    price_points: int
    cash_fen: int
    face_value_fen: int | None
    validity_days: int | None
    unlimited: bool
    stock: int
    per_order_limit: int | None
    daily_limit: int | None
    member_limit: int | None
    min_tier_rank: int
    available_from: datetime | None
    available_until: datetime | None
    active: bool
    image_id: uuid.UUID | None
    image_sha: str | None


def item_view(item: CatalogItem, image_sha: str | None = None) -> ItemView:
    return ItemView(item.id, item.sku, item.name, item.description, item.category, item.kind, item.price_points,
                    item.cash_fen, item.face_value_fen, item.validity_days, item.unlimited, item.stock,
                    item.per_order_limit, item.daily_limit, item.member_limit, item.min_tier_rank,
                    item.available_from, item.available_until, item.active, item.image_id, image_sha)


def _positive_or_none(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError("The {what} limit must be a whole number above zero, or empty for none.",
                              field=what, what=what)
    return value


def validate_draft(draft: ItemDraft) -> ItemDraft:
    # NFKC: an input method's full-width "ＡＢ－１２" is the AB-12 a scanner types.
    sku = unicodedata.normalize("NFKC", draft.sku).strip().upper()
    if not sku or len(sku) > 32 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in sku):
        raise ValidationError("An item code is 1 to 32 letters, digits, - or _.", field="sku")
    name = draft.name.strip()
    if not name or len(name) > 64:
        raise ValidationError("An item needs a name of at most 64 characters.", field="name")
    category = draft.category.strip()
    if not category or len(category) > 32:
        raise ValidationError("An item needs a category of at most 32 characters.", field="category")
    try:
        kind = ItemKind(draft.kind)
    except ValueError:
        raise ValidationError("An item is goods, a coupon or a service.", field="kind") from None
    for value, what in ((draft.price_points, "price"), (draft.cash_fen, "cash")):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRICE:
            raise ValidationError("The {what} must be a whole number from 0 to 10,000,000.", field=what, what=what)
    if draft.price_points == 0:
        raise ValidationError("An item must cost some points.", field="price")
    face, validity = draft.face_value_fen, draft.validity_days
    if kind is ItemKind.COUPON:
        if not isinstance(face, int) or face <= 0:
            raise ValidationError("A coupon needs a face value above zero.", field="face_value")
        if not isinstance(validity, int) or not 1 <= validity <= 3650:
            raise ValidationError("A coupon needs a validity of 1 to 3650 days.", field="validity_days")
    else:
        face = validity = None
    if draft.available_from and draft.available_until and draft.available_until <= draft.available_from:
        raise ValidationError("The availability window ends before it starts.", field="available_until")
    if not 0 <= draft.min_tier_rank <= 10:
        raise ValidationError("Unknown minimum tier.", field="min_tier_rank")
    return replace(draft, sku=sku, name=name, category=category, kind=kind.value, description=draft.description.strip(),
                   face_value_fen=face, validity_days=validity,
                   per_order_limit=_positive_or_none(draft.per_order_limit, "per order"),
                   daily_limit=_positive_or_none(draft.daily_limit, "daily"),
                   member_limit=_positive_or_none(draft.member_limit, "per member"))


def save_item(db: Database, actor: Actor, draft: ItemDraft, item_id: uuid.UUID | None = None,
              image: bytes | None = None) -> ItemView:
    """Create an item (stock starts at 0: add stock with a restock entry) or change one.

    ``image`` (an uploaded file) is attached in the same transaction, so an
    editor saves a new item with its picture in one write; a refused image
    refuses the whole save before anything is written.
    """
    require(actor, Permission.CATALOG_MANAGE)
    draft = validate_draft(draft)
    prepared = images.prepare_image(image) if image is not None else None
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "catalog")  # head office's data: a replica's edit would be overwritten
        same_sku = session.scalars(select(CatalogItem).where(CatalogItem.sku == draft.sku)).one_or_none()
        if same_sku is not None and same_sku.id != item_id:
            raise Conflict("The item code {sku} is already used by {name}.", sku=draft.sku, name=same_sku.name)
        found = None
        if item_id is not None:
            found = session.get(CatalogItem, item_id, with_for_update=True)
            if found is None:
                raise NotFound("No such catalog item.")
        item = write_item(session, actor, draft, found, now)
        if prepared is not None:
            _attach_image(session, actor, item, prepared, now)
        return item_view(item, _sha(session, item.image_id))


def write_item(session: Session, actor: Actor, draft: ItemDraft, item: CatalogItem | None,
               now: datetime) -> CatalogItem:
    """Create (``item`` None) or change an item from a validated draft, audited, in the caller's transaction."""
    before = None
    if item is None:
        item = CatalogItem(id=new_id(), stock=0, last_stock_seq=0, image_id=None, created_at=now)
        session.add(item)
    else:
        before = _audit_fields(item)
    for field, value in draft.__dict__.items():
        setattr(item, field, value)
    item.updated_at = now
    session.flush()
    audit.record(session, actor, "catalog.save", "item", item.id, before, _audit_fields(item), now)
    return item


def draft_of(item: CatalogItem) -> ItemDraft:
    """What an operator would see in the editor for a stored item."""
    return ItemDraft(**_audit_fields(item))  # type: ignore[arg-type]


def set_active(db: Database, actor: Actor, item_id: uuid.UUID, active: bool) -> ItemView:
    """Offer an item again, or take it off the mall, without touching anything else about it."""
    require(actor, Permission.CATALOG_MANAGE)
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "catalog")  # head office's data: a replica's edit would be overwritten
        item = session.get(CatalogItem, item_id, with_for_update=True)
        if item is None:
            raise NotFound("No such catalog item.")
        if item.active != active:
            before = {"active": item.active}
            item.active, item.updated_at = active, now
            audit.record(session, actor, "catalog.active", "item", item.id, before, {"active": active}, now)
        return item_view(item, _sha(session, item.image_id))


def _audit_fields(item: CatalogItem) -> dict[str, object]:
    return {f: getattr(item, f) for f in ItemDraft.__dataclass_fields__}


def _sha(session: Session, image_id: uuid.UUID | None) -> str | None:
    return session.scalar(select(ItemImage.sha256).where(ItemImage.id == image_id)) if image_id else None


def set_image(db: Database, actor: Actor, item_id: uuid.UUID, raw: bytes) -> ItemView:
    """Attach an image; a refused file changes nothing."""
    require(actor, Permission.CATALOG_MANAGE)
    prepared = images.prepare_image(raw)  # raises before any write
    now = utc_now()
    with db.write() as session:
        from .sync.guard import refuse_on_replica  # here: the sync package imports the services
        refuse_on_replica(session, "catalog")  # head office's data: a replica's edit would be overwritten
        item = session.get(CatalogItem, item_id, with_for_update=True)
        if item is None:
            raise NotFound("No such catalog item.")
        _attach_image(session, actor, item, prepared, now)
        return item_view(item, prepared.sha256)


def _attach_image(session: Session, actor: Actor, item: CatalogItem, prepared: images.PreparedImage,
                  now: datetime) -> None:
    image = ItemImage(id=new_id(), data=prepared.data, mime=prepared.mime, width=prepared.width,
                      height=prepared.height, sha256=prepared.sha256, created_at=now)
    session.add(image)
    session.flush()
    before = {"image_id": item.image_id}
    item.image_id, item.updated_at = image.id, now
    audit.record(session, actor, "catalog.image", "item", item.id, before,
                 {"image_id": image.id, "sha256": prepared.sha256}, now)


def image_bytes(session: Session, image_id: uuid.UUID) -> tuple[str, bytes] | None:
    row = session.execute(select(ItemImage.sha256, ItemImage.data).where(ItemImage.id == image_id)).first()
    return (row[0], row[1]) if row else None


def get_item(session: Session, item_id: uuid.UUID) -> ItemView:
    item = session.get(CatalogItem, item_id)
    if item is None:
        raise NotFound("No such catalog item.")
    return item_view(item, _sha(session, item.image_id))


def list_items(session: Session, *, category: str | None = None, active_only: bool = False,
               text: str = "") -> list[ItemView]:
    query = select(CatalogItem, ItemImage.sha256).outerjoin(ItemImage, ItemImage.id == CatalogItem.image_id)
    if category:
        query = query.where(CatalogItem.category == category)
    if active_only:
        query = query.where(CatalogItem.active)
    if text.strip():
        query = query.where(CatalogItem.name.contains(text.strip(), autoescape=True)
                            | (CatalogItem.sku == text.strip().upper()))
    query = query.order_by(CatalogItem.category, CatalogItem.price_points, CatalogItem.name)
    return [item_view(item, sha) for item, sha in session.execute(query).all()]


_GRID_COLUMNS = [f for f in ItemView.__dataclass_fields__ if f != "image_sha"]


def mall_items(session: Session) -> list[ItemView]:
    """Every active item for the counter's mall grid, in list order; one query over columns.

    Loading thousands of ORM entities costs several times more than reading
    their columns, and the mall page opens with all of them.
    """
    table = CatalogItem.__table__.c
    query = (select(*[table[f] for f in _GRID_COLUMNS], ItemImage.sha256)
             .outerjoin(ItemImage, ItemImage.id == CatalogItem.image_id)
             .where(CatalogItem.active)
             .order_by(CatalogItem.category, CatalogItem.price_points, CatalogItem.name))
    return [ItemView(*row) for row in session.execute(query).all()]


def thumbnails(db: Database, wanted: dict[uuid.UUID, str], size: str = "grid",
               directory: Path | None = None) -> dict[str, bytes]:
    """Thumbnails by image sha for ``{image_id: sha}``: from the disk cache, else made from the stored image.

    Only the images whose thumbnail is not cached yet are read from the
    database, in one query.
    """
    found: dict[str, bytes] = {}
    missing: list[uuid.UUID] = []
    for image_id, sha in wanted.items():
        cached = images.cached_thumbnail(sha, size, directory)
        if cached is None:
            missing.append(image_id)
        else:
            found[sha] = cached
    if missing:
        with db.read() as session:
            rows = session.execute(select(ItemImage.sha256, ItemImage.data).where(ItemImage.id.in_(missing))).all()
        for sha, data in rows:
            found[sha] = images.thumbnail(sha, data, size, directory)
    return found


def categories(session: Session) -> list[str]:
    return list(session.scalars(select(CatalogItem.category).distinct().order_by(CatalogItem.category)))


# -- stock --------------------------------------------------------------------

@dataclass(frozen=True)
class StockEntryView:
    id: uuid.UUID
    seq: int
    kind: str
    quantity: int
    stock_after: int
    reason: str
    staff_id: uuid.UUID
    occurred_at: datetime


def move_stock(session: Session, item: CatalogItem, actor: Actor, kind: StockKind, quantity: int, now: datetime,
               reason: str = "", redemption_id: uuid.UUID | None = None) -> StockEntry:
    """Append a stock entry to a locked item and move its projection; never below zero."""
    after = item.stock + quantity
    if after < 0:
        raise ValidationError("Only {stock} left in stock.", field="quantity", stock=item.stock)
    entry = StockEntry(id=new_id(), item_id=item.id, seq=item.last_stock_seq + 1, kind=kind.value, quantity=quantity,
                       stock_after=after, reason=reason, redemption_id=redemption_id, staff_id=actor.staff_id,
                       store_id=actor.store_id, occurred_at=now)
    session.add(entry)
    item.stock, item.last_stock_seq = after, entry.seq
    return entry


def record_stock(db: Database, actor: Actor, item_id: uuid.UUID, kind: StockKind | str, quantity: int,
                 reason: str) -> ItemView:
    """Restock (+), write off (-) or correct after a count (±), with a reason."""
    require(actor, Permission.STOCK_MANAGE)
    kind = StockKind(kind)
    if kind in (StockKind.REDEMPTION, StockKind.CANCELLATION):
        raise ValidationError("Redemptions move stock by themselves.", field="kind")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0 or abs(quantity) > 1_000_000:
        raise ValidationError("Enter a whole number of pieces other than zero.", field="quantity")
    if kind is StockKind.RESTOCK and quantity < 0 or kind is StockKind.WRITE_OFF and quantity > 0:
        quantity = -quantity if kind is StockKind.WRITE_OFF else abs(quantity)
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError("Give a reason for the stock change.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError("A reason has at most {n} characters.", field="reason", n=MAX_REASON)
    now = utc_now()
    with db.write() as session:
        item = session.get(CatalogItem, item_id, with_for_update=True)
        if item is None:
            raise NotFound("No such catalog item.")
        if item.unlimited:
            raise ValidationError("This item has unlimited stock.", field="quantity")
        before = item.stock
        move_stock(session, item, actor, kind, quantity, now, reason)
        audit.record(session, actor, f"stock.{kind.value}", "item", item.id, {"stock": before},
                     {"stock": item.stock, "quantity": quantity, "reason": reason}, now)
        return item_view(item, _sha(session, item.image_id))


def stock_entries(session: Session, item_id: uuid.UUID, limit: int = 100) -> list[StockEntryView]:
    rows = session.scalars(select(StockEntry).where(StockEntry.item_id == item_id)
                           .order_by(StockEntry.seq.desc()).limit(limit))
    return [StockEntryView(e.id, e.seq, e.kind, e.quantity, e.stock_after, e.reason, e.staff_id, e.occurred_at)
            for e in rows]


def count_items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CatalogItem)) or 0
