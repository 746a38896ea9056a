"""`usage-pipeline report`: token and cost totals from PostgreSQL.

Sums are exact: integers from bigint sums, money from numeric, never floats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from usage_common import USAGE_MEASURES, ConfigError

__all__ = [
    "DIMENSIONS",
    "ReportQuery",
    "fetch_report",
    "refuse_mixed_widths",
    "render_json",
    "render_table",
]

# --by name -> SQL expression. Names are what users type and what the JSON carries.
DIMENSIONS: dict[str, str] = {
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
    since: datetime | None
    until: datetime | None
    by: tuple[str, ...]
    bucket_width: str | None = None

    def __post_init__(self) -> None:
        unknown = [b for b in self.by if b not in DIMENSIONS]
        if unknown:
            raise ConfigError(
                f"unknown --by {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}"
            )


async def refuse_mixed_widths(conn: asyncpg.Connection, where: str, args: list[Any]) -> None:
    """The same usage at two bucket widths would be counted twice: refuse to guess."""
    mixed = await conn.fetch(
        "SELECT provider, usage_type, array_agg(DISTINCT bucket_width ORDER BY bucket_width)"
        f" AS widths FROM usage_events{where} GROUP BY provider, usage_type"
        " HAVING count(DISTINCT bucket_width) > 1",
        *args,
    )
    if mixed:
        what = "; ".join(
            f"{r['provider']} {r['usage_type']}: {', '.join(r['widths'])}" for r in mixed
        )
        raise ConfigError(
            f"the selection holds several bucket widths ({what}); summing them would count"
            " usage twice. Pass --bucket-width 1m|1h|1d."
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
    where, args = _where(q)
    if not q.bucket_width:
        await refuse_mixed_widths(conn, where, args)
    keys = [f"{DIMENSIONS[b]} AS {b}" for b in q.by]
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


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    cost = out.get("cost_usd")
    out["cost_usd"] = None if cost is None else str(cost)
    return out


def render_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([_jsonable(r) for r in rows], indent=2)


_SHORT = {
    "input_tokens": "input",
    "input_uncached_tokens": "uncached",
    "input_cache_read_tokens": "cache_read",
    "input_cache_write_tokens": "cache_write",
    "input_cache_write_5m_tokens": "write_5m",
    "input_cache_write_1h_tokens": "write_1h",
    "output_tokens": "output",
    "requests": "requests",
    "web_search_requests": "web_search",
    "cost_usd": "cost_usd",
    "rows_without_cost": "no_cost",
}


def render_table(rows: list[dict[str, Any]], by: tuple[str, ...]) -> str:
    """Aligned columns, thousands separators, a TOTAL line; text left, numbers right."""
    if not rows:
        return "no usage in the selected window"
    measures = [*USAGE_MEASURES, "cost_usd", "rows_without_cost"]
    header = [*by, *(_SHORT[m] for m in measures)]
    total: dict[str, Any] = {m: sum(r[m] for r in rows) for m in USAGE_MEASURES}
    costs = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    total["cost_usd"] = sum(costs, Decimal(0)) if costs else None
    total["rows_without_cost"] = sum(r["rows_without_cost"] for r in rows)

    def cells(row: dict[str, Any], label: list[str]) -> list[str]:
        nums = [f"{row[m]:,}" for m in USAGE_MEASURES]
        cost = row["cost_usd"]
        money = "-" if cost is None else f"{cost:,.4f}"
        return [*label, *nums, money, f"{row['rows_without_cost']:,}"]

    body = [cells(r, ["-" if r[b] is None else str(r[b]) for b in by]) for r in rows]
    foot = cells(total, ["TOTAL", *([""] * (len(by) - 1))] if by else [])
    if not by:
        body, foot = [], cells(total, [])
    widths = [max(len(x[i]) for x in [header, *body, foot]) for i in range(len(header))]
    nkeys = len(by)

    def line(values: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i < nkeys else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(b) for b in body), rule, line(foot)])
