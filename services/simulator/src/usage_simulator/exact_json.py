"""JSON responses that write Decimal values as exact JSON numbers.

`json.dumps` knows no Decimal, and going through float could print a different
number than the one computed. Decimals are first encoded as marked strings, then the
marks are swapped for the digits, so `0.0000000375` goes on the wire as written.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["ExactJSONResponse", "decimal_text"]

_MARK = "\u0000decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def decimal_text(value: Decimal) -> str:
    """Plain positional notation without trailing zeros: `Decimal("1.50E+2")` -> `150`."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite amount")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class ExactJSONResponse(JSONResponse):
    """A JSONResponse that also accepts Decimal values, rendered as exact numbers."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(
            content,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
            default=_mark_decimal,
        )
        return _MARKED.sub(r"\1", text).encode("utf-8")


def _mark_decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return _MARK + decimal_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
