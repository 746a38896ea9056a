"""The guarded upsert on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from usage_common import UsageEvent
from usage_schema import SchemaVersionError, apply_migrations
from usage_writer import PostgresStorage

pytestmark = pytest.mark.postgres

T0 = datetime(2025, 11, 30, 23, tzinfo=UTC)


def event(**overrides: Any) -> UsageEvent:
    fields: dict[str, Any] = {
        "provider": "anthropic",
        "organization_id": "org",
        "source": "admin_api",
        "usage_type": "messages",
        "bucket_width": "1h",
        "window_start": T0,
        "window_end": T0 + timedelta(hours=1),
        "model": "claude-opus-5",
        "input_tokens": 30,
        "input_uncached_tokens": 10,
        "input_cache_read_tokens": 10,
        "input_cache_write_tokens": 10,
        "input_cache_write_5m_tokens": 4,
        "input_cache_write_1h_tokens": 6,
        "output_tokens": 5,
        "fetched_at": T0 + timedelta(hours=2),
    }
    fields.update(overrides)
    return UsageEvent(**fields)


@pytest.fixture
async def storage(database_url: str) -> Any:
    await apply_migrations(database_url)
    store = await PostgresStorage.connect(database_url)
    yield store
    await store.close()


async def rows(url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch("SELECT * FROM usage_events ORDER BY dedupe_key")]
    finally:
        await conn.close()


async def test_writer_refuses_an_unmigrated_database(database_url: str) -> None:
    with pytest.raises(SchemaVersionError, match="run `usage-pipeline migrate`"):
        await PostgresStorage.connect(database_url)


async def test_insert_then_unchanged_replay_writes_nothing(
    storage: PostgresStorage, database_url: str
) -> None:
    batch = [
        event(),
        event(model="claude-haiku-4-5"),
        event(window_start=T0 + timedelta(hours=1), window_end=T0 + timedelta(hours=2)),
    ]
    stats = await storage.upsert(batch)
    assert stats.total("inserted") == 3
    before = await rows(database_url)
    assert len(before) == 3
    # the same data fetched again later: nothing changes, not even updated_at or fetched_at
    replay = [e.model_copy(update={"fetched_at": e.fetched_at + timedelta(days=1)}) for e in batch]
    stats = await storage.upsert(replay)
    assert stats.total("unchanged") == 3 and stats.total("inserted") == stats.total("updated") == 0
    assert await rows(database_url) == before


async def test_revised_bucket_updates_the_row_and_old_replay_cannot_overwrite_it(
    storage: PostgresStorage, database_url: str
) -> None:
    await storage.upsert([event()])
    newer = event(output_tokens=9, fetched_at=T0 + timedelta(hours=3))
    stats = await storage.upsert([newer])
    assert stats.total("updated") == 1
    older = event(output_tokens=7, fetched_at=T0 + timedelta(hours=2, minutes=30))
    stats = await storage.upsert([older])
    assert stats.total("stale") == 1 and stats.total("updated") == 0
    [row] = await rows(database_url)
    assert row["output_tokens"] == 9 and row["fetched_at"] == newer.fetched_at


async def test_null_dimensions_are_values_of_the_key(
    storage: PostgresStorage, database_url: str
) -> None:
    await storage.upsert([event(project_id=None), event(project_id="wrkspc_1")])
    await storage.upsert(
        [event(project_id=None, output_tokens=6, fetched_at=T0 + timedelta(hours=5))]
    )
    by_project = {r["project_id"]: r["output_tokens"] for r in await rows(database_url)}
    assert by_project == {None: 6, "wrkspc_1": 5}


async def test_months_get_their_own_partitions_and_money_stays_exact(
    storage: PostgresStorage, database_url: str
) -> None:
    dec = T0 + timedelta(hours=1)  # 2025-12-01T00:00Z: next month
    cost = Decimal("0.1234567890123456789")
    await storage.upsert(
        [
            event(cost_usd=cost, cost_source="estimated"),
            event(window_start=dec, window_end=dec + timedelta(hours=1)),
        ]
    )
    conn = await asyncpg.connect(database_url)
    try:
        parts = await conn.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'usage_events'::regclass ORDER BY 1"
        )
        assert [p["relname"] for p in parts] == ["usage_events_p202511", "usage_events_p202512"]
        assert (
            await conn.fetchval("SELECT cost_usd FROM usage_events WHERE cost_usd IS NOT NULL")
            == cost
        )
    finally:
        await conn.close()


async def test_cost_and_claude_code_records_use_their_own_tables(
    storage: PostgresStorage, database_url: str
) -> None:
    from usage_common import ClaudeCodeEvent, ClaudeCodeModelUsage, CostEvent

    day = datetime(2025, 11, 1, tzinfo=UTC)
    cost = CostEvent(
        provider="anthropic",
        organization_id="org",
        source="admin_api",
        bucket_width="1d",
        window_start=day,
        window_end=day + timedelta(days=1),
        line_item="Claude Haiku 4.5 Usage - Input Tokens",
        cost_usd=Decimal("1.2378912"),
        amount_reported="123.78912",
        fetched_at=day + timedelta(days=2),
    )
    code = ClaudeCodeEvent(
        organization_id="org",
        source="admin_api",
        day_start=day,
        actor_type="user_actor",
        actor_id="dev@example.com",
        num_sessions=3,
        models=[
            ClaudeCodeModelUsage(
                model="claude-sonnet-4-5",
                input_tokens=10,
                output_tokens=5,
                cache_read_tokens=2,
                cache_creation_tokens=1,
                estimated_cost_usd=Decimal("0.0123"),
            )
        ],
        fetched_at=day + timedelta(days=2),
    )
    stats = await storage.upsert([cost, code, event()])
    assert stats.by_kind[("cost", "anthropic")]["inserted"] == 1
    assert stats.by_kind[("claude_code", "anthropic")]["inserted"] == 1
    again = await storage.upsert([cost, code])
    assert again.total("unchanged") == 2
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT cost_usd FROM cost_events") == Decimal("1.2378912")
        assert await conn.fetchval("SELECT num_sessions FROM claude_code_usage") == 3
    finally:
        await conn.close()
