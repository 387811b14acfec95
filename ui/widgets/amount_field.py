"""A purchase amount typed in yuan, turned into integer fen exactly.

The cashier types "128", "128.5" or "1,280.50"; the text is parsed digit by
digit, never through float, so "0.29" is 29 fen and not 28.999…. Anything
that is not a positive amount with at most two decimals is refused with a
reason the field can put into words.
"""
from __future__ import annotations

import enum
import re
import unicodedata

from PySide6.QtWidgets import QLineEdit, QWidget

_AMOUNT_RE = re.compile(r"^(\d*)(?:\.(\d*))?$")
MAX_DIGITS = 12  # far above any purchase; the core refuses amounts above its own limit


class AmountProblem(str, enum.Enum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    TOO_MANY_DECIMALS = "too_many_decimals"
    NEGATIVE = "negative"
    ZERO = "zero"


class AmountError(ValueError):
    def __init__(self, problem: AmountProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


def parse_yuan(text: str) -> int:
    """Fen from a yuan amount: "12.5" -> 1250. Raises ``AmountError``."""
    # NFKC turns full-width digits and points (１２．５, typed with a Chinese IME) into ASCII.
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    cleaned = re.sub(r"[\s,]", "", cleaned).removeprefix("¥").removeprefix("￥").strip()
    if not cleaned:
        raise AmountError(AmountProblem.EMPTY)
    if cleaned.startswith("-"):
        raise AmountError(AmountProblem.NEGATIVE)
    cleaned = cleaned.removeprefix("+")
    match = _AMOUNT_RE.match(cleaned)
    if match is None or not (match.group(1) or match.group(2)):
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    whole, decimals = match.group(1) or "0", match.group(2) or ""
    if len(decimals) > 2:
        raise AmountError(AmountProblem.TOO_MANY_DECIMALS)
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise AmountError(AmountProblem.NOT_A_NUMBER)
    fen = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if fen == 0:
        raise AmountError(AmountProblem.ZERO)
    return fen


class AmountField(QLineEdit):
    """A line edit for yuan that says in words what is wrong with its text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaxLength(20)
        self.setPlaceholderText("0.00")

    def fen(self) -> int:
        return parse_yuan(self.text())

    def problem_text(self, problem: AmountProblem) -> str:
        return {
            AmountProblem.EMPTY: self.tr("Enter the amount of the purchase."),
            AmountProblem.NOT_A_NUMBER: self.tr("The amount is a number of yuan, like 128 or 128.50."),
            AmountProblem.TOO_MANY_DECIMALS: self.tr("The amount has at most two decimals (fen)."),
            AmountProblem.NEGATIVE: self.tr("The amount cannot be negative; refunds are made elsewhere."),
            AmountProblem.ZERO: self.tr("The amount must be more than zero."),
        }[problem]
