"""Marking a balance that includes points head office has not confirmed yet ("积分（含待同步 +50）").

On an offline-capable store the balance a cashier sees is the last confirmed
balance plus the till's own entries not yet synced. Every place that shows a
member's balance (the member card, the mall's and the games page's member
strip, the wheel's and the sign-in's words) marks it the same way, through
this module: ``PendingPoints`` looks the pending part up off the GUI thread
for the member shown and hands it to the widget, which words it with
``points_unit`` or ``pending_note``.

The lookup is the store's (``ui/sync_runner.open_store_sync`` sets it, as
``MemberCard.pending_lookup``); without one (standalone or online) nothing is
looked up and nothing is marked.
"""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal

from .. import i18n
from ..tasks import Tasks

Lookup = Callable[[uuid.UUID], Awaitable[int]]

def store_lookup() -> Lookup | None:
    """The store's lookup of a member's unconfirmed points, or None when balances need no mark."""
    from .member_card import MemberCard  # the one hook the store's sync sets (here: no import cycle)

    return MemberCard.pending_lookup


def signed(pending: int) -> str:
    return f"{'+' if pending > 0 else '−'}{i18n.points(abs(pending))}"


def points_unit(pending: int) -> str:
    """The word after a balance: "points", or "points (+50 pending sync)" / "积分（含待同步 +50）"."""
    if not pending:
        return QCoreApplication.translate("PendingPoints", "points")
    return QCoreApplication.translate("PendingPoints", "points ({pending} pending sync)").format(
        pending=signed(pending))


def pending_note(pending: int) -> str:
    """The mark alone, for a balance shown with its own caption: "(+50 pending sync)" / "（含待同步 +50）"."""
    if not pending:
        return ""
    return QCoreApplication.translate("PendingPoints", "({pending} pending sync)").format(pending=signed(pending))


def balance_with_note(balance: str, pending: int) -> str:
    """A balance in running words, marked: "1,200 (+50 pending sync)" / "1,200（含待同步 +50）"."""
    if not pending:
        return balance
    return QCoreApplication.translate("PendingPoints", "{balance} ({pending} pending sync)").format(
        balance=balance, pending=signed(pending))


class PendingPoints(QObject):
    """Follows the member a widget shows and reports their unconfirmed points (``known``).

    ``follow(member_id)`` starts one lookup (cancelling a lookup for a member
    no longer shown); ``known`` is emitted only for the member still followed,
    and 0 is reported at once when there is nothing to follow or no lookup.
    A failed lookup leaves the plain balance (still true, only not marked).
    """

    known = Signal(int)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.member_id: uuid.UUID | None = None
        self.pending = 0
        self._tasks = Tasks(self)  # the lookup under way, cancelled with its widget

    def follow(self, member_id: uuid.UUID | None) -> None:
        self._tasks.cancel("lookup")
        if member_id != self.member_id and self.pending:
            self._report(0)  # another member: never show the previous one's mark meanwhile
        self.member_id = member_id
        lookup = store_lookup()
        if member_id is None or lookup is None:
            self._report(0)
            return
        self._tasks.start("lookup", self._look_up(member_id, lookup))

    async def _look_up(self, member_id: uuid.UUID, lookup: Lookup) -> None:
        try:
            pending = await lookup(member_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (the plain balance stays: still true, only not marked)
            return
        if shiboken6.isValid(self) and self.member_id == member_id:
            self._report(pending)

    def _report(self, pending: int) -> None:
        self.pending = pending
        self.known.emit(pending)
