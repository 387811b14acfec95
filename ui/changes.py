"""What changed, announced so that open views refresh themselves."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Changes(QObject):
    member_changed = Signal(object)  # uuid.UUID of the member whose points, tier or details changed
    member_selected = Signal(object)  # uuid.UUID of the member the counter is serving now (the mall follows it)
    catalog_changed = Signal()  # items, images or stock changed
    members_changed = Signal()  # members were added (the members table recounts)
    settings_changed = Signal()  # tiers, rules, campaigns or staff changed
    games_changed = Signal()  # sign-in rules, wheels, tasks or abuse rules changed
    reviews_changed = Signal()  # a review case was opened, approved or rejected (the queue count changes)
    language_changed = Signal(str)  # the interface language was switched: the main window rebuilds itself
