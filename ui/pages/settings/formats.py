"""How the settings screen writes and reads tier and rule values.

Discounts are stored as the percent of the price a member pays (95 = 5 %
off); Chinese shoppers read that as 95折 (and 90 as 9折), English ones as
"5% off". Multipliers are thousandths (1500 = 1.5×). Money is integer fen,
parsed from text with Decimal so no float touches it.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, QLocale

from pointsmall.tiers import TierView

from ... import i18n

_MONEY = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def chinese() -> bool:
    return QLocale().language() == QLocale.Language.Chinese


def discount(pct: int) -> str:
    """95 -> "95折" / "5% off"; 90 -> "9折"; 100 -> no discount."""
    if pct >= 100:
        return QCoreApplication.translate("SettingsFormats", "No discount")
    if chinese():
        return f"{pct // 10 if pct % 10 == 0 else pct}折"
    return QCoreApplication.translate("SettingsFormats", "{n}% off").format(n=100 - pct)


def thousandths(value: int) -> str:
    """1500 -> "1.5", 2000 -> "2.0", 1250 -> "1.25", with integer arithmetic."""
    whole, rest = divmod(value, 1000)
    decimals = f"{rest:03d}".rstrip("0") or "0"
    return f"{QLocale().toString(whole)}.{decimals}"


def multiplier(permille: int) -> str:
    """1500 -> "1.5×"."""
    return thousandths(permille) + "×"


def permille(value: float) -> int:
    """A spin box's multiplier (2 decimals at most) as thousandths."""
    return int((Decimal(str(value)) * 1000).to_integral_value())


def growth(value: int, basis: str) -> str:
    """A threshold as money on the spend basis, as points on the points basis."""
    if basis == "spend":
        return i18n.money_short(value)
    return QCoreApplication.translate("SettingsFormats", "{points} points").format(points=i18n.points(value))


def parse_money(text: str) -> int | None:
    """"¥1,000.50" -> 100050 fen; None when it is not an amount."""
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace(",", "").replace(" ", "")
    if not _MONEY.match(cleaned):
        return None
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        return None


def money_input(fen: int) -> str:
    """Fen as text for an input: 100000 -> "1000", 100050 -> "1000.50"."""
    yuan, cents = divmod(fen, 100)
    return f"{yuan}.{cents:02d}" if cents else str(yuan)


def ordinal(n: int) -> str:
    """24 -> "24th" in English; the plain number in Chinese (the translation says 第{nth}个月)."""
    if chinese():
        return str(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_names(names: list[str]) -> str:
    """金卡会员、钻石会员 in Chinese; Gold, Diamond in English."""
    return ("、" if chinese() else ", ").join(names)


def tier_name(tier: TierView, language: str) -> str:
    return tier.name_zh if language == "zh_CN" else tier.name_en


def tier_benefits(tier: TierView, language: str) -> str:
    return tier.benefits_zh if language == "zh_CN" else tier.benefits_en
