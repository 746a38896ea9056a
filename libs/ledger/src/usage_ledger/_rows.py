"""What reconcile reads from PostgreSQL, one dataclass per kind of row.

`_queries` builds them; the split of reported cost (`_split`), the comparison and the
renderers read them. Amounts are Decimal (numeric sums), counts int.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from ._types import Key

__all__ = ["ReportedCost", "Unpriced", "UsageGroup"]

_K = TypeVar("_K")


@dataclass(frozen=True)
class UsageGroup:
    """Usage rows of one day x project x usage type x model, counted for the split.

    `priced_searches` / `unpriced_searches`: rows with `web_search_requests > 0`, with /
    without an estimate; the unpriced ones leave out tiers billed outside the cost report.
    """

    day: date
    project_id: str | None
    usage_type: str
    model: str | None
    priced: int = 0
    unpriced: int = 0
    priced_searches: int = 0
    unpriced_searches: int = 0


@dataclass(frozen=True)
class ReportedCost:
    """Reported cost of one line (description / line item) on one day x project."""

    day: date
    project_id: str | None
    cost_usd: Decimal
    model: str | None = None
    cost_type: str | None = None
    line_item: str | None = None


@dataclass(frozen=True)
class Unpriced:
    """Usage rows without a cost on one day, by usage type and model."""

    day: date
    project_id: str | None
    usage_type: str
    model: str | None
    rows: int


def count_unpriced(groups: Iterable[UsageGroup]) -> tuple[dict[Key, int], list[Unpriced]]:
    """Rows without a cost: counted per (day, project), and listed by type and model."""
    counts: dict[Key, int] = {}
    listed: list[Unpriced] = []
    for g in groups:
        if g.unpriced:
            key = (g.day, g.project_id)
            counts[key] = counts.get(key, 0) + g.unpriced
            listed.append(Unpriced(g.day, g.project_id, g.usage_type, g.model, g.unpriced))
    return counts, listed


def add_amount(sums: dict[_K, Decimal], key: _K, amount: Decimal) -> None:
    sums[key] = sums.get(key, Decimal(0)) + amount
