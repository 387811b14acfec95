"""Why a member's redeeming and spinning wait: an open review case that blocks them, in a cashier's words.

The core refuses a redemption or a spin while the member has an open case
that blocks redeeming (``reviews.refuse_if_blocked``). The counter shows it
before the cashier tries, from ``reviews.holds``: why it waits (the kind of
case, never the figures a supervisor sees in the queue) and who can lift it.
``hold_refusal`` is what the mall's tiles and the wheel show instead of
letting the cashier try.
"""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from pointsmall.errors import DomainError
from pointsmall.reviews import Hold

# Why, by kind of case: what happened, not what the rule measured.
WHY = {
    "earning_velocity": QT_TRANSLATE_NOOP("MemberHolds", "recent points came in unusually fast and are being checked"),
    "negative_balance": QT_TRANSLATE_NOOP("MemberHolds", "points were taken back and the balance went below zero"),
    "sync_overspend": QT_TRANSLATE_NOOP("MemberHolds", "the same points were spent at two stores while offline"),
    "sync_member_merge": QT_TRANSLATE_NOOP("MemberHolds", "the phone number was registered at two stores"),
    "sync_voucher_code": QT_TRANSLATE_NOOP("MemberHolds", "a voucher code was drawn at two stores and head office "
                                                          "gave one of them a new code"),
}
OTHER_WHY = QT_TRANSLATE_NOOP("MemberHolds", "a supervisor has to check the account first")

# The short refusal a tile or the wheel shows; error_text translates it in the DomainError context.
HOLD_TEMPLATE = QT_TRANSLATE_NOOP("DomainError", "On hold until a supervisor has reviewed this member.")


def blocking(holds: list[Hold]) -> list[Hold]:
    """The holds that keep the member from redeeming and spinning (oldest first, as read)."""
    return [hold for hold in holds if hold.block_redeem]


def hold_reasons(holds: list[Hold]) -> list[str]:
    """Why, once per kind, in the cashier's language."""
    kinds = list(dict.fromkeys(hold.kind for hold in blocking(holds)))
    return [QCoreApplication.translate("MemberHolds", WHY.get(kind, OTHER_WHY)) for kind in kinds]


def hold_words(holds: list[Hold]) -> str:
    """The full explanation for the member strip ("" when nothing blocks)."""
    reasons = hold_reasons(holds)
    if not reasons:
        return ""
    separator = QCoreApplication.translate("MemberHolds", "; ")
    return QCoreApplication.translate(
        "MemberHolds", "On hold: redeeming and spinning wait because {why}. A supervisor lifts the hold in the "
                 "review queue; earning points and signing in still work.").format(why=separator.join(reasons))


def hold_refusal(holds: list[Hold]) -> DomainError | None:
    """The refusal shown where the cashier would redeem or spin, or None when nothing blocks."""
    return DomainError(HOLD_TEMPLATE) if blocking(holds) else None
