"""Errors a person at the till can cause, with messages they can act on.

Each error carries an English ``template`` and the values to fill it with.
The desktop client translates the template (see ``ui/messages.py``, which
lists every template so Qt's lupdate can find them); the command line prints
it as is. Nothing here is ever caught and swallowed by the core.
"""
from __future__ import annotations


class DomainError(Exception):
    """A refusal that is the user's to fix, never a crash."""

    template = "The operation was refused."

    def __init__(self, template: str | None = None, **params: object) -> None:
        if template is not None:
            self.template = template
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


class ValidationError(DomainError):
    """Input that can never be right (a negative amount, a mistyped phone)."""

    def __init__(self, template: str, field: str = "", **params: object) -> None:
        self.field = field
        super().__init__(template, **params)


class NotFound(DomainError):
    template = "Nothing was found."


class Conflict(DomainError):
    """The request collides with something already recorded."""


class PermissionDenied(DomainError):
    template = "Your role ({role}) may not {action}."


class AuthenticationFailed(DomainError):
    template = "Wrong user name or password."


class AccountLocked(DomainError):
    template = "Too many failed logins: this account is locked for {minutes} more minute(s)."


class InsufficientPoints(DomainError):
    template = "Not enough points: the balance is {balance}, {needed} more are needed."


class ApprovalRequired(DomainError):
    template = "Adjustments above {limit} points need a second staff member's approval."


class MemberNotActive(DomainError):
    template = "This member's account is frozen; points cannot change."


class MemberMerged(MemberNotActive):
    template = ("This account was merged into another member's account; look the member up again by card or phone "
                "to find it.")


def not_active(status: str) -> MemberNotActive:
    """The refusal for a member whose account is not active: frozen, or merged into another (``merge.py``)."""
    return MemberMerged() if status == "merged" else MemberNotActive()


class UnderReview(DomainError):
    template = ("This member's recent points are being reviewed; redeeming and spinning wait until a supervisor "
                "has decided.")


class IntegrityViolation(RuntimeError):
    """An invariant of the ledger broke. Never shown as a refusal: it stops the operation."""
