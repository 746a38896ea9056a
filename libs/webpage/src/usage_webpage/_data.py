"""Everything one view of the page needs, read in one go.

The numbers come from the ledger's own functions, so they are `report`'s: usage summed by
`fetch_report` (by provider, by provider and day, by provider and model, with the same
refusal of mixed bucket widths), reported cost by `fetch_reported_cost`, freshness by
`fetch_freshness`. The ingestion runs come from the `RunsReader` the caller passes (the
fetcher's state, what `usage-pipeline runs` prints), because this package sits below the
services and does not import them.

Execution of `load_page_data`: one connection -> are the tables there -> freshness (whose
newest bucket fixes the default window) -> the three usage sums -> reported cost -> close
-> the runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from usage_common import ConfigError, utc_now
from usage_ledger import (
    Freshness,
    ReportQuery,
    fetch_freshness,
    fetch_report,
    fetch_reported_cost,
)

from ._query import PageQuery

__all__ = ["RUNS_SHOWN", "PageData", "RunsReader", "load_page_data"]

RUNS_SHOWN = 20

RunsReader = Callable[[int], Awaitable[list[dict[str, Any]]]]
"""The last N ingestion runs, oldest first, as `FetchState.runs` returns them."""

Rows = list[dict[str, Any]]

NO_TABLES = "the database has no pipeline tables yet: run `usage-pipeline migrate` first"


@dataclass(frozen=True)
class PageData:
    """One view: the window, `report`'s rows three ways, reported cost by provider and
    day, freshness, the last runs. `refused` says why the usage rows are empty when the
    ledger refused to sum them (several bucket widths) or the schema is missing."""

    query: PageQuery
    since: datetime
    until: datetime
    generated_at: datetime
    by_provider: Rows = field(default_factory=list)
    by_day: Rows = field(default_factory=list)
    by_model: Rows = field(default_factory=list)
    reported: Rows = field(default_factory=list)
    freshness: list[Freshness] = field(default_factory=list)
    runs: Rows = field(default_factory=list)
    refused: str | None = None


async def load_page_data(
    url: str,
    query: PageQuery,
    runs: RunsReader | None,
    now: Callable[[], datetime] = utc_now,
) -> PageData:
    """Read one view. Connection and query failures propagate (asyncpg / OS errors)."""
    generated = now()
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetchval(
            "SELECT to_regclass('usage_events') IS NOT NULL"
            " AND to_regclass('cost_events') IS NOT NULL"
        )
        if not tables:
            since, until = query.window(None, generated)
            return PageData(query, since, until, generated, refused=NO_TABLES)
        freshness = await fetch_freshness(conn)
        newest = max((f.newest_window_start for f in freshness if f.kind != "cost"), default=None)
        since, until = query.window(newest, generated)
        sums: dict[tuple[str, ...], Rows] = {}
        refused = None
        try:
            for by in (("provider",), ("provider", "day"), ("provider", "model")):
                sums[by] = await fetch_report(
                    conn, ReportQuery(since, until, by, query.bucket_width)
                )
        except ConfigError as exc:
            refused, sums = f"{exc} Here: choose a bucket width in the form above.", {}
        reported = await fetch_reported_cost(conn, since, until, ("provider", "day"))
    finally:
        await conn.close()
    return PageData(
        query,
        since,
        until,
        generated,
        by_provider=sums.get(("provider",), []),
        by_day=sums.get(("provider", "day"), []),
        by_model=sums.get(("provider", "model"), []),
        reported=reported,
        freshness=freshness,
        runs=await runs(RUNS_SHOWN) if runs else [],
        refused=refused,
    )
