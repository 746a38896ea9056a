"""The fetcher's state in PostgreSQL: watermarks, leases, ingestion runs, backfill chunks.

Where state lives and how it recovers:
- `fetch_watermarks`: the end of the last window fully fetched per credential x endpoint x
  width. It only moves forward, and only over a window that starts at or before it (no
  gap is ever skipped). A restart reads it and re-fetches from it minus the trailing window.
- Leases are PostgreSQL advisory locks held on a connection of their own for the whole
  fetch of one credential x endpoint: two fetcher replicas (or a backfill beside the polling
  loop) never fetch the same thing at once, and a crashed holder's lock dies with its
  connection.
- `ingestion_runs`: one row per fetch, written when it starts and completed when it ends;
  a row left `running` belongs to a process that died.
- `backfill_chunks`: the planned request windows of a backfill with the cursor of their
  next page, saved after every published page.

A dry run (`dry_run=True`) reads the state and takes the leases but writes nothing: no run
rows, no watermark, no chunk progress.

asyncpg errors are translated here into `StateError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from usage_common import InfrastructureError
from usage_schema import Conn, check_schema

from .fetch import EndpointReport

__all__ = ["ChunkProgress", "FetchState", "RunStart", "StateError"]

T = TypeVar("T")


class StateError(InfrastructureError):
    """PostgreSQL failed while reading or writing the fetcher's state."""


@dataclass(frozen=True, slots=True)
class RunStart:
    run_id: str
    trigger: str
    credential_id: str
    organization_id: str
    provider: str
    endpoint: str
    bucket_width: str
    window_start: datetime
    window_end: datetime
    started_at: datetime


@dataclass(frozen=True, slots=True)
class ChunkProgress:
    pages: int
    next_cursor: str | None
    done: bool


