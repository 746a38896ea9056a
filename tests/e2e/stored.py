"""What the database holds, read directly, for tests that must see it unchanged or restored."""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg

# (table, the column a purge window selects on), written out here rather than imported, so
# the tests check the schema the README documents and not the code's own idea of it.
EVENT_TABLES = (
    ("usage_events", "window_start"),
    ("cost_events", "window_start"),
    ("claude_code_usage", "day_start"),
)

# When a row was written, not what it says: a re-fetch changes these and nothing else.
WRITE_TIMES = ("fetched_at", "inserted_at", "updated_at")


async def contents(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every event table, without its write times, ordered by key."""
    conn = await asyncpg.connect(url)
    try:
        found = {}
        for table, _ in EVENT_TABLES:
            rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY dedupe_key")
            found[table] = [{k: v for k, v in r.items() if k not in WRITE_TIMES} for r in rows]
        return found
    finally:
        await conn.close()


async def everything(url: str) -> dict[str, Any]:
    """Every table in the public schema (partitions included) with all its rows and
    columns: what a dry run must leave exactly as it found it."""
    conn = await asyncpg.connect(url)
    try:
        names = [
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
            )
        ]
        found: dict[str, Any] = {"tables": names}
        for name in names:
            found[name] = [dict(r) for r in await conn.fetch(f"SELECT * FROM {name} ORDER BY 1")]
        return found
    finally:
        await conn.close()


async def row_counts(url: str) -> Counter[tuple[str, str, str, str, str]]:
    """Rows per (table, provider, organization, source, UTC day of the period start)."""
    conn = await asyncpg.connect(url)
    found: Counter[tuple[str, str, str, str, str]] = Counter()
    try:
        for table, column in EVENT_TABLES:
            for r in await conn.fetch(
                f"SELECT provider, organization_id, source, {column}::date::text"
                f" AS day, count(*) AS n FROM {table} GROUP BY 1, 2, 3, 4"
            ):
                key = (table, r["provider"], r["organization_id"], r["source"], r["day"])
                found[key] = r["n"]
    finally:
        await conn.close()
    return found
