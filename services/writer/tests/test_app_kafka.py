"""Writer on a real Kafka broker: offsets move only after the database commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from faststream.kafka import KafkaBroker

from usage_common import Settings, UsageEvent, dedupe_key, encode
from usage_schema import apply_migrations
from usage_testing import wait_for
from usage_transport import KafkaPublisher, KafkaTransport, LagReader, Message, ensure_topics
from usage_writer import PostgresStorage, StorageError, UpsertStats
from usage_writer import app as writer_app

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

T0 = datetime(2025, 11, 1, tzinfo=UTC)


def event(hour: int) -> UsageEvent:
    start = T0 + timedelta(hours=hour)
    return UsageEvent(
        provider="openai",
        organization_id="org",
        source="admin_api",
        usage_type="completions",
        bucket_width="1h",
        window_start=start,
        window_end=start + timedelta(hours=1),
        input_tokens=100 + hour,
        input_uncached_tokens=100 + hour,
        input_cache_read_tokens=0,
        input_cache_write_tokens=0,
        input_cache_write_5m_tokens=0,
        input_cache_write_1h_tokens=0,
        output_tokens=hour,
        requests=1,
        fetched_at=T0 + timedelta(days=1),
    )


class FailingOnce:
    """Storage wrapper: the first upsert fails like a database outage would."""

    def __init__(self, inner: PostgresStorage, settings: Settings, bootstrap: str) -> None:
        self.inner, self.settings, self.bootstrap = inner, settings, bootstrap
        self.calls = 0
        self.lag_at_retry: int | None = None

    async def upsert(self, events: list[UsageEvent]) -> UpsertStats:
        self.calls += 1
        if self.calls == 1:
            raise StorageError("simulated outage")
        if self.lag_at_retry is None:
            group = writer_app.group_id(self.settings)
            async with LagReader(self.bootstrap) as lag:
                self.lag_at_retry = await lag.of(group, self.settings.topic_events)
        return await self.inner.upsert(events)


async def test_failed_batch_is_not_acknowledged_and_is_delivered_again(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_events=f"events-{unique_suffix}",
        topic_dlq=f"dlq-{unique_suffix}",
        kafka_group_prefix=f"test-{unique_suffix}",
        writer_batch_timeout_ms=200,
    )
    await ensure_topics(kafka_bootstrap, [settings.topic_events, settings.topic_dlq], 2)
    await apply_migrations(database_url)
    real = await PostgresStorage.connect(database_url)
    storage = FailingOnce(real, settings, kafka_bootstrap)
    events = [event(h) for h in range(6)]

    producer = KafkaBroker(kafka_bootstrap)
    await producer.start()
    try:
        await KafkaPublisher(producer).publish_many(
            [Message(settings.topic_events, dedupe_key(e).encode(), encode(e)) for e in events]
        )
    finally:
        await producer.stop()

    transport = KafkaTransport(settings)
    writes: list[int] = []
    writer_app.wire(transport, settings, storage, lambda r: writes.append(r.written))
    await transport.start()
    try:
        group = writer_app.group_id(settings)

        async with LagReader(kafka_bootstrap) as lag:

            async def drained() -> bool:
                return await lag.of(group, settings.topic_events) == 0

            await wait_for(drained, timeout=60, message="writer never committed its offsets")
    finally:
        await transport.stop()
        await real.close()

    assert storage.calls >= 2
    # When the batch came again, nothing had been committed for the failed attempt.
    assert storage.lag_at_retry == len(events)
    assert sum(writes) == len(events)
    conn_rows = await _count(database_url)
    assert conn_rows == len(events)


async def _count(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM usage_events"))
    finally:
        await conn.close()