class FetchState:
    """Usage:
    state = await FetchState.connect(url)
    async with state.lease(credential_id, endpoint) as held: ...
    await state.close()
    """

    def __init__(self, pool: asyncpg.Pool, dry_run: bool = False) -> None:
        self._pool = pool
        self.dry_run = dry_run

    @classmethod
    async def connect(cls, url: str, dry_run: bool = False) -> FetchState:
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=8)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StateError(f"cannot connect to PostgreSQL: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                await check_schema(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, dry_run)

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> None:
        """Readiness: PostgreSQL answers."""
        await self._call(lambda conn: conn.fetchval("SELECT 1"))

    async def _call(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        try:
            async with self._pool.acquire() as conn:
                return await work(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StateError(f"fetch state: {type(exc).__name__}: {exc}") from exc

    async def watermark(self, credential_id: str, endpoint: str, width: str) -> datetime | None:
        async def read(conn: Conn) -> datetime | None:
            value: datetime | None = await conn.fetchval(
                "SELECT fetched_until FROM fetch_watermarks"
                " WHERE credential_id = $1 AND endpoint = $2 AND bucket_width = $3",
                credential_id,
                endpoint,
                width,
            )
            return value

        return await self._call(read)

    async def advance_watermark(
        self,
        credential_id: str,
        provider: str,
        endpoint: str,
        width: str,
        since: datetime,
        until: datetime,
    ) -> None:
        """[since, until) was fully fetched: move the watermark to `until` if that leaves no
        gap (the window starts at or before it) and is forward."""
        if self.dry_run:
            return

        async def write(conn: Conn) -> None:
            await conn.execute(
                "INSERT INTO fetch_watermarks AS w"
                " (credential_id, provider, endpoint, bucket_width, fetched_until)"
                " VALUES ($1, $2, $3, $4, $6)"
                " ON CONFLICT (credential_id, endpoint, bucket_width) DO UPDATE"
                " SET fetched_until = excluded.fetched_until, updated_at = now()"
                " WHERE w.fetched_until >= $5 AND w.fetched_until < excluded.fetched_until",
                credential_id,
                provider,
                endpoint,
                width,
                since,
                until,
            )

        await self._call(write)

    async def reserve_request(self, provider: str, rate: float, burst: int) -> float:
        """One request from the provider's shared token bucket (`rate` tokens a second, at
        most `burst`): the tokens left, below zero when earlier callers hold the next
        slots (this one's comes after -tokens / rate seconds). The bucket row is locked for one
        statement, so concurrent callers of any process get successive slots; the
        database's clock is the one clock they share. (A dry run, which writes nothing,
        uses an in-memory budget instead: `usage_fetcher.app.wire`.)"""

        async def take(conn: Conn) -> float:
            tokens: float = await conn.fetchval(
                "INSERT INTO request_budgets AS b (provider, tokens, updated_at)"
                " VALUES ($1, $3::float8 - 1, clock_timestamp())"
                " ON CONFLICT (provider) DO UPDATE SET"
                " tokens = LEAST($3::float8, b.tokens + $2::float8 * GREATEST(0,"
                " extract(epoch FROM clock_timestamp() - b.updated_at)::float8)) - 1,"
                " updated_at = GREATEST(b.updated_at, clock_timestamp())"
                " RETURNING tokens",
                provider,
                rate,
                burst,
            )
            return tokens

        return await self._call(take)

    @contextlib.asynccontextmanager
    async def lease(
        self, credential_id: str, endpoint: str, wait_seconds: float = 0.0
    ) -> AsyncIterator[bool]:
        """Yield True while this process holds the credential x endpoint, False when
        another one does (then fetch nothing), after waiting up to `wait_seconds`."""
        key = f"usage-pipeline fetch {credential_id} {endpoint}"
        try:
            conn = await self._pool.acquire()
        except (OSError, asyncpg.PostgresError) as exc:
            raise StateError(f"fetch state: {exc}") from exc
        try:
            deadline = time.monotonic() + wait_seconds
            delay = 0.2
            while True:
                held = await conn.fetchval(
                    "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key
                )
                if held or time.monotonic() >= deadline:
                    break
                # The holder is another session: there is no signal to await, so poll.
                await asyncio.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
                delay = min(delay * 2, 5.0)
            try:
                yield bool(held)
            finally:
                if held:
                    await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)
        finally:
            await self._pool.release(conn)

    async def start_run(self, run: RunStart) -> int:
        if self.dry_run:
            return 0

        async def write(conn: Conn) -> int:
            run_row_id: int = await conn.fetchval(
                "INSERT INTO ingestion_runs (run_id, trigger, credential_id, organization_id,"
                " provider, endpoint, bucket_width, window_start, window_end, started_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                run.run_id,
                run.trigger,
                run.credential_id,
                run.organization_id,
                run.provider,
                run.endpoint,
                run.bucket_width,
                run.window_start,
                run.window_end,
                run.started_at,
            )
            return run_row_id

        return await self._call(write)

    async def finish_run(
        self, row_id: int, report: EndpointReport, outcome: str, finished_at: datetime
    ) -> None:
        if self.dry_run:
            return
        stats = report.stats

        async def write(conn: Conn) -> None:
            await conn.execute(
                "UPDATE ingestion_runs SET finished_at = $2, pages = $3, records = $4,"
                " requests = $5, retries = $6, rate_limited = $7, errors_by_code = $8::jsonb,"
                " outcome = $9, error = $10 WHERE id = $1",
                row_id,
                finished_at,
                report.pages,
                report.records,
                stats.requests,
                stats.retries,
                stats.rate_limited,
                json.dumps(dict(stats.codes)),
                outcome,
                report.error,
            )

        await self._call(write)

    async def runs(self, last: int, run_id: str | None = None) -> list[dict[str, Any]]:
        async def read(conn: Conn) -> list[dict[str, Any]]:
            where = "WHERE run_id = $2" if run_id else ""
            args: list[Any] = [last] + ([run_id] if run_id else [])
            rows = await conn.fetch(
                f"SELECT * FROM (SELECT * FROM ingestion_runs {where}"
                " ORDER BY id DESC LIMIT $1) r ORDER BY id",
                *args,
            )
            return [{**dict(r), "errors_by_code": json.loads(r["errors_by_code"])} for r in rows]

        return await self._call(read)

    async def chunks(self, backfill_id: str) -> dict[tuple[str, str, datetime], ChunkProgress]:
        async def read(conn: Conn) -> dict[tuple[str, str, datetime], ChunkProgress]:
            rows = await conn.fetch(
                "SELECT credential_id, endpoint, window_start, pages, next_cursor, done"
                " FROM backfill_chunks WHERE backfill_id = $1",
                backfill_id,
            )
            return {
                (r["credential_id"], r["endpoint"], r["window_start"]): ChunkProgress(
                    r["pages"], r["next_cursor"], r["done"]
                )
                for r in rows
            }

        return await self._call(read)

    async def save_chunk(
        self,
        backfill_id: str,
        credential_id: str,
        endpoint: str,
        window: tuple[datetime, datetime],
        width: str,
        progress: ChunkProgress,
    ) -> None:
        if self.dry_run:
            return

        async def write(conn: Conn) -> None:
            await conn.execute(
                "INSERT INTO backfill_chunks (backfill_id, credential_id, endpoint,"
                " window_start, window_end, bucket_width, pages, next_cursor, done)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                " ON CONFLICT (backfill_id, credential_id, endpoint, window_start) DO UPDATE"
                " SET pages = excluded.pages, next_cursor = excluded.next_cursor,"
                " done = excluded.done, updated_at = now()",
                backfill_id,
                credential_id,
                endpoint,
                window[0],
                window[1],
                width,
                progress.pages,
                progress.next_cursor,
                progress.done,
            )

        await self._call(write)
