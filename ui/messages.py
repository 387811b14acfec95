"""Turning the core's refusals into words in the cashier's language.

The core raises ``DomainError`` with an English template; this module
translates it. Every template the core can raise is listed in the generated
``ui/error_templates.py`` so that Qt's lupdate collects them; a test keeps
that list complete.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from pointsmall.errors import DomainError, PermissionDenied

CONTEXT = "DomainError"


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        template = QCoreApplication.translate(CONTEXT, exc.template)
        params = dict(exc.params)
        if isinstance(exc, PermissionDenied):  # the role and the action are words too
            params["role"] = QCoreApplication.translate("Role", str(params.get("role", "")))
            params["action"] = QCoreApplication.translate("Permission", str(params.get("action", "")))
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return exc.message
    return QCoreApplication.translate(
        CONTEXT, "Something went wrong and nothing was saved. Please tell the supervisor: {detail}"
    ).format(detail=f"{type(exc).__name__}: {exc}")

