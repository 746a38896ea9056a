"""Builders and constants the reconcile tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from usage_ledger import CostSplit, ReconcileQuery, ReportedCost, UsageGroup

D1, D2 = date(2025, 11, 1), date(2025, 11, 2)
SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)
QUERY = ReconcileQuery("anthropic", SINCE, UNTIL)
MONEY = ("cost_usd",)


def usd(cells: dict[tuple[date, str | None], str]) -> dict[Any, dict[str, Any]]:
    return {k: {"cost_usd": Decimal(v)} for k, v in cells.items()}


WS, WS2 = "wrkspc_a", "wrkspc_b"


def group(
    model: str | None,
    project: str | None = WS,
    *,
    usage_type: str = "messages",
    day: date = D1,
    priced: int = 0,
    unpriced: int = 0,
    priced_searches: int = 0,
    unpriced_searches: int = 0,
) -> UsageGroup:
    return UsageGroup(
        day, project, usage_type, model, priced, unpriced, priced_searches, unpriced_searches
    )


def cost(
    amount: str,
    project: str | None = WS,
    day: date = D1,
    *,
    model: str | None = None,
    cost_type: str | None = None,
    line_item: str | None = None,
) -> ReportedCost:
    return ReportedCost(day, project, Decimal(amount), model, cost_type, line_item)


def aside(split: CostSplit) -> list[tuple[Any, ...]]:
    return [(a.project_id, a.line, a.cost_usd, a.reason) for a in split.not_estimable_lines]
