"""Freshness: how far each provider's data is complete, read from the data itself.

A bucket is *complete* when it had ended by the time it was fetched (`window_end <=
fetched_at`): later fetches cannot add usage to it, only revisions. The freshness of a
provider's usage type (or of its cost reports) is the end of its newest complete bucket;
the newest `fetched_at` says when anything of it was last fetched. A bucket still open
when fetched (the current hour) counts for `last_fetched_at` but not for freshness.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

__all__ = ["Freshness", "fetch_freshness"]


@dataclass(frozen=True)
class Freshness:
    """One provider x kind of data: a usage type (`messages`, `completions`, ...) or
    `cost` for cost reports. `complete_until` is None when no bucket is complete yet."""

    provider: str
    kind: str
    complete_until: datetime | None
    last_fetched_at: datetime
    newest_window_start: datetime


_SQL = """
SELECT provider, usage_type AS kind,
       max(window_end) FILTER (WHERE window_end <= fetched_at) AS complete_until,
       max(fetched_at) AS last_fetched_at, max(window_start) AS newest_window_start
  FROM usage_events GROUP BY 1, 2
UNION ALL
SELECT provider, 'cost',
       max(window_end) FILTER (WHERE window_end <= fetched_at),
       max(fetched_at), max(window_start)
  FROM cost_events GROUP BY 1
ORDER BY 1, 2
"""


async def fetch_freshness(conn: asyncpg.Connection) -> list[Freshness]:
    """Every provider x kind present, ordered by provider then kind."""
    rows = await conn.fetch(_SQL)
    return [
        Freshness(
            r["provider"],
            r["kind"],
            r["complete_until"],
            r["last_fetched_at"],
            r["newest_window_start"],
        )
        for r in rows
    ]
