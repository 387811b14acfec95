"""What changed, announced so that open views refresh themselves."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Changes(QObject):
    member_changed = Signal(object)  # uuid.UUID of the member whose points, tier or details changed
    member_selected = Signal(object)  # uuid.UUID of the member the counter is serving now (the mall follows it)
    catalog_changed = Signal()  # items, images or stock changed
    members_changed = Signal()  # members were added (the members table recounts)
    settings_changed = Signal()  # tiers, rules, campaigns or staff changed
    language_changed = Signal(str)  # the interface language was switched: the main window rebuilds itself
