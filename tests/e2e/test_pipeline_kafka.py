"""simulator -> fetcher -> Kafka -> normalizer -> Kafka -> writer -> PostgreSQL, for real."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from usage_common import USAGE_MEASURES, Settings
from usage_ledger import ReportQuery, fetch_report
from usage_pipeline import Pipeline
from usage_simulator import expected_claude_code, expected_cost_usd, expected_row_count

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
    "account_id",
    "service_account_id",
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


async def money_by_provider(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT provider, sum(cost_usd) AS usd FROM cost_events GROUP BY 1")
    finally:
        await conn.close()
    return {r["provider"]: r["usd"] for r in rows}


async def claude_code_totals(url: str) -> tuple[int, int, int]:
    """(records, sessions, input tokens over every model breakdown)."""
    conn = await asyncpg.connect(url)
    try:
        records, sessions = await conn.fetchrow(
            "SELECT count(*), sum(num_sessions) FROM claude_code_usage"
        )
        tokens = await conn.fetchval(
            "SELECT sum((m->>'input_tokens')::bigint) FROM claude_code_usage,"
            " jsonb_array_elements(models) AS m"
        )
    finally:
        await conn.close()
    return int(records), int(sessions), int(tokens)


async def report_by_provider(url: str) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await fetch_report(conn, ReportQuery(SINCE, UNTIL, ("provider",)))
    finally:
        await conn.close()
    return {r["provider"]: {m: r[m] for m in USAGE_MEASURES} for r in rows}


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
        ("anthropic", "messages"): expected_row_count(
            "anthropic", SINCE, UNTIL, SEED, group_by=ANTHROPIC_GROUP_BY
        ),
        ("openai", "completions"): expected_row_count(
            "openai", SINCE, UNTIL, SEED, group_by=OPENAI_GROUP_BY
        ),
    }
    got = {k: sum((r["provider"], r["usage_type"]) == k for r in rows) for k in expected_rows}
    assert got == expected_rows
    assert {r["usage_type"] for r in rows} == {
        "messages",
        "completions",
        "embeddings",
        "moderations",
        "images",
        "audio_speeches",
        "audio_transcriptions",
        "vector_stores",
        "code_interpreter_sessions",
        "file_search_calls",
        "web_search_calls",
    }
    costs = await money_by_provider(database_url)
    assert costs == {p: expected_cost_usd(p, SINCE, UNTIL, SEED) for p in ("anthropic", "openai")}
    code = expected_claude_code(SINCE.date(), UNTIL.date(), SEED)
    assert await claude_code_totals(database_url) == (
        code.records,
        code.num_sessions,
        code.input_tokens,
    )

    # The same window again, through a fresh pipeline: every row arrives and none changes.
    async with Pipeline(settings, simulate=True, say=lines.append) as pipeline:
        second = await pipeline.run_once(SINCE, UNTIL)
    assert not second.failed
    assert sum(c["unchanged"] for c in second.rows.values()) == sum(
        c["inserted"] for c in first.rows.values()
    )
    assert all(c["inserted"] == c["updated"] == 0 for c in second.rows.values())
    assert await snapshot(database_url) == rows
