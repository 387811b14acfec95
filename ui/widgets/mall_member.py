"""Who the mall is serving: the member's name, phone, tier and balance, or a browsing notice."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pointsmall.members import MemberView

from .. import i18n
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
        money.addWidget(self.balance)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 18, 6)
        layout.setSpacing(12)
        layout.addWidget(self.browsing, 1)
        layout.addWidget(self.badge)
        layout.addLayout(who, 1)
        layout.addLayout(money)
        self._who = who
        self.show_member(None)

    def show_member(self, member: MemberView | None) -> None:
        self.member = member
        serving = member is not None
        for widget in (self.badge, self.name, self.phone, self.tier, self.balance_caption, self.balance):
            widget.setVisible(serving)
        self.browsing.setVisible(not serving)
        self.layout().setStretchFactor(self._who, 1 if serving else 0)
        self.setProperty("serving", serving)
        self.style().unpolish(self)
        self.style().polish(self)
        if member is None:
            return
        self.badge.set_tier(member.tier)
        self.name.setText(member.name)
        self.phone.setText(member.phone)
        colour = tier_colour(member.tier)
        self.tier.setText(tier_name(member.tier, self.language))
        self.tier.setStyleSheet(f"QLabel#mallMemberTier {{ background: {colour.name()}; color: white; }}")
        self.balance.setText(i18n.points(member.balance))
