"""Catalog items in words: kinds, prices, stock, limits, tiers and windows.

Shared by the catalog table, the stock panel and the item editor so that an
item reads the same everywhere. Money and numbers go through ``ui.i18n``;
dates are shown in the store's timezone, where the operator set them.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from pointsmall.catalog import ItemKind, ItemView, StockKind
from pointsmall.clock import zone
from pointsmall.tiers import TierView

from .. import i18n

def kind_names() -> dict[str, str]:
    return {
        ItemKind.GOODS.value: QCoreApplication.translate("CatalogWords", "Goods"),
        ItemKind.COUPON.value: QCoreApplication.translate("CatalogWords", "Coupon"),
        ItemKind.SERVICE.value: QCoreApplication.translate("CatalogWords", "Service"),
    }


def kind_text(item: ItemView) -> str:
    name = kind_names().get(item.kind, item.kind)
    if item.kind == ItemKind.COUPON.value and item.face_value_fen:
        return QCoreApplication.translate("CatalogWords", "{kind} {value}").format(
            kind=name, value=i18n.money_short(item.face_value_fen))
    return name


def price_text(price_points: int, cash_fen: int) -> str:
    text = QCoreApplication.translate("CatalogWords", "{points} pts").format(points=i18n.points(price_points))
    if cash_fen:
        text = QCoreApplication.translate("CatalogWords", "{points} + {cash}").format(
            points=text, cash=i18n.money_short(cash_fen))
    return text


def stock_text(item: ItemView) -> str:
    return QCoreApplication.translate("CatalogWords", "Unlimited") if item.unlimited else i18n.points(item.stock)


def limits_text(item: ItemView) -> str:
    parts = []
    if item.per_order_limit:
        parts.append(QCoreApplication.translate("CatalogWords", "{n}/order").format(n=item.per_order_limit))
    if item.daily_limit:
        parts.append(QCoreApplication.translate("CatalogWords", "{n}/day").format(n=item.daily_limit))
    if item.member_limit:
        parts.append(QCoreApplication.translate("CatalogWords", "{n}/member").format(n=item.member_limit))
    return " · ".join(parts) if parts else "—"


def tier_name(tier: TierView, language: str) -> str:
    # Tier names are operator data in two languages, chosen by the client's language.
    return tier.name_zh if language.startswith("zh") else tier.name_en


def min_tier_text(rank: int, ladder: list[TierView], language: str) -> str:
    if not ladder or rank <= ladder[0].rank:
        return QCoreApplication.translate("CatalogWords", "All members")
    tier = next((t for t in ladder if t.rank == rank), None)
    if tier is None:
        return QCoreApplication.translate("CatalogWords", "Tier {rank}").format(rank=rank)
    return QCoreApplication.translate("CatalogWords", "{tier} and above").format(tier=tier_name(tier, language))


def store_day(value: datetime, tz_name: str) -> str:
    return i18n.day(value.astimezone(zone(tz_name)).date())


def window_text(item: ItemView, tz_name: str) -> str:
    start, end = item.available_from, item.available_until
    if start and end:
        return QCoreApplication.translate("CatalogWords", "{start} –\n{end}").format(
            start=store_day(start, tz_name), end=store_day(end, tz_name))
    if start:
        return QCoreApplication.translate("CatalogWords", "From {start}").format(start=store_day(start, tz_name))
    if end:
        return QCoreApplication.translate("CatalogWords", "Until {end}").format(end=store_day(end, tz_name))
    return QCoreApplication.translate("CatalogWords", "Always")


def active_text(active: bool) -> str:
    return QCoreApplication.translate("CatalogWords", "On sale") if active else \
        QCoreApplication.translate("CatalogWords", "Off")


def stock_kind_names() -> dict[str, str]:
    return {
        StockKind.RESTOCK.value: QCoreApplication.translate("CatalogWords", "Restock"),
        StockKind.WRITE_OFF.value: QCoreApplication.translate("CatalogWords", "Write-off"),
        StockKind.CORRECTION.value: QCoreApplication.translate("CatalogWords", "Count correction"),
        StockKind.REDEMPTION.value: QCoreApplication.translate("CatalogWords", "Redemption"),
        StockKind.CANCELLATION.value: QCoreApplication.translate("CatalogWords", "Cancelled redemption"),
    }


def signed(quantity: int) -> str:
    return ("+" if quantity > 0 else "−" if quantity < 0 else "") + i18n.points(abs(quantity))
