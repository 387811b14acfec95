"""Who the mall (or the games page) is serving: name, phone, tier and balance, or a browsing notice.

The balance is marked when it includes points head office has not confirmed
(``pending_points``), and a hold that keeps the member from redeeming and
spinning is said under the strip (``member_holds``), before the cashier tries.
"""
from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pointsmall.members import MemberView
from pointsmall.reviews import Hold

from .. import i18n
from .member_holds import hold_words
from .pending_points import PendingPoints, pending_note
from .tier_badge import TierBadge, tier_colour, tier_name


class MallMemberStrip(QFrame):
    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mallMember")
        self.language = language
        self.member: MemberView | None = None
        self.badge = TierBadge(36)
        self.name = QLabel(objectName="mallMemberName")
        self.phone = QLabel(objectName="mallMemberPhone")
        self.tier = QLabel(objectName="mallMemberTier")
        self.balance_caption = QLabel(self.tr("Points balance"), objectName="mallBalanceCaption")
        self.balance = QLabel(objectName="mallMemberBalance")
        self.balance.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.balance_caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.pending_mark = QLabel(objectName="mallPendingMark")
        self.pending_mark.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.pending_mark.setStyleSheet("QLabel#mallPendingMark { font-size: 13px; font-weight: 600; color: #B45309;"
                                        " padding-bottom: 5px; }")
        self.pending_mark.hide()
        self.pending = PendingPoints(self)  # unconfirmed points in the balance (offline-capable store)
        self.pending.known.connect(self.show_pending)
        self.hold = QLabel(objectName="mallMemberHold")
        self.hold.setWordWrap(True)
        self.hold.setStyleSheet("QLabel#mallMemberHold { background: #FDECEA; color: #9B2C2C; border: 1px solid #F5C2BE;"
                                " border-radius: 8px; padding: 6px 10px; font-size: 13px; font-weight: 600; }")
        self.hold.hide()
        self.holds: list[Hold] = []
        self.holds_for: uuid.UUID | None = None  # the member the holds shown are about
        self.browsing = QLabel(self.tr("No member — browsing the catalog. Find the member at the counter to redeem."),
                               objectName="mallBrowsing")
        self.browsing.setWordWrap(True)

        who = QVBoxLayout()
        who.setSpacing(0)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.name)
        top.addWidget(self.tier)
        top.addStretch(1)
        who.addLayout(top)
        who.addWidget(self.phone)
        money = QVBoxLayout()
        money.setSpacing(0)
        money.addWidget(self.balance_caption)
        figures = QHBoxLayout()  # the mark beside the balance: the strip stays one line tall
        figures.setSpacing(6)
        figures.addStretch(1)
        figures.addWidget(self.pending_mark, 0, Qt.AlignmentFlag.AlignBottom)
        figures.addWidget(self.balance)
        money.addLayout(figures)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.browsing, 1)
        row.addWidget(self.badge)
        row.addLayout(who, 1)
        row.addLayout(money)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 6, 18, 6)
        layout.setSpacing(6)
        layout.addLayout(row)
        layout.addWidget(self.hold)
        self._row = row
        self._who = who
        self.show_member(None)

    def show_member(self, member: MemberView | None) -> None:
        """Who is served; holds shown for another member are cleared (``show_holds`` brings them back)."""
        if member is None or member.id != self.holds_for:
            self.show_holds(None, [])
        self.member = member
        serving = member is not None
        for widget in (self.badge, self.name, self.phone, self.tier, self.balance_caption, self.balance):
            widget.setVisible(serving)
        self.browsing.setVisible(not serving)
        self._row.setStretchFactor(self._who, 1 if serving else 0)
        self.setProperty("serving", serving)
        self.style().unpolish(self)
        self.style().polish(self)
        self.pending.follow(member.id if member is not None else None)
        if member is None:
            return
        self.badge.set_tier(member.tier)
        self.name.setText(member.name)
        self.phone.setText(member.phone)
        colour = tier_colour(member.tier)
        self.tier.setText(tier_name(member.tier, self.language))
        self.tier.setStyleSheet(f"QLabel#mallMemberTier {{ background: {colour.name()}; color: white; }}")
        self.balance.setText(i18n.points(member.balance))

    def show_pending(self, pending: int) -> None:
        """Mark a balance that includes points HQ has not confirmed: "（含待同步 +50）" beside it."""
        self.pending_mark.setText(pending_note(pending))
        self.pending_mark.setVisible(bool(pending) and self.member is not None)

    def show_holds(self, member_id: uuid.UUID | None, holds: list[Hold]) -> None:
        """Say why ``member_id``'s redeeming and spinning wait, when an open review case blocks them.

        Read apart from the member (it may arrive first): kept for that member, cleared for another.
        """
        self.holds_for, self.holds = member_id, list(holds)
        words = hold_words(self.holds)
        self.hold.setText(words)
        self.hold.setVisible(bool(words))
