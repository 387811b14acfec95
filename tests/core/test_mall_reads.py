"""Reads the counter's mall page relies on: the grid's item list, thumbnails by the batch,
the largest quantity a member may redeem, and why a voucher cannot be written off."""
from __future__ import annotations

import io

from PIL import Image

from pointsmall import catalog, images, members, purchases, redemption, vouchers
from pointsmall.catalog import ItemDraft, StockKind
from pointsmall.db import Database
from pointsmall.staff import Actor

from .support import new_member


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, "PNG")
    return out.getvalue()


def item(db: Database, actor: Actor, sku: str, stock: int | None = None, **fields: object) -> catalog.ItemView:
    draft = ItemDraft(**{"sku": sku, "name": f"商品{sku}", "category": "生活用品", "price_points": 100,
                         "unlimited": stock is None, **fields})
    view = catalog.save_item(db, actor, draft)
    if stock:
        view = catalog.record_stock(db, actor, view.id, StockKind.RESTOCK, stock, "入库")
    return view


def rich_member(db: Database, actor: Actor, points: int) -> members.MemberView:
    member = new_member(db, actor)
    purchases.award_for_purchase(db, actor, member_id=member.id, receipt_no=f"R-{member.id}", amount_fen=points * 100)
    return member


def test_mall_items_lists_active_items_like_list_items(db, system):
    a = item(db, system, "A", stock=3, price_points=300)
    b = item(db, system, "B", price_points=100)
    off = item(db, system, "C")
    catalog.set_active(db, system, off.id, False)
    catalog.set_image(db, system, a.id, png((200, 30, 30)))
    with db.read() as session:
        grid = catalog.mall_items(session)
        listed = catalog.list_items(session, active_only=True)
    assert grid == listed
    assert [i.sku for i in grid] == ["B", "A"]
    assert grid[1].image_sha and grid[1].stock == 3


def test_thumbnails_come_from_the_cache_or_are_made_once(db, system, tmp_path):
    a = catalog.set_image(db, system, item(db, system, "A").id, png((10, 200, 10)))
    b = catalog.set_image(db, system, item(db, system, "B").id, png((10, 10, 200)))
    wanted = {a.image_id: a.image_sha, b.image_id: b.image_sha}
    made = catalog.thumbnails(db, wanted, directory=tmp_path)
    assert set(made) == {a.image_sha, b.image_sha}
    thumb = Image.open(io.BytesIO(made[a.image_sha]))
    assert max(thumb.size) == images.THUMB_SIZES["grid"]
    assert images.cached_thumbnail(b.image_sha, directory=tmp_path) == made[b.image_sha]
    assert catalog.thumbnails(db, wanted, directory=tmp_path) == made
    assert catalog.thumbnails(db, {}, directory=tmp_path) == {}


def test_quantity_limit_is_the_tightest_of_balance_stock_and_limits(db, system):
    member = rich_member(db, system, 1000)
    assert redemption.quantity_limit(db, system, member.id, item(db, system, "A").id) == 10  # balance 1000 / 100
    assert redemption.quantity_limit(db, system, member.id, item(db, system, "B", stock=4).id) == 4
    assert redemption.quantity_limit(db, system, member.id, item(db, system, "C", per_order_limit=3).id) == 3
    daily = item(db, system, "D", daily_limit=2)
    assert redemption.quantity_limit(db, system, member.id, daily.id) == 2
    redemption.redeem(db, system, member_id=member.id, item_id=daily.id)
    assert redemption.quantity_limit(db, system, member.id, daily.id) == 1
    total = item(db, system, "E", member_limit=5)
    redemption.redeem(db, system, member_id=member.id, item_id=total.id, quantity=3)
    assert redemption.quantity_limit(db, system, member.id, total.id) == 2


def test_quantity_limit_is_zero_when_the_member_cannot_take_one(db, system):
    member = rich_member(db, system, 150)
    assert redemption.quantity_limit(db, system, member.id, item(db, system, "A", price_points=200).id) == 0
    assert redemption.quantity_limit(db, system, member.id, item(db, system, "G", min_tier_rank=2).id) == 0
    sold_out = item(db, system, "B", stock=1)
    redemption.redeem(db, system, member_id=member.id, item_id=sold_out.id)
    assert redemption.quantity_limit(db, system, member.id, sold_out.id) == 0


def test_every_quantity_up_to_the_limit_is_accepted(db, system):
    member = rich_member(db, system, 700)
    limited = item(db, system, "A", stock=9, price_points=200)
    n = redemption.quantity_limit(db, system, member.id, limited.id)
    assert n == 3
    result = redemption.redeem(db, system, member_id=member.id, item_id=limited.id, quantity=n)
    assert result.balance == 100


def test_voucher_refusal_says_why_it_cannot_be_written_off(db, system):
    member = rich_member(db, system, 500)
    coupon = item(db, system, "CPN", kind="coupon", face_value_fen=5000, validity_days=30)
    first = redemption.redeem(db, system, member_id=member.id, item_id=coupon.id)
    view = vouchers.look_up(db, system, first.voucher_code)
    assert vouchers.refusal(view, system.store_tz) is None
    vouchers.write_off(db, system, first.voucher_code)
    used = vouchers.refusal(vouchers.look_up(db, system, first.voucher_code), system.store_tz)
    assert used is not None and used.template.startswith("This voucher was already used")
    second = redemption.redeem(db, system, member_id=member.id, item_id=coupon.id)
    redemption.cancel(db, system, second.redemption_id, "顾客不要了")
    cancelled = vouchers.refusal(vouchers.look_up(db, system, second.voucher_code), system.store_tz)
    assert cancelled is not None and cancelled.template == "This voucher was cancelled with its redemption."


def test_the_voucher_qr_code_is_a_full_qr_code_with_its_quiet_zone():
    """Short codes made segno pick a Micro QR, which phone cameras and many scanners cannot read."""
    for _ in range(20):
        image = Image.open(io.BytesIO(vouchers.qr_png(vouchers.new_code(), scale=1)))
        assert image.size[0] >= 21 + 2 * 4  # version 1 at least (Micro QR is 11 to 17 modules), 4-module margin


def test_eligibility_over_many_items_counts_each_items_own_redemptions(db, system):
    """The mall grid asks about thousands of items at once; limits still count per item."""
    member = rich_member(db, system, 5000)
    daily = item(db, system, "DAILY", daily_limit=1)
    others = [item(db, system, f"X{n:03d}") for n in range(120)]
    redemption.redeem(db, system, member_id=member.id, item_id=daily.id)
    redemption.redeem(db, system, member_id=member.id, item_id=others[0].id)
    with db.read() as session:
        items = catalog.mall_items(session)
    assert len(items) > 100
    refused = {e.item.sku: e.refusal for e in redemption.eligibility(db, system, member.id, items) if e.refusal}
    assert set(refused) == {"DAILY"}
    assert refused["DAILY"].template == "Each member can redeem at most {n} a day."
