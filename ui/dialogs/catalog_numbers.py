"""Reading the numbers an operator types into catalog forms: pieces, points, days and yuan.

Only the reading is done here (full-width digits from a Chinese IME, thousands
separators, an empty field); whether a number is allowed is the core's
rule (``catalog.validate_draft``, ``catalog.record_stock``). Yuan become
integer fen digit by digit through ``parse_yuan``, never through float.
"""
from __future__ import annotations

import unicodedata

from ..widgets.amount_field import AmountError, AmountProblem, parse_yuan

MAX_DIGITS = 9


class NotANumber(ValueError):
    """The text is not a number of the kind the field takes."""


def parse_whole(text: str, *, signed: bool = False) -> int | None:
    """"1,000", "１０", "+5" (and "-5", "−5" when ``signed``) as an int; None for an empty field."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace("−", "-").replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned[1:] if cleaned[0] in "+-" else cleaned
    if not digits.isdigit() or not digits.isascii() or len(digits) > MAX_DIGITS or (sign < 0 and not signed):
        raise NotANumber(text)
    return sign * int(digits)


def parse_fen(text: str) -> int | None:
    """Yuan to fen: "50" -> 5000, "12.5" -> 1250, "0" -> 0; None for an empty field."""
    try:
        return parse_yuan(text)
    except AmountError as exc:
        if exc.problem is AmountProblem.EMPTY:
            return None
        if exc.problem is AmountProblem.ZERO:
            return 0
        raise NotANumber(text) from None
