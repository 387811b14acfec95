"""Catalog data for the mall page's tests, screenshots and benchmark.

A few realistic items made through the core services (as the system actor),
colourful generated item pictures (Pillow), and a fast bulk insert of
thousands of items for the 5,000-item grid. The bulk insert writes rows
directly but keeps the stock rule: each limited item's stock is the
projection of one restock entry, so ``pointsmall check`` stays clean.
"""
from __future__ import annotations

import colorsys
import hashlib
import io
import uuid
from dataclasses import dataclass

from PIL import Image, ImageDraw
from sqlalchemy import insert

from pointsmall import catalog, members, purchases, staff
from pointsmall.catalog import ItemDraft, ItemView, StockKind
from pointsmall.clock import utc_now
from pointsmall.db import Database
from pointsmall.ids import new_id
from pointsmall.members import MemberView
from pointsmall.models import CatalogItem, ItemImage, StockEntry
from pointsmall.staff import Actor


def system_actor(db: Database) -> Actor:
    with db.read() as session:
        return staff.system_actor(session)


def picture(hue: float, shape: int = 0, size: int = 320) -> bytes:
    """A colourful product picture: a gradient, a shape and a shine, as PNG bytes."""
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        r, g, b = colorsys.hsv_to_rgb(hue % 1.0, 0.55 + 0.3 * y / size, 0.98 - 0.25 * y / size)
        draw.line([(0, y), (size, y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    r, g, b = colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.35, 1.0)
    accent = (int(r * 255), int(g * 255), int(b * 255))
    box = (size * 0.22, size * 0.22, size * 0.78, size * 0.78)
    if shape % 3 == 0:
        draw.ellipse(box, fill=accent, outline="white", width=size // 40)
    elif shape % 3 == 1:
        draw.rounded_rectangle(box, radius=size // 10, fill=accent, outline="white", width=size // 40)
    else:
        draw.polygon([(size / 2, size * 0.18), (size * 0.82, size * 0.78), (size * 0.18, size * 0.78)],
                     fill=accent, outline="white")
    draw.ellipse((size * 0.3, size * 0.28, size * 0.45, size * 0.4), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Shelf:
    """The handful of items the UI tests and screenshots use."""

    mug: ItemView  # 马克杯: 1,000 points, 20 in stock
    coupon: ItemView  # ¥50无门槛券: 1,000 points, coupon valid 30 days, 1 a day
    car_wash: ItemView  # 洗车服务: 3,000 points + ¥9.90, unlimited
    gold_only: ItemView  # 金卡专享保温杯: for Gold and above
    sold_out: ItemView  # 蓝牙耳机: out of stock


def shelf(db: Database, *, with_pictures: bool = True) -> Shelf:
    actor = system_actor(db)

    def item(draft: ItemDraft, stock: int | None, hue: float, shape: int) -> ItemView:
        view = catalog.save_item(db, actor, draft)
        if stock:
            view = catalog.record_stock(db, actor, view.id, StockKind.RESTOCK, stock, "首批入库")
        if with_pictures:
            view = catalog.set_image(db, actor, view.id, picture(hue, shape))
        return view

    return Shelf(
        mug=item(ItemDraft(sku="MUG-01", name="马克杯", category="生活用品", price_points=1000,
                           description="350ml 陶瓷马克杯"), 20, 0.02, 0),
        coupon=item(ItemDraft(sku="CPN-50", name="¥50无门槛券", category="优惠券", kind="coupon",
                              price_points=1000, face_value_fen=5000, validity_days=30, unlimited=True,
                              daily_limit=1), None, 0.58, 1),
        car_wash=item(ItemDraft(sku="SRV-WASH", name="洗车服务", category="服务", kind="service",
                                price_points=3000, cash_fen=990, unlimited=True), None, 0.33, 2),
        gold_only=item(ItemDraft(sku="CUP-GOLD", name="金卡专享保温杯", category="生活用品", price_points=800,
                                 min_tier_rank=2), 5, 0.12, 1),
        sold_out=item(ItemDraft(sku="EAR-BT", name="蓝牙耳机", category="数码", price_points=5000), None, 0.75, 0),
    )


def member(db: Database, name: str = "张三丰", phone: str = "13800138000", points: int = 1320) -> MemberView:
    """A member with ``points`` (1 point per yuan on a Regular member's purchase)."""
    actor = system_actor(db)
    view = members.create_member(db, actor, name=name, phone=phone)
    if points:
        purchases.award_for_purchase(db, actor, member_id=view.id, receipt_no=f"SEED-{phone}",
                                     amount_fen=points * 100)
    return members.get_member(db, actor, view.id)


NAMES = ["马克杯", "¥50无门槛券", "洗车服务", "保温杯", "帆布袋", "电影票", "蓝牙音箱", "雨伞", "咖啡券",
         "毛巾礼盒", "充电宝", "抽纸", "大米5kg", "食用油", "牙膏套装", "儿童绘本"]
CATEGORIES = ["生活用品", "优惠券", "服务", "数码", "食品", "图书"]


def bulk_items(db: Database, count: int, *, pictures: bool = True, picture_size: int = 64) -> list[uuid.UUID]:
    """Insert ``count`` items quickly, each with its own small picture (distinct content)."""
    actor = system_actor(db)
    now = utc_now()
    items: list[dict[str, object]] = []
    images: list[dict[str, object]] = []
    stock: list[dict[str, object]] = []
    for n in range(count):
        image_id = None
        if pictures:
            data = picture(n / 97.0, n, picture_size)
            image_id = new_id()
            images.append(dict(id=image_id, data=data, mime="image/png", width=picture_size, height=picture_size,
                               sha256=hashlib.sha256(data).hexdigest(), created_at=now))
        unlimited = n % 4 == 0
        item_id = new_id()
        qty = 0 if unlimited else 5 + n % 50
        items.append(dict(id=item_id, sku=f"BULK-{n:05d}", name=f"{NAMES[n % len(NAMES)]} {n}",
                          description="", category=CATEGORIES[n % len(CATEGORIES)], kind="goods",
                          price_points=100 + (n * 37) % 5000, cash_fen=990 if n % 7 == 0 else 0,
                          face_value_fen=None, validity_days=None, unlimited=unlimited, stock=qty,
                          last_stock_seq=1 if qty else 0, per_order_limit=None, daily_limit=None,
                          member_limit=None, min_tier_rank=2 if n % 11 == 0 else 0, available_from=None,
                          available_until=None, active=True, image_id=image_id, created_at=now, updated_at=now))
        if qty:
            stock.append(dict(id=new_id(), item_id=item_id, seq=1, kind="restock", quantity=qty, stock_after=qty,
                              reason="bulk", redemption_id=None, staff_id=actor.staff_id,
                              store_id=actor.store_id, occurred_at=now))
    with db.write() as session:
        if images:
            session.execute(insert(ItemImage), images)
        session.execute(insert(CatalogItem), items)
        if stock:
            session.execute(insert(StockEntry), stock)
    return [row["id"] for row in items]  # type: ignore[misc]
