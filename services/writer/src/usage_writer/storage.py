"""PostgreSQL storage for canonical events: one guarded upsert per batch.

`Storage` is the port the sink depends on; `PostgresStorage` is the real adapter and the
only place that knows SQL or asyncpg. asyncpg errors are translated to `StorageError` here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg

from usage_common import UsageEvent, dedupe_key

from .errors import StorageError
from .migrate import Conn, check_schema

__all__ = ["COLUMNS", "PostgresStorage", "Storage", "UpsertStats"]

# (column, array type): the order of the unnest() arguments. Identity and measure columns.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("dedupe_key", "text"),
    ("provider", "text"),
    ("organization_id", "text"),
    ("source", "text"),
    ("usage_type", "text"),
    ("bucket_width", "text"),
    ("window_start", "timestamptz"),
    ("window_end", "timestamptz"),
    ("project_id", "text"),
    ("api_key_id", "text"),
    ("user_id", "text"),
    ("model", "text"),
    ("service_tier", "text"),
    ("batch", "boolean"),
    ("context_window", "text"),
    ("inference_geo", "text"),
    ("dimensions", "jsonb"),
    ("input_tokens", "bigint"),
    ("input_uncached_tokens", "bigint"),
    ("input_cache_read_tokens", "bigint"),
    ("input_cache_write_tokens", "bigint"),
    ("input_cache_write_5m_tokens", "bigint"),
    ("input_cache_write_1h_tokens", "bigint"),
    ("output_tokens", "bigint"),
    ("requests", "bigint"),
    ("web_search_requests", "bigint"),
    ("token_details", "jsonb"),
    ("cost_usd", "numeric"),
    ("cost_source", "text"),
    ("fetched_at", "timestamptz"),
)
_KEY = ("dedupe_key", "window_start")
_NOT_COMPARED = {*_KEY, "fetched_at"}
# A replay that differs only in fetched_at changes nothing, so it writes nothing.
_COMPARED = [c for c, _ in COLUMNS if c not in _NOT_COMPARED]


def _upsert_sql() -> str:
    names = [c for c, _ in COLUMNS]
    args = ", ".join(
        f"${i}::{'text' if t == 'jsonb' else t}[]" for i, (_, t) in enumerate(COLUMNS, 1)
    )
    select = ", ".join(f"{c}::jsonb" if t == "jsonb" else c for c, t in COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in _KEY)
    old = ", ".join(f"cur.{c}" for c in _COMPARED)
    new = ", ".join(f"EXCLUDED.{c}" for c in _COMPARED)
    return (
        f"INSERT INTO usage_events AS cur ({', '.join(names)})"
        f" SELECT {select} FROM unnest({args}) AS t({', '.join(names)})"
        f" ON CONFLICT (dedupe_key, window_start) DO UPDATE SET {updates}, updated_at = now()"
        f" WHERE cur.fetched_at <= EXCLUDED.fetched_at AND ({old}) IS DISTINCT FROM ({new})"
        " RETURNING dedupe_key, window_start"
    )


UPSERT_SQL = _upsert_sql()
# Read in the same transaction before the upsert: which keys exist already, and which of
# them hold a later fetch. (xmax = 0, the usual inserted-or-updated trick, cannot be read
# from a partitioned table.)
EXISTING_SQL = (
    "SELECT e.dedupe_key, e.window_start, e.fetched_at > i.fa AS stale FROM usage_events e"
    " JOIN unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS i(k, ws, fa)"
    " ON e.dedupe_key = i.k AND e.window_start = i.ws"
)


@dataclass
class UpsertStats:
    """Row outcomes per provider: inserted, updated, unchanged (same values), stale (the
    stored row was fetched later than the incoming one, so it was kept)."""

    by_provider: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, provider: str, outcome: str, n: int = 1) -> None:
        self.by_provider.setdefault(provider, Counter())[outcome] += n

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.by_provider.values())


class Storage(Protocol):
    """Implementations must apply the whole batch atomically or not at all, and only
    replace a stored row with an equal-or-newer `fetched_at` and changed values."""

    async def upsert_usage(self, events: list[UsageEvent]) -> UpsertStats: ...


def _row_values(event: UsageEvent) -> list[Any]:
    data = event.model_dump()
    values: list[Any] = []
    for column, pg_type in COLUMNS:
        if column == "dedupe_key":
            values.append(dedupe_key(event))
        elif pg_type == "jsonb":
            values.append(json.dumps(data[column], sort_keys=True))
        else:
            values.append(data[column])
    return values


def _month_start(ts: datetime) -> datetime:
    return datetime(ts.year, ts.month, 1, tzinfo=UTC)


def _next_month(ts: datetime) -> datetime:
    return datetime(ts.year + ts.month // 12, ts.month % 12 + 1, 1, tzinfo=UTC)


class PostgresStorage:
    """`Storage` on an asyncpg pool. Open with `await PostgresStorage.connect(dsn)`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._partitions: set[datetime] = set()

    @classmethod
    async def connect(cls, dsn: str, min_size: int = 1, max_size: int = 4) -> PostgresStorage:
        try:
            pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
            async with pool.acquire() as conn:
                await check_schema(conn)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot open PostgreSQL: {exc}") from exc
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> None:
        try:
            await self._pool.fetchval("SELECT 1")
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"PostgreSQL ping failed: {exc}") from exc

    async def _ensure_partitions(self, conn: Conn, events: list[UsageEvent]) -> None:
        months = {_month_start(e.window_start) for e in events} - self._partitions
        for month in sorted(months):
            name = f"usage_events_p{month:%Y%m}"
            # The lock serializes writers creating the same partition at the same moment.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF usage_events"
                f" FOR VALUES FROM ('{month.isoformat()}') TO ('{_next_month(month).isoformat()}')"
            )
        self._partitions |= months

    async def upsert_usage(self, events: list[UsageEvent]) -> UpsertStats:
        stats = UpsertStats()
        if not events:
            return stats
        rows = [_row_values(e) for e in events]
        columns = [list(col) for col in zip(*rows, strict=True)]
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await self._ensure_partitions(conn, events)
                existing = await conn.fetch(EXISTING_SQL, columns[0], columns[6], columns[-1])
                returned = await conn.fetch(UPSERT_SQL, *columns)
        except (OSError, asyncpg.PostgresError) as exc:
            self._partitions.clear()  # a rolled-back CREATE must be retried next time
            raise StorageError(f"upsert of {len(events)} events failed: {exc}") from exc
        before = {(r["dedupe_key"], r["window_start"]): r["stale"] for r in existing}
        written = {(r["dedupe_key"], r["window_start"]) for r in returned}
        for event, key in zip(events, zip(columns[0], columns[6], strict=True), strict=True):
            if key in written:
                outcome = "updated" if key in before else "inserted"
            else:
                outcome = "stale" if before.get(key) else "unchanged"
            stats.add(event.provider, outcome)
        return stats
