"""Editing head office's data is greyed out on an offline store's till (issue 6).

On a store's replica the core refuses every change to what head office
decides (``pointsmall.sync.guard``: the catalog, campaigns, rules, tiers,
games, abuse rules, staff, review decisions, member details): the next sync
would overwrite it. The till says so before anyone fills in a form: the
buttons that would save such a change are disabled, with the refusal's own
words (the same translated template) as their tooltip, and a page can show
them in a banner. Whether the till works on a replica is read once, when the
context is built (``AppContext.replica``).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QLabel, QWidget

from pointsmall.sync.guard import REFUSALS

from .context import AppContext

CONTEXT = "DomainError"  # the refusal's template is translated where every core message is


def reason(ctx: AppContext, area: str) -> str | None:
    """What the till says about ``area`` (a key of ``guard.REFUSALS``) on a replica; None where it can edit."""
    refusal = REFUSALS[area]  # an unknown area is a programming error, online too
    if not ctx.replica:
        return None
    return QCoreApplication.translate(CONTEXT, refusal.template)


class _StayDisabled(QObject):
    """Keeps a widget disabled when the page's own logic (a selection, a loaded row) enables it again."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.EnabledChange and isinstance(watched, QWidget) and watched.isEnabled():
            watched.setEnabled(False)
        return False


def hold_back(ctx: AppContext, area: str, *widgets: QWidget) -> bool:
    """Disable ``widgets`` for good on a replica, saying why in their tooltips; True if it did."""
    text = reason(ctx, area)
    if text is None:
        return False
    for widget in widgets:
        widget.setEnabled(False)
        widget.setToolTip(text)
        widget.setProperty("headOffice", area)
        keeper = _StayDisabled(widget)
        widget.installEventFilter(keeper)
    return True


def banner(ctx: AppContext, area: str, name: str) -> QLabel:
    """A word-wrapped notice saying why ``area`` cannot be edited here; hidden where it can."""
    label = QLabel(objectName=name)
    label.setProperty("hint", True)
    label.setWordWrap(True)
    text = reason(ctx, area)
    label.setText(text or "")
    label.setVisible(text is not None)
    return label
