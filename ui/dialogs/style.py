"""The style sheet shared by the members page and its dialogs (``assets/members.qss``)."""
from __future__ import annotations

from functools import cache

from .. import icons


@cache
def members_style_sheet() -> str:
    path = icons.asset("members.qss")
    return path.read_text(encoding="utf-8") if path.is_file() else ""
