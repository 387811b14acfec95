"""Turning the core's refusals into words in the cashier's language.

The core raises ``DomainError`` with an English template; this module
translates it. Every template the core can raise is listed below, so Qt's
lupdate collects them; a test keeps this list complete.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from pointsmall.errors import DomainError

CONTEXT = "DomainError"


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        template = QCoreApplication.translate(CONTEXT, exc.template)
        try:
            return template.format(**exc.params)
        except (KeyError, IndexError, ValueError):
            return exc.message
    return QCoreApplication.translate(
        CONTEXT, "Something went wrong and nothing was saved. Please tell the supervisor: {detail}"
    ).format(detail=f"{type(exc).__name__}: {exc}")


TEMPLATES = [
    QT_TRANSLATE_NOOP("DomainError", "Something went wrong and nothing was saved. Please tell the supervisor: {detail}"),
    QT_TRANSLATE_NOOP("DomainError", "The operation was refused."),
    QT_TRANSLATE_NOOP("DomainError", "Nothing was found."),
    QT_TRANSLATE_NOOP("DomainError", "Your role ({role}) may not {action}."),
    QT_TRANSLATE_NOOP("DomainError", "Wrong user name or password."),
    QT_TRANSLATE_NOOP("DomainError", "Too many failed logins: this account is locked for {minutes} more minute(s)."),
    QT_TRANSLATE_NOOP("DomainError", "Not enough points: the balance is {balance}, {needed} more are needed."),
    QT_TRANSLATE_NOOP("DomainError", "Adjustments above {limit} points need a second staff member's approval."),
    QT_TRANSLATE_NOOP("DomainError", "This member's account is frozen; points cannot change."),
    QT_TRANSLATE_NOOP("DomainError", "Unknown timezone: {name}"),
    QT_TRANSLATE_NOOP("DomainError", "A password or PIN needs at least {n} characters."),
    QT_TRANSLATE_NOOP("DomainError", "A user name is 1 to 64 characters without spaces."),
    QT_TRANSLATE_NOOP("DomainError", "That user name is reserved."),
    QT_TRANSLATE_NOOP("DomainError", "Unknown role: {role}"),
    QT_TRANSLATE_NOOP("DomainError", "The user name {username} is taken."),
    QT_TRANSLATE_NOOP("DomainError", "No store with code {store}."),
    QT_TRANSLATE_NOOP("DomainError", "No such staff account."),
    QT_TRANSLATE_NOOP("DomainError", "You cannot remove your own administrator access."),
    QT_TRANSLATE_NOOP("DomainError", "The base rate must be between 0.001 and 100 points per yuan."),
    QT_TRANSLATE_NOOP("DomainError", "Points must expire after 1 to 120 months."),
    QT_TRANSLATE_NOOP("DomainError", "The tier basis is spend or points."),
    QT_TRANSLATE_NOOP("DomainError", "The growth window is 1 to 60 months."),
    QT_TRANSLATE_NOOP("DomainError", "The adjustment limit must be 0 to 1,000,000 points."),
    QT_TRANSLATE_NOOP("DomainError", "The largest purchase must be ¥1 to ¥10,000,000."),
    QT_TRANSLATE_NOOP("DomainError", "Unknown setting: {name}"),
    QT_TRANSLATE_NOOP("DomainError", "No such member."),
    QT_TRANSLATE_NOOP("DomainError", "Give a reason for setting the tier by hand."),
    QT_TRANSLATE_NOOP("DomainError", "The end date must not be in the past."),
    QT_TRANSLATE_NOOP("DomainError", "A tier set by hand may last at most 24 months."),
    QT_TRANSLATE_NOOP("DomainError", "No tier called {code}."),
    QT_TRANSLATE_NOOP("DomainError", "The evaluation for {period} ran twice at once."),
    QT_TRANSLATE_NOOP("DomainError", "Unknown tier field: {name}"),
    QT_TRANSLATE_NOOP("DomainError", "A discount is 1 to 100 percent of the price."),
    QT_TRANSLATE_NOOP("DomainError", "A points multiplier is 0.1x to 20x."),
    QT_TRANSLATE_NOOP("DomainError", "Retention must be between 0 and the tier's threshold."),
    QT_TRANSLATE_NOOP("DomainError", "A tier needs a name."),
    QT_TRANSLATE_NOOP("DomainError", "The lowest tier must start at 0."),
    QT_TRANSLATE_NOOP("DomainError", "Each tier must need more growth than the one below it."),
    QT_TRANSLATE_NOOP("DomainError", "A mobile number has 11 digits and starts with 1 (e.g. 138 0013 8000)."),
    QT_TRANSLATE_NOOP("DomainError", "Enter the member's name."),
    QT_TRANSLATE_NOOP("DomainError", "A name has at most {n} characters."),
    QT_TRANSLATE_NOOP("DomainError", "The phone {phone} already belongs to member {name}."),
    QT_TRANSLATE_NOOP("DomainError", "Card {card} already belongs to member {name}."),
    QT_TRANSLATE_NOOP("DomainError", "The birthday is not a plausible date."),
    QT_TRANSLATE_NOOP("DomainError", "A card code has 12 digits with a valid check digit; check for a typo."),
    QT_TRANSLATE_NOOP("DomainError", "That phone or card was registered at another till just now; search for it."),
    QT_TRANSLATE_NOOP("DomainError", "That phone was registered at another till just now."),
    QT_TRANSLATE_NOOP("DomainError", "Give a reason."),
    QT_TRANSLATE_NOOP("DomainError", "Write what was checked."),
    QT_TRANSLATE_NOOP("DomainError", "The balance is still below zero; adjust it before clearing the flag."),
    QT_TRANSLATE_NOOP("DomainError", "A campaign needs a name of at most 64 characters."),
    QT_TRANSLATE_NOOP("DomainError", "The campaign ends before it starts."),
    QT_TRANSLATE_NOOP("DomainError", "A campaign multiplies points by more than 1x and at most 20x."),
    QT_TRANSLATE_NOOP("DomainError", "Unknown tier: {code}"),
    QT_TRANSLATE_NOOP("DomainError", "No such campaign."),
    QT_TRANSLATE_NOOP("DomainError", "A {what} number is 1 to 64 letters, digits or - _ / ."),
    QT_TRANSLATE_NOOP("DomainError", "The amount must be a whole number of fen."),
    QT_TRANSLATE_NOOP("DomainError", "The amount must be more than zero."),
    QT_TRANSLATE_NOOP("DomainError", "¥{amount} is more than one purchase can be (at most ¥{limit}); check the amount."),
    QT_TRANSLATE_NOOP("DomainError", "Receipt {receipt} already earned points ({points}) for another member or amount."),
    QT_TRANSLATE_NOOP("DomainError", "No purchase with receipt {receipt} at this store."),
    QT_TRANSLATE_NOOP("DomainError", "Refund {refund} was already recorded for another receipt or amount."),
    QT_TRANSLATE_NOOP("DomainError", "Only ¥{left} of this receipt is left to refund."),
    QT_TRANSLATE_NOOP("DomainError", "Enter a whole number of points other than zero."),
    QT_TRANSLATE_NOOP("DomainError", "One adjustment is at most {n} points."),
    QT_TRANSLATE_NOOP("DomainError", "Choose a reason category."),
    QT_TRANSLATE_NOOP("DomainError", "Write a note saying why (at least 2 characters)."),
    QT_TRANSLATE_NOOP("DomainError", "The note is at most 500 characters."),
    QT_TRANSLATE_NOOP("DomainError", "This adjustment request was already used for different values."),
    QT_TRANSLATE_NOOP("DomainError", "The approver must be a different staff member."),
]
