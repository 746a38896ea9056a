"""simulator -> fetcher -> Kafka -> normalizer -> Kafka -> writer -> PostgreSQL, for real."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from usage_common import Settings
from usage_pipeline import Pipeline
from usage_pipeline.report import MEASURES, ReportQuery, fetch_report
from usage_simulator import expected_row_count

from .expected import SEED, canonical_totals

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)
ANTHROPIC_GROUP_BY = (
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
)
OPENAI_GROUP_BY = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")


def settings_for(kafka: str, db: str, suffix: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka,
        database_url=db,
        topic_raw=f"raw-{suffix}",
        topic_events=f"events-{suffix}",
        topic_dlq=f"dlq-{suffix}",
        kafka_group_prefix=f"e2e-{suffix}",
        bucket_width="1h",
        writer_batch_timeout_ms=100,
    )


async def snapshot(url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch("SELECT * FROM usage_events ORDER BY dedupe_key")]
    finally:
        await conn.close()


async def report_by_provider(url: str) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await fetch_report(conn, ReportQuery(SINCE, UNTIL, ("provider",)))
    finally:
        await conn.close()
    return {r["provider"]: {m: r[m] for m in MEASURES} for r in rows}


async def test_exact_totals_through_real_kafka_then_replay_changes_nothing(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = settings_for(kafka_bootstrap, database_url, unique_suffix)
    lines: list[str] = []

    async with Pipeline(settings, simulate=True, say=lines.append) as pipeline:
        first = await pipeline.run_once(SINCE, UNTIL)
    assert not first.failed, lines + first.lines()
    assert any("transport: Kafka" in line for line in lines)

    totals = await report_by_provider(database_url)
    assert totals == {p: canonical_totals(p, SINCE, UNTIL) for p in ("anthropic", "openai")}
    rows = await snapshot(database_url)
    expected_rows = {
        "anthropic": expected_row_count(
            "anthropic", SINCE, UNTIL, SEED, group_by=ANTHROPIC_GROUP_BY
        ),
        "openai": expected_row_count("openai", SINCE, UNTIL, SEED, group_by=OPENAI_GROUP_BY),
    }
    assert {p: sum(r["provider"] == p for r in rows) for p in expected_rows} == expected_rows
    assert {p: c["inserted"] for p, c in first.rows.items()} == expected_rows

    # The same window again, through a fresh pipeline: every row arrives and none changes.
    async with Pipeline(settings, simulate=True, say=lines.append) as pipeline:
        second = await pipeline.run_once(SINCE, UNTIL)
    assert not second.failed
    assert {p: c["unchanged"] for p, c in second.rows.items()} == expected_rows
    assert all(c["inserted"] == c["updated"] == 0 for c in second.rows.values())
    assert await snapshot(database_url) == rows
