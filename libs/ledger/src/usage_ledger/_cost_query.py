"""Reported cost: what the provider's cost reports (and cost CSVs) say was billed.

The money of record, from `cost_events`, summed exactly (numeric) and grouped by the same
names as `report`'s `--by` where the cost table has the column. Usage rows carry only
estimates (`usage_events.cost_usd`, what `report` sums); this is the other side.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from usage_common import ConfigError

from ._report_query import REPORT_DIMENSIONS

__all__ = ["COST_DIMENSIONS", "fetch_reported_cost"]

COST_DIMENSIONS: tuple[str, ...] = tuple(
    name
    for name in REPORT_DIMENSIONS
    # cost lines have no usage type, user or batch flag
    if name not in ("usage_type", "user", "batch")
)


async def fetch_reported_cost(
    conn: asyncpg.Connection,
    since: datetime | None,
    until: datetime | None,
    by: tuple[str, ...],
) -> list[dict[str, Any]]:
    """One dict per group: the `by` keys, `cost_usd` (Decimal) and `lines` (cost rows),
    over cost lines whose `window_start` is in [since, until). Raises ConfigError on a
    name the cost table cannot be grouped by."""
    unknown = [b for b in by if b not in COST_DIMENSIONS]
    if unknown:
        raise ConfigError(
            f"cannot group reported cost by {', '.join(unknown)};"
            f" choose from {', '.join(COST_DIMENSIONS)}"
        )
    clauses: list[str] = []
    args: list[Any] = []
    for op, value in ((">=", since), ("<", until)):
        if value is not None:
            args.append(value)
            clauses.append(f"window_start {op} ${len(args)}")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    keys = [f"{REPORT_DIMENSIONS[b]} AS {b}" for b in by]
    positions = ", ".join(str(i) for i in range(1, len(by) + 1))
    tail = f" GROUP BY {positions} ORDER BY {positions}" if by else ""
    rows = await conn.fetch(
        f"SELECT {', '.join([*keys, 'sum(cost_usd) AS cost_usd', 'count(*) AS lines'])}"
        f" FROM cost_events{where}{tail}",
        *args,
    )
    return [dict(r) for r in rows if r["lines"]]
