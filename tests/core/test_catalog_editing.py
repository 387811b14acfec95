"""Catalog editing the operator's editor relies on: saving an item with its image in one write,
switching an item on and off, and reusing cached thumbnails."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from pointsmall import catalog, images
from pointsmall.catalog import ItemDraft
from pointsmall.errors import PermissionDenied, ValidationError
from pointsmall.models import AuditRecord, CatalogItem, ItemImage
from pointsmall.staff import Role
from tests.conftest import make_actor

from .support import count, row_counts


def png(colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def draft(**changes: object) -> ItemDraft:
    base = ItemDraft(sku="CUP-50", name="满50元无门槛券", category="优惠券", kind="coupon", price_points=1000,
                     face_value_fen=5000, validity_days=30)
    return ItemDraft(**{**base.__dict__, **changes})


def test_a_new_item_is_saved_with_its_image_in_one_write(db):
    operator = make_actor(db, Role.OPERATOR)
    view = catalog.save_item(db, operator, draft(), image=png())
    assert view.image_id is not None and view.image_sha
    with db.read() as session:
        assert catalog.get_item(session, view.id).image_sha == view.image_sha
    assert count(db, ItemImage) == 1


@pytest.mark.parametrize("bad", [b"", b"not an image at all", png()[:40]])
def test_a_refused_image_refuses_the_whole_save(db, bad):
    operator = make_actor(db, Role.OPERATOR)
    before = row_counts(db)
    with pytest.raises(ValidationError) as refused:
        catalog.save_item(db, operator, draft(), image=bad)
    assert refused.value.field == "image"
    assert row_counts(db) == before


def test_editing_without_an_image_keeps_the_old_one(db):
    operator = make_actor(db, Role.OPERATOR)
    first = catalog.save_item(db, operator, draft(), image=png())
    edited = catalog.save_item(db, operator, draft(name="满50元券"), item_id=first.id)
    assert edited.name == "满50元券" and edited.image_sha == first.image_sha
    replaced = catalog.save_item(db, operator, draft(), item_id=first.id, image=png((20, 90, 200)))
    assert replaced.image_sha != first.image_sha


def test_set_active_switches_only_the_flag_and_is_audited_once(db):
    operator = make_actor(db, Role.OPERATOR)
    view = catalog.save_item(db, operator, draft())
    audits = count(db, AuditRecord)
    off = catalog.set_active(db, operator, view.id, False)
    assert not off.active and off.name == view.name and off.price_points == view.price_points
    assert count(db, AuditRecord) == audits + 1
    catalog.set_active(db, operator, view.id, False)  # already off: nothing to record
    assert count(db, AuditRecord) == audits + 1
    assert catalog.set_active(db, operator, view.id, True).active
    assert count(db, CatalogItem, CatalogItem.active) == 1


def test_only_catalog_managers_switch_items(db):
    operator = make_actor(db, Role.OPERATOR)
    view = catalog.save_item(db, operator, draft())
    for role in (Role.CASHIER, Role.SUPERVISOR):
        with pytest.raises(PermissionDenied):
            catalog.set_active(db, make_actor(db, role), view.id, False)


def test_cached_thumbnail_is_none_until_made(tmp_path):
    data = images.prepare_image(png()).data
    assert images.cached_thumbnail("abc", "grid", tmp_path) is None
    made = images.thumbnail("abc", data, "grid", tmp_path)
    assert images.cached_thumbnail("abc", "grid", tmp_path) == made
    assert images.cached_thumbnail("abc", "detail", tmp_path) is None


def test_an_import_row_error_carries_its_template_for_translation(db):
    from pointsmall import catalog_io

    operator = make_actor(db, Role.OPERATOR)
    data = "sku,name,category,price_points\nMUG-01,保温杯,家居,0\n".encode()
    report = catalog_io.import_catalog(db, operator, "items.csv", data, dry_run=True)
    (row,) = report.rows
    assert row.action == catalog_io.Action.ERROR and row.field == "price"
    assert row.error_template == "An item must cost some points."
    assert row.error == row.error_template.format(**dict(row.error_params))
