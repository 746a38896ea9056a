"""Text of the page: escaping and the one way each kind of number is written.

Everything that comes from the database or the request (model names, error messages,
ids) is passed through `esc` where it is put into HTML or SVG; the fragments the other
modules build are HTML already and are never escaped twice. Money is shown with four
decimals, as `report`'s table does, and carried exactly in a `<data value>` beside it,
so a reader (or a test) gets the Decimal the ledger summed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "Number",
    "age",
    "cost_cell",
    "count_cell",
    "data",
    "esc",
    "money",
    "number",
    "provider_names",
    "token_text",
    "total",
    "usd_text",
    "when",
]

Number = Decimal | int


def esc(value: object) -> str:
    """Text and attribute values: `& < > " '` escaped."""
    return html.escape(str(value), quote=True)


def number(value: int) -> str:
    return f"{value:,}"


def money(value: Decimal | None) -> str:
    if value is None:
        return "no price"
    return f"-${-value:,.4f}" if value < 0 else f"${value:,.4f}"


def data(value: Decimal | int | None, shown: str) -> str:
    """`shown` for people, the exact value for machines (empty when unknown)."""
    exact = "" if value is None else str(value)
    return f'<data value="{esc(exact)}">{esc(shown)}</data>'


def when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def age(value: datetime | None, now: datetime) -> str:
    """How long ago, in the largest unit that keeps it short ("3 h 20 min", "2 d 4 h")."""
    if value is None:
        return "never"
    left = now - value
    if left < timedelta(0):
        return "in the future"
    minutes = int(left.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def cost_cell(value: Decimal | None) -> str:
    return data(value, money(value))


def count_cell(value: int) -> str:
    return data(value, number(value))


def usd_text(value: Number) -> str:
    return money(Decimal(value))


def token_text(value: Number) -> str:
    return f"{number(int(value))} tokens"


def provider_names(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({r["provider"] for r in rows})


def total(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the known amounts; None when none is known (never a made-up 0)."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None
