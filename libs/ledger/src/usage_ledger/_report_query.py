"""`report`: token and cost totals from PostgreSQL, grouped by the dimensions asked for.

Sums are exact: integers from bigint sums, money from numeric, never floats. Rendering is
in `_report_render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from usage_common import USAGE_MEASURES, ConfigError

from ._widths import refuse_mixed_widths

__all__ = ["REPORT_DIMENSIONS", "ReportQuery", "fetch_report", "run_report"]

# --by name -> SQL expression. Names are what users type and what the JSON carries.
REPORT_DIMENSIONS: dict[str, str] = {
    "provider": "provider",
    "organization": "organization_id",
    "source": "source",
    "usage_type": "usage_type",
    "bucket_width": "bucket_width",
    "model": "model",
    "project": "project_id",
    "api_key": "api_key_id",
    "user": "user_id",
    "service_tier": "service_tier",
    "batch": "batch::text",
    "context_window": "context_window",
    "inference_geo": "inference_geo",
    "day": "to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "hour": "to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:00\"Z\"')",
    "month": "to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM')",
}


@dataclass(frozen=True)
class ReportQuery:
    """What to sum: rows whose `window_start` is in [since, until) (either bound open when
    None), grouped `by` names of `REPORT_DIMENSIONS`, optionally of one bucket width.

    Raises ConfigError on an unknown dimension.
    """

    since: datetime | None
    until: datetime | None
    by: tuple[str, ...]
    bucket_width: str | None = None

    def __post_init__(self) -> None:
        unknown = [b for b in self.by if b not in REPORT_DIMENSIONS]
        if unknown:
            raise ConfigError(
                f"unknown --by {', '.join(unknown)}; choose from {', '.join(REPORT_DIMENSIONS)}"
            )


def _where(q: ReportQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for op, value in ((">=", q.since), ("<", q.until)):
        if value is not None:
            args.append(value)
            clauses.append(f"window_start {op} ${len(args)}")
    if q.bucket_width:
        args.append(q.bucket_width)
        clauses.append(f"bucket_width = ${len(args)}")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


async def fetch_report(conn: asyncpg.Connection, q: ReportQuery) -> list[dict[str, Any]]:
    """One dict per group: the `by` keys, every usage measure, `cost_usd` (None when no
    row of the group has a cost) and `rows_without_cost`. Raises ConfigError when the
    selection mixes bucket widths and none was chosen."""
    where, args = _where(q)
    if not q.bucket_width:
        await refuse_mixed_widths(conn, where, args)
    keys = [f"{REPORT_DIMENSIONS[b]} AS {b}" for b in q.by]
    sums = [f"coalesce(sum({m}), 0)::bigint AS {m}" for m in USAGE_MEASURES]
    select = ", ".join(
        [
            *keys,
            *sums,
            "sum(cost_usd) AS cost_usd",
            # Rows whose price is unknown (unknown model, unpriced unit): never guessed,
            # so the cost above is incomplete by exactly these rows.
            "count(*) FILTER (WHERE cost_usd IS NULL) AS rows_without_cost",
        ]
    )
    group = f" GROUP BY {', '.join(str(i) for i in range(1, len(q.by) + 1))}" if q.by else ""
    order = f" ORDER BY {', '.join(str(i) for i in range(1, len(q.by) + 1))}" if q.by else ""
    sql = f"SELECT {select} FROM usage_events{where}{group}{order}"
    rows = await conn.fetch(sql, *args)
    if not q.by and rows and rows[0]["rows_without_cost"] == 0 and rows[0]["cost_usd"] is None:
        return []  # no rows at all: an empty report, not one line of zeros
    return [dict(r) for r in rows]


async def run_report(url: str, query: ReportQuery) -> list[dict[str, Any]]:
    """Connect to `url`, sum, close. A database never migrated has nothing to report."""
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('usage_events') IS NOT NULL")
        return await fetch_report(conn, query) if exists else []
    finally:
        await conn.close()
