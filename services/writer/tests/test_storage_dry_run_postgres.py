"""A dry-run storage runs the real guarded upsert and rolls it back, on a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from usage_schema import apply_migrations
from usage_writer import PostgresStorage

from .test_storage_postgres import T0, event

pytestmark = pytest.mark.postgres


async def state(url: str) -> dict[str, Any]:
    """Every row of every table, and the list of usage_events partitions."""
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
            )
        ]
        found: dict[str, Any] = {"tables": tables}
        for table in tables:
            found[table] = [dict(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY 1")]
        return found
    finally:
        await conn.close()


@pytest.fixture
async def stores(database_url: str) -> Any:
    await apply_migrations(database_url)
    real = await PostgresStorage.connect(database_url)
    dry = await PostgresStorage.connect(database_url, dry_run=True)
    yield real, dry
    await real.close()
    await dry.close()


async def test_dry_run_counts_what_a_real_write_does_and_leaves_everything_unchanged(
    stores: tuple[PostgresStorage, PostgresStorage], database_url: str
) -> None:
    real, dry = stores
    dec = T0 + timedelta(hours=1)  # the next month: its partition does not exist yet
    batch = [
        event(),
        event(model="claude-haiku-4-5"),
        event(window_start=dec, window_end=dec + timedelta(hours=1)),
    ]
    empty = await state(database_url)

    would = await dry.upsert(batch)
    assert would.total("inserted") == 3
    assert await state(database_url) == empty  # no row, and no partition left behind
    assert not any(t.startswith("usage_events_p") for t in empty["tables"])

    did = await real.upsert(batch)
    assert did.by_kind == would.by_kind
    written = await state(database_url)
    assert {"usage_events_p202511", "usage_events_p202512"} <= set(written["tables"])

    # After the real write: a revision, an unchanged bucket, a stale one and a new one.
    later = T0 + timedelta(hours=5)
    second = [
        event(output_tokens=99, fetched_at=later),
        event(model="claude-haiku-4-5", fetched_at=later),
        event(
            window_start=dec, window_end=dec + timedelta(hours=1), output_tokens=1, fetched_at=T0
        ),
        event(model="claude-sonnet-4-5"),
    ]
    would = await dry.upsert(second)
    assert {k: would.total(k) for k in ("inserted", "updated", "unchanged", "stale")} == {
        "inserted": 1,
        "updated": 1,
        "unchanged": 1,
        "stale": 1,
    }
    assert await state(database_url) == written  # updated_at and fetched_at included
    assert (await real.upsert(second)).by_kind == would.by_kind


async def test_dry_run_of_an_already_stored_batch_would_insert_nothing(
    stores: tuple[PostgresStorage, PostgresStorage], database_url: str
) -> None:
    real, dry = stores
    batch = [event(), event(model="claude-haiku-4-5")]
    await real.upsert(batch)
    before = await state(database_url)
    would = await dry.upsert(batch)
    assert would.total("unchanged") == 2 and would.total("inserted") == 0
    assert await state(database_url) == before
