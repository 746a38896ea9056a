"""PostgreSQL storage for canonical events: one guarded upsert per batch.

`Storage` is the port the sink depends on; `PostgresStorage` is the real adapter and the
only place that knows SQL or asyncpg. asyncpg errors are translated to `StorageError` here.

A dry run (`dry_run=True`) runs the very same statements (partition creation, the read of
existing keys, the guarded upsert) and then rolls the transaction back, so its counts are
exactly what a real write of that batch would do right now, and nothing stays behind: a
partition created for the batch is rolled back with it (PostgreSQL DDL is transactional).
Each batch is its own rolled-back transaction, so a dry run holds no lock longer than one
batch; the price is that a key arriving in two batches of one dry run is counted in both.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import asyncpg

from usage_schema import Conn, check_schema

from .errors import StorageError
from .tables import TABLES, Event, TableSpec

__all__ = ["PostgresStorage", "Storage", "UpsertStats"]


@functools.cache
def _upsert_sql(spec: TableSpec) -> str:
    names = [c for c, _ in spec.columns]
    args = ", ".join(
        f"${i}::{'text' if t == 'jsonb' else t}[]" for i, (_, t) in enumerate(spec.columns, 1)
    )
    select = ", ".join(f"{c}::jsonb" if t == "jsonb" else c for c, t in spec.columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in spec.key)
    old = ", ".join(f"cur.{c}" for c in spec.compared)
    new = ", ".join(f"EXCLUDED.{c}" for c in spec.compared)
    return (
        f"INSERT INTO {spec.table} AS cur ({', '.join(names)})"
        f" SELECT {select} FROM unnest({args}) AS t({', '.join(names)})"
        f" ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {updates}, updated_at = now()"
        f" WHERE cur.fetched_at <= EXCLUDED.fetched_at AND ({old}) IS DISTINCT FROM ({new})"
        f" RETURNING {', '.join(spec.key)}"
    )


@functools.cache
def _existing_sql(spec: TableSpec) -> str:
    """Read in the same transaction before the upsert: which keys exist already, and which
    of them hold a later fetch. (xmax = 0, the usual inserted-or-updated trick, cannot be
    read from a partitioned table.)"""
    types = dict(spec.columns)
    args = ", ".join(f"${i}::{types[k]}[]" for i, k in enumerate(spec.key, 1))
    n = len(spec.key) + 1
    on = " AND ".join(f"e.{k} = i.{k}" for k in spec.key)
    return (
        f"SELECT {', '.join(f'e.{k}' for k in spec.key)}, e.fetched_at > i.fa AS stale"
        f" FROM {spec.table} e JOIN unnest({args}, ${n}::timestamptz[])"
        f" AS i({', '.join(spec.key)}, fa) ON {on}"
    )


@dataclass
class UpsertStats:
    """Row outcomes per record kind and provider: inserted, updated, unchanged (same
    values), stale (the stored row was fetched later than the incoming one, so it stayed)."""

    by_kind: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, provider: str, outcome: str, n: int = 1) -> None:
        self.by_kind.setdefault((kind, provider), Counter())[outcome] += n

    @property
    def by_provider(self) -> dict[str, Counter[str]]:
        merged: dict[str, Counter[str]] = {}
        for (_, provider), counts in self.by_kind.items():
            merged.setdefault(provider, Counter()).update(counts)
        return merged

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.by_kind.values())


class _RollBack(Exception):
    """Raised inside a dry run's transaction so that the transaction's own exit rolls it
    back, exactly as it would on a failure."""


class Storage(Protocol):
    """Implementations must apply the whole batch atomically or not at all, and only
    replace a stored row with an equal-or-newer `fetched_at` and changed values."""

    async def upsert(self, events: list[Event]) -> UpsertStats: ...


def _month_start(ts: datetime) -> datetime:
    return datetime(ts.year, ts.month, 1, tzinfo=UTC)


def _next_month(ts: datetime) -> datetime:
    return datetime(ts.year + ts.month // 12, ts.month % 12 + 1, 1, tzinfo=UTC)


class PostgresStorage:
    """`Storage` on an asyncpg pool. Open with `await PostgresStorage.connect(dsn)`.

    Parameters: `dry_run` rolls every batch back after counting what it would write (see
    the module docstring); `upsert` then returns the counts of a real write."""

    def __init__(self, pool: asyncpg.Pool, *, dry_run: bool = False) -> None:
        self._pool = pool
        self.dry_run = dry_run
        self._partitions: dict[str, set[datetime]] = {}
        self._created: list[tuple[str, set[datetime]]] = []

    @classmethod
    async def connect(
        cls, dsn: str, min_size: int = 1, max_size: int = 4, *, dry_run: bool = False
    ) -> PostgresStorage:
        try:
            pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot open PostgreSQL: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                await check_schema(conn)
        except BaseException as exc:
            # A pool left open keeps reconnecting (and logging) while the server goes away.
            await pool.close()
            if isinstance(exc, OSError | asyncpg.PostgresError):
                raise StorageError(f"cannot open PostgreSQL: {exc}") from exc
            raise
        return cls(pool, dry_run=dry_run)

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> None:
        try:
            await self._pool.fetchval("SELECT 1")
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"PostgreSQL ping failed: {exc}") from exc

    async def _ensure_partitions(self, conn: Conn, spec: TableSpec, events: list[Event]) -> None:
        column = spec.partition_column
        if column is None:
            return
        months = {_month_start(getattr(e, column)) for e in events}
        months -= self._partitions.setdefault(spec.table, set())
        for month in sorted(months):
            name = f"{spec.table}_p{month:%Y%m}"
            # The lock serializes writers creating the same partition at the same moment.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {spec.table}"
                f" FOR VALUES FROM ('{month.isoformat()}') TO ('{_next_month(month).isoformat()}')"
            )
        self._created.append((spec.table, months))

    async def upsert(self, events: list[Event]) -> UpsertStats:
        """Every kind in the batch, in one transaction."""
        stats = UpsertStats()
        groups: dict[str, list[Event]] = {}
        for event in events:
            groups.setdefault(event.kind, []).append(event)
        if not groups:
            return stats
        self._created = []
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                for kind, group in groups.items():
                    await self._upsert_group(conn, TABLES[kind], group, stats)
                if self.dry_run:
                    raise _RollBack
        except _RollBack:
            return stats  # the partitions it created are rolled back too: not cached
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"upsert of {len(events)} events failed: {exc}") from exc
        # Only now are the partitions committed; a rolled-back CREATE is retried next time.
        for table, months in self._created:
            self._partitions.setdefault(table, set()).update(months)
        return stats

    async def _upsert_group(
        self, conn: Conn, spec: TableSpec, events: list[Event], stats: UpsertStats
    ) -> None:
        await self._ensure_partitions(conn, spec, events)
        rows = [spec.row(e) for e in events]
        columns = [list(col) for col in zip(*rows, strict=True)]
        index = {name: i for i, (name, _) in enumerate(spec.columns)}
        key_cols = [columns[index[k]] for k in spec.key]
        fetched = columns[index["fetched_at"]]
        existing = await conn.fetch(_existing_sql(spec), *key_cols, fetched)
        returned = await conn.fetch(_upsert_sql(spec), *columns)
        before = {tuple(r[k] for k in spec.key): r["stale"] for r in existing}
        written = {tuple(r[k] for k in spec.key) for r in returned}
        for event, key in zip(events, zip(*key_cols, strict=True), strict=True):
            if key in written:
                outcome = "updated" if key in before else "inserted"
            else:
                outcome = "stale" if before.get(key) else "unchanged"
            stats.add(spec.kind, event.provider, outcome)
