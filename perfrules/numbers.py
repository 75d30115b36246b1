"""Decimal helpers shared by the evaluator and the renderers."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional


def fmt(value: Optional[Decimal]) -> str:
    """A decimal as plain text, without exponent and without trailing zeros after the point."""
    if value is None:
        return "—"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_LONG = re.compile(r"([+-]?\d+)\.(\d+)")


def shorten(text: str, digits: int = 6) -> str:
    """For display only: numbers with more than six decimals (e.g. a division's 40 digits) as ≈ six."""
    def repl(mt: re.Match) -> str:
        if len(mt.group(2)) <= digits:
            return mt.group(0)
        value = Decimal(mt.group(0)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return "≈" + ("+" if mt.group(0).startswith("+") else "") + fmt(value)
    return _LONG.sub(repl, text)
