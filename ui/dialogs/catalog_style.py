"""The style sheet shared by the catalog page and its dialogs (``assets/catalog.qss``)."""
from __future__ import annotations

from functools import cache

from .. import icons


@cache
def catalog_style_sheet() -> str:
    path = icons.asset("catalog.qss")
    return path.read_text(encoding="utf-8") if path.is_file() else ""
