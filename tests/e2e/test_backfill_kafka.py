"""A year of cost data backfilled through a real Kafka broker: no page is ever too large
for it (a 120-day OpenAI costs page was 1.5 MB), and the money stored is exact."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest

from usage_common import Settings
from usage_pipeline.pipeline import Pipeline
from usage_simulator import expected_cost_usd

from .expected import SEED

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 1, 1, tzinfo=UTC)


async def test_a_year_of_costs_goes_through_kafka_in_pages_the_broker_takes(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        topic_raw=f"raw-{unique_suffix}",
        topic_events=f"events-{unique_suffix}",
        topic_dlq=f"dlq-{unique_suffix}",
        kafka_group_prefix=f"year-{unique_suffix}",
        writer_batch_timeout_ms=100,
        anthropic_requests_per_minute=60000,
        openai_requests_per_minute=60000,
    )
    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        credentials = await pipeline.credentials()
        reports = await pipeline.backfill(
            SINCE, UNTIL, credentials, {"openai": ["costs"], "anthropic": ["cost_report"]}
        )
    # The broker (1 MB default limit) accepted every page: a refused one fails the chunk.
    assert [r.error for r in reports if r.error] == []
    assert len(reports) == 2 * 12  # per provider, 31 days a request: 12 for 365 days

    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT provider, sum(cost_usd) AS usd FROM cost_events GROUP BY 1")
    finally:
        await conn.close()
    money: dict[str, Decimal] = {r["provider"]: r["usd"] for r in rows}
    assert money == {p: expected_cost_usd(p, SINCE, UNTIL, SEED) for p in ("anthropic", "openai")}
