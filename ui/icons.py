"""Icons and badge images shipped in ``assets``."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap


def asset(*parts: str) -> Path:
    return Path(str(resources.files("assets").joinpath(*parts)))


def icon(name: str) -> QIcon:
    for ext in ("svg", "png"):
        path = asset("icons", f"{name}.{ext}")
        if path.exists():
            return QIcon(str(path))
    return QIcon()


def app_icon() -> QIcon:
    return icon("app")


def badge(name: str, size: int = 48) -> QPixmap:
    path = asset("badges", f"{name}.png")
    pixmap = QPixmap(str(path)) if path.exists() else QPixmap()
    return pixmap.scaled(size, size) if not pixmap.isNull() else pixmap
