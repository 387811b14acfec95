"""A demo catalog for the mall: goods, coupons and services with pictures and stock.

Pictures are drawn with Pillow (simple shapes on the item's colour) so the
demo needs no image files; they go through the same checks as an
operator's upload. Everything is created through the catalog services, as
the system account, so the audit log and the stock entries are real.
"""
from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from . import catalog
from .catalog import ItemDraft, StockKind
from .db import Database
from .staff import Actor

# sku, name, category, kind, points, cash fen, face value fen, validity days, stock (None = unlimited),
# daily limit, minimum tier rank, colour
ITEMS = [
    ("CPN-10", "¥10 无门槛券", "优惠券", "coupon", 200, 0, 1000, 30, None, 2, 0, "#E4572E"),
    ("CPN-50", "¥50 无门槛券", "优惠券", "coupon", 1000, 0, 5000, 30, None, 1, 0, "#E4572E"),
    ("CPN-100", "满500减100券", "优惠券", "coupon", 1500, 0, 10000, 60, None, 1, 1, "#C0392B"),
    ("CPN-COFFEE", "咖啡买一送一券", "优惠券", "coupon", 300, 0, 1800, 14, None, 1, 0, "#8D5B3C"),
    ("MUG-01", "陶瓷马克杯", "家居", "goods", 800, 0, None, None, 40, None, 0, "#4F7CFF"),
    ("TOWEL-01", "纯棉毛巾两条装", "家居", "goods", 600, 0, None, None, 60, None, 0, "#3FA7D6"),
    ("BAG-01", "环保购物袋", "家居", "goods", 150, 0, None, None, 200, 3, 0, "#59CD90"),
    ("UMB-01", "晴雨折叠伞", "家居", "goods", 1200, 990, None, None, 25, None, 0, "#6C5CE7"),
    ("OIL-5L", "花生油 5L", "粮油", "goods", 2500, 2990, None, None, 30, 1, 1, "#F2C14E"),
    ("RICE-5KG", "东北大米 5kg", "粮油", "goods", 1800, 0, None, None, 50, 1, 0, "#EFD9A7"),
    ("EGG-30", "土鸡蛋 30枚", "生鲜", "goods", 900, 0, None, None, 80, 1, 0, "#F4A259"),
    ("MILK-12", "纯牛奶整箱", "生鲜", "goods", 1600, 0, None, None, 40, 1, 0, "#A7C7E7"),
    ("FRUIT-BOX", "精选水果礼盒", "生鲜", "goods", 3500, 0, None, None, 15, 1, 2, "#E76F51"),
    ("HEADSET", "蓝牙耳机", "数码", "goods", 9800, 4900, None, None, 8, 1, 2, "#2D3436"),
    ("POWERBANK", "充电宝 10000mAh", "数码", "goods", 5200, 0, None, None, 12, 1, 1, "#636E72"),
    ("CARWASH", "洗车服务一次", "服务", "service", 700, 0, None, None, None, 1, 0, "#00A8E8"),
    ("HAIRCUT", "理发服务一次", "服务", "service", 1500, 0, None, None, None, 1, 1, "#B56576"),
    ("VIP-LOUNGE", "钻石会员专享下午茶", "服务", "service", 4000, 0, None, None, 20, 1, 3, "#4F7CFF"),
]


def _picture(colour: str, seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 480), colour)
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        x, y, r = rng.randrange(40, 440), rng.randrange(40, 440), rng.randrange(30, 110)
        shade = tuple(min(255, int(colour[i:i + 2], 16) + rng.randrange(30, 90)) for i in (1, 3, 5))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    draw.rounded_rectangle((150, 150, 330, 330), radius=36, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def create_demo_catalog(db: Database, system: Actor) -> int:
    """Create the demo items with pictures and opening stock; returns how many."""
    for n, (sku, name, category, kind, points, cash, face, days, stock, daily, tier, colour) in enumerate(ITEMS):
        draft = ItemDraft(sku=sku, name=name, category=category, kind=kind, price_points=points, cash_fen=cash,
                          face_value_fen=face, validity_days=days, unlimited=stock is None, daily_limit=daily,
                          min_tier_rank=tier, description=f"{name} · 积分商城演示商品")
        item = catalog.save_item(db, system, draft, image=_picture(colour, n))
        if stock:
            catalog.record_stock(db, system, item.id, StockKind.RESTOCK, stock, "演示数据:期初库存")
    return len(ITEMS)
