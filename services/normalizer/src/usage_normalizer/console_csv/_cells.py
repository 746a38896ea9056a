"""One CSV row and the readers of its cells; every bad cell names its row and column.

Console exports write numbers, flags and times loosely (`10.0` for a count, `TRUE`,
`≤ 200k`, `2026-03-31 02:00`); the readers here accept exactly those spellings and refuse
everything else with a message a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from usage_common import InvalidPayloadError, parse_instant

__all__ = ["CONTEXT_WINDOWS", "Row", "parse_instant_cell"]

CONTEXT_WINDOWS: Mapping[str, str] = {
    # As the console writes them (with or without spaces, ASCII or not)...
    "≤200k": "0-200k",
    "<=200k": "0-200k",
    ">200k": "200k-1M",
    # ...and as the API writes them.
    "0-200k": "0-200k",
    "200k-1m": "200k-1M",
}
"""Console spelling (spaces removed, lowercased) -> the API's canonical value."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_instant_cell(text: str) -> tuple[datetime, bool]:
    """A UTC date or timestamp cell -> (aware UTC datetime, whether it was a bare date).

    Accepts `2026-08-05`, `2026-03-31 02:00`, `2026-03-31T02:00:00Z` and
    `...+00:00`. A timestamp without an offset is UTC (the column says `_utc`).
    """
    return parse_instant(text), _DATE.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number in the file (the header is line 1) and its cells."""

    number: int
    cells: Mapping[str, str]
    raw: tuple[str, ...]

    def fail(self, column: str, problem: str) -> NoReturn:
        raise InvalidPayloadError(f"row {self.number}, column {column}: {problem}")

    def has(self, column: str) -> bool:
        return column in self.cells

    def text(self, column: str) -> str | None:
        """The cell stripped of blanks; an empty cell or an absent column is None."""
        value = self.cells.get(column, "").strip()
        return value or None

    def required_text(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            self.fail(column, "is empty; a value is required")
        return value

    def count(self, column: str, *, required: bool = True) -> int | None:
        """A whole, non-negative number. `10` and `10.0` are 10; `10.5` is refused."""
        text = self.text(column)
        if text is None:
            if required:
                self.fail(column, "is empty; a count is required")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.fail(column, f"{text!r} is not a number")
        if not value.is_finite() or value != value.to_integral_value():
            self.fail(column, f"{text!r} is not a whole number")
        if value < 0:
            self.fail(column, f"{text!r} is negative")
        return int(value)

    def required_count(self, column: str) -> int:
        value = self.count(column)
        assert value is not None  # count() fails on an empty required cell
        return value

    def decimal(self, column: str, *, required: bool = True) -> Decimal | None:
        """An exact decimal amount, read as written (never through float)."""
        text = self.text(column)
        if text is None:
            if required:
                self.fail(column, "is empty; an amount is required")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.fail(column, f"{text!r} is not a decimal number")
        if not value.is_finite():
            self.fail(column, f"{text!r} is not a finite number")
        return value

    def boolean(self, column: str) -> bool | None:
        """`TRUE`/`FALSE` in any case; empty is None."""
        text = self.text(column)
        if text is None:
            return None
        lowered = text.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        self.fail(column, f"{text!r} is not TRUE or FALSE")

    def context_window(self, column: str) -> str | None:
        """`≤ 200k` -> `0-200k`, `> 200k` -> `200k-1M` (the API's values)."""
        text = self.text(column)
        if text is None:
            return None
        canonical = CONTEXT_WINDOWS.get(re.sub(r"\s+", "", text).lower())
        if canonical is None:
            known = "'≤ 200k', '> 200k', '0-200k', '200k-1M'"
            self.fail(column, f"{text!r} is not a known context window ({known})")
        return canonical

    def instant(self, column: str) -> tuple[datetime, bool]:
        text = self.required_text(column)
        try:
            return parse_instant_cell(text)
        except ValueError:
            self.fail(column, f"{text!r} is not a UTC date (YYYY-MM-DD) or timestamp")

    def epoch(self, column: str) -> datetime:
        """Unix seconds (`1759622400` or `1759622400.0`) as an aware UTC datetime."""
        seconds = self.required_count(column)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            self.fail(column, f"{seconds} is not a usable Unix time")
