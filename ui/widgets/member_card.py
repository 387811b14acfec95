"""The member at a glance: who, which tier, how many points, what is next.

Shows a ``MemberView`` as the counter needs it: name, masked phone and card,
the tier badge and name in the tier's colour, the balance in large digits,
progress to the next tier, the tier's benefits, the next points to expire,
and review or frozen warnings where they cannot be missed.
"""
from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pointsmall.members import MemberView

from .. import i18n
from .pending_points import Lookup, PendingPoints, points_unit
from .tier_badge import TierBadge, tier_benefits, tier_colour, tier_name
from .tier_progress import TierProgressView


def _label(name: str, wrap: bool = False) -> QLabel:
    label = QLabel(objectName=name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label


class MemberCard(QFrame):
    # Set by the app on an offline-capable store: the member's points HQ has not confirmed yet.
    # Every balance on screen is marked through it (``pending_points.store_lookup``).
    pending_lookup: ClassVar[Lookup | None] = None

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberCard")
        self.language = language
        self.member: MemberView | None = None
        self.badge = TierBadge(56)
        self.name = _label("memberName")
        self.phone = _label("memberPhone")
        self.tier_name = _label("tierName")
        self.warning = _label("memberWarning", wrap=True)
        self.warning.hide()
        self.balance_caption = _label("balanceCaption")
        self.balance_caption.setText(self.tr("Points balance"))
        self.balance = _label("memberBalance")
        self.balance_unit = _label("balanceUnit")
        self.balance_unit.setText(points_unit(0))
        self.pending = PendingPoints(self)  # unconfirmed points in the balance (offline-capable store)
        self.pending.known.connect(self.show_pending)
        self.progress = TierProgressView(language)
        self.benefits_caption = _label("benefitsCaption")
        self.benefits = _label("tierBenefits", wrap=True)
        self.expiring = _label("memberExpiring", wrap=True)

        self.growth = _label("memberGrowth", wrap=True)

        self.header = QFrame(objectName="cardHeader")
        head = QHBoxLayout(self.header)
        head.setContentsMargins(20, 18, 20, 16)
        head.setSpacing(12)
        head.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        who = QVBoxLayout()
        who.setSpacing(4)
        who.addWidget(self.name)
        who.addWidget(self.phone)
        head.addLayout(who, 1)
        head.addWidget(self.tier_name, 0, Qt.AlignmentFlag.AlignTop)

        balance_row = QHBoxLayout()
        balance_row.setSpacing(8)
        balance_row.addWidget(self.balance, 0, Qt.AlignmentFlag.AlignBottom)
        balance_row.addWidget(self.balance_unit, 0, Qt.AlignmentFlag.AlignBottom)
        balance_row.addStretch(1)

        body = QVBoxLayout()
        body.setContentsMargins(24, 12, 24, 20)
        body.setSpacing(8)
        body.addWidget(self.warning)
        body.addWidget(self.balance_caption)
        body.addLayout(balance_row)
        body.addWidget(self.progress)
        body.addWidget(self.growth)
        body.addSpacing(8)
        body.addWidget(_divider())
        body.addSpacing(4)
        body.addWidget(self.benefits_caption)
        body.addWidget(self.benefits)
        body.addSpacing(4)
        body.addWidget(self.expiring)
        body.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addLayout(body, 1)

    def show_member(self, member: MemberView) -> None:
        self.member = member
        tier = member.tier
        colour = tier_colour(tier)
        tint = QColor(colour)
        tint.setAlpha(40)
        self.setStyleSheet(
            f"QFrame#cardHeader {{ background: {_rgba(tint)}; border: none;"
            f" border-bottom: 3px solid {colour.name()};"
            " border-top-left-radius: 15px; border-top-right-radius: 15px; }"
            f"QLabel#tierName {{ background: {colour.name()}; color: {_ink(colour)}; }}")
        self.badge.set_tier(tier)
        self.name.setText(member.name)
        self.phone.setText(self.tr("{phone} · card {card}").format(phone=member.phone, card=member.card_code))
        self.tier_name.setText(tier_name(tier, self.language))
        self.balance.setText(i18n.points(member.balance))
        self.balance.setProperty("negative", member.balance < 0)
        self.balance.style().unpolish(self.balance)
        self.balance.style().polish(self.balance)
        self.balance_unit.setText(points_unit(0))
        self.pending.follow(member.id)
        self.progress.show_progress(member.progress, member.manual_tier_reason)
        self.growth.setText(self.growth_words(member))
        # A merged account grows no more: no way to the next tier to show.
        self.progress.setVisible(member.merged_into is None)
        self.growth.setVisible(member.merged_into is None)
        self.benefits_caption.setText(self.tr("{tier} benefits").format(tier=tier_name(tier, self.language)))
        self.benefits.setText(tier_benefits(tier, self.language) or self.tr("None"))
        if member.expiring is not None:
            self.expiring.setText(self.tr("{points} points expire on {date}").format(
                points=i18n.points(member.expiring.points), date=i18n.day(member.expiring.expires_on)))
        else:
            self.expiring.setText(self.tr("No points waiting to expire"))
        warnings = self.warnings(member)
        self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(warnings))

    def show_pending(self, pending: int) -> None:
        """Mark a balance that includes local entries HQ has not confirmed: "1,200 积分（含待同步 +50）"."""
        self.balance_unit.setText(points_unit(pending))

    def growth_words(self, member: MemberView) -> str:
        progress = member.progress
        if progress.basis == "points":
            growth = self.tr("Growth value: {points} points earned recently").format(
                points=i18n.points(progress.growth))
        else:
            growth = self.tr("Growth value: {amount} spent recently").format(amount=i18n.money(progress.growth))
        since = self.tr("member since {date}").format(date=i18n.day(member.joined_on))
        return f"{growth} · {since}"

    def warnings(self, member: MemberView) -> list[str]:
        found = []
        if member.merged_into is not None:
            found.append(self.tr("Merged into {name} (card {card}): use that account.").format(
                name=member.merged_into.name, card=member.merged_into.card_code))
        elif member.status == "frozen":
            found.append(self.tr("Account frozen: points cannot be earned or spent."))
        elif member.status != "active":
            found.append(self.tr("Account status: {status}").format(status=member.status))
        if member.needs_review:
            found.append(self.tr("Flagged for review: {reason}").format(
                reason=member.review_reason or self.tr("no reason given")))
        return found


def _divider() -> QFrame:
    line = QFrame(objectName="cardDivider")
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFixedHeight(1)
    return line


def _rgba(colour: QColor) -> str:
    return f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, {colour.alpha()})"


def _ink(colour: QColor) -> str:
    """White or near-black text, whichever reads better on ``colour``."""
    r, g, b = colour.red(), colour.green(), colour.blue()
    return "#1F2430" if (0.299 * r + 0.587 * g + 0.114 * b) > 170 else "#FFFFFF"
