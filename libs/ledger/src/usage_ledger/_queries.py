"""Reconcile's SQL: what it reads from `usage_events` and `cost_events`.

Every query selects one provider, `source = 'admin_api'` (the CSV side comes from the
file, not the database), `window_start` in [since, until), optionally one organization,
and for usage optionally one bucket width; days are UTC days of `window_start`.

Sums are exact: bigint sums for tokens, numeric for money, Decimal in Python.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from usage_common import ConfigError

from ._console_csv import COMPARED_TOKEN_MEASURES
from ._rows import ReportedCost, UsageGroup, add_amount
from ._rules import OUTSIDE_COST_REPORT_TIERS
from ._selection import ReconcileQuery
from ._types import MONEY, Key, Number
from ._widths import refuse_mixed_widths

__all__: list[str] = []

_DAY_SQL = "(window_start AT TIME ZONE 'UTC')::date"


def _where(q: ReconcileQuery, *, usage: bool) -> tuple[str, list[Any]]:
    args: list[Any] = [q.provider, q.since, q.until]
    clauses = ["provider = $1", "source = 'admin_api'", "window_start >= $2", "window_start < $3"]
    if q.organization_id is not None:
        args.append(q.organization_id)
        clauses.append(f"organization_id = ${len(args)}")
    if usage and q.bucket_width is not None:
        args.append(q.bucket_width)
        clauses.append(f"bucket_width = ${len(args)}")
    return " WHERE " + " AND ".join(clauses), args


async def ensure_tables(conn: asyncpg.Connection) -> None:
    """Raises ConfigError when the schema was never migrated."""
    tables = await conn.fetchval(
        "SELECT to_regclass('usage_events') IS NOT NULL AND to_regclass('cost_events') IS NOT NULL"
    )
    if not tables:
        raise ConfigError(
            "the database has no usage_events/cost_events tables;"
            " run `usage-pipeline migrate` first"
        )


async def check_selection(conn: asyncpg.Connection, q: ReconcileQuery, *, csv: bool) -> None:
    """Refuse what would be counted twice: several widths, or several orgs against a CSV."""
    where, args = _where(q, usage=True)
    await refuse_mixed_widths(conn, where, args)
    cost_where, cost_args = _where(q, usage=False)
    widths = await conn.fetchval(
        f"SELECT array_agg(DISTINCT bucket_width) FROM cost_events{cost_where}", *cost_args
    )
    if widths and len(widths) > 1:
        raise ConfigError(
            f"the cost reports in the selection have several bucket widths ({', '.join(widths)})"
        )
    if csv and q.organization_id is None:
        # Without an organization filter the cost parameters ($1-$3) prefix the usage ones.
        orgs = await conn.fetchval(
            "SELECT count(DISTINCT organization_id) FROM (SELECT organization_id FROM"
            f" usage_events{where} UNION SELECT organization_id FROM cost_events{cost_where}) o",
            *args,
        )
        if orgs > 1:
            raise ConfigError(
                f"the database holds {orgs} {q.provider} organizations in this window and a"
                " console export covers one: pass --organization-id"
            )


async def usage_groups(
    conn: asyncpg.Connection, q: ReconcileQuery
) -> tuple[list[UsageGroup], dict[Key, dict[str, Number]]]:
    """Usage counted per day x project x usage type x model (in the order the unpriced
    rows are listed), and the estimated cost per (day, project)."""
    where, args = _where(q, usage=True)
    args.append(list(OUTSIDE_COST_REPORT_TIERS))
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, usage_type, model,"
        " sum(cost_usd) FILTER (WHERE cost_source = 'estimated') AS estimated,"
        " count(*) FILTER (WHERE cost_source = 'estimated') AS priced,"
        " count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced,"
        " count(*) FILTER (WHERE cost_source = 'estimated' AND web_search_requests > 0)"
        " AS priced_searches,"
        " count(*) FILTER (WHERE cost_usd IS NULL AND web_search_requests > 0 AND"
        f" (service_tier IS NULL OR service_tier <> ALL(${len(args)}::text[])))"
        " AS unpriced_searches"
        f" FROM usage_events{where} GROUP BY 1, 2, 3, 4"
        " ORDER BY 1, 2 NULLS FIRST, 3, 4 NULLS FIRST",
        *args,
    )
    groups: list[UsageGroup] = []
    estimated: dict[Key, Decimal] = {}
    for r in rows:
        groups.append(
            UsageGroup(
                r["day"],
                r["project_id"],
                r["usage_type"],
                r["model"],
                r["priced"],
                r["unpriced"],
                r["priced_searches"],
                r["unpriced_searches"],
            )
        )
        if r["estimated"] is not None:
            add_amount(estimated, (r["day"], r["project_id"]), r["estimated"])
    return groups, {k: {MONEY: v} for k, v in estimated.items()}


async def reported_lines(conn: asyncpg.Connection, q: ReconcileQuery) -> list[ReportedCost]:
    """Reported cost per day x project x line (model, cost type, line item)."""
    where, args = _where(q, usage=False)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, model, cost_type, line_item,"
        f" sum(cost_usd) AS amount FROM cost_events{where} GROUP BY 1, 2, 3, 4, 5",
        *args,
    )
    return [
        ReportedCost(
            r["day"], r["project_id"], r["amount"], r["model"], r["cost_type"], r["line_item"]
        )
        for r in rows
    ]


async def token_totals(
    conn: asyncpg.Connection, q: ReconcileQuery, usage_types: set[str]
) -> dict[Key, dict[str, Number]]:
    """The compared token measures per (day, project), over the given usage types."""
    where, args = _where(q, usage=True)
    args.append(sorted(usage_types))
    sums = ", ".join(f"coalesce(sum({m}), 0)::bigint AS {m}" for m in COMPARED_TOKEN_MEASURES)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, {sums} FROM usage_events{where}"
        f" AND usage_type = ANY(${len(args)}::text[]) GROUP BY 1, 2",
        *args,
    )
    return {(r["day"], r["project_id"]): {m: r[m] for m in COMPARED_TOKEN_MEASURES} for r in rows}
