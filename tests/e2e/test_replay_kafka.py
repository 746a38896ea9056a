"""Replay, dead letters and topic configuration on a real Kafka and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from usage_common import encode
from usage_normalizer.replay import ReplaySelection
from usage_pipeline import Pipeline
from usage_pipeline.redrive import run_redrive
from usage_pipeline.replay import run_replay
from usage_transport import Message, TopicSpec, ensure_topic_specs, pipeline_topics

from .archive_support import (
    contents,
    execute,
    fetchval,
    golden_page,
    letter_from_an_older_normalizer,
)
from .test_pipeline_kafka import SINCE, UNTIL, settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

POISON = b'{"schema_version": 1, "provider": "anthropic", "not": "a raw page"}'


async def test_replay_of_the_raw_topic_restores_the_rows_and_keeps_newer_ones(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = settings_for(kafka_bootstrap, database_url, unique_suffix)
    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        first = await pipeline.run_once(SINCE, UNTIL)
    assert not first.failed
    original = await contents(database_url)
    # On Kafka the raw topic is the archive: the table is not filled twice.
    assert await fetchval(database_url, "SELECT count(*) FROM raw_pages") == 0
    # A later fetch revised one bucket; every other row is purged.
    key = await fetchval(database_url, "SELECT min(dedupe_key) FROM usage_events")
    await execute(
        database_url,
        "UPDATE usage_events SET output_tokens = output_tokens + 7,"
        " fetched_at = now() + interval '1 day' WHERE dedupe_key = $1",
        key,
    )
    revised = await contents(database_url)
    await execute(database_url, "DELETE FROM usage_events WHERE dedupe_key <> $1", key)
    for table in ("cost_events", "claude_code_usage"):
        await execute(database_url, f"DELETE FROM {table}")

    # The writer (and normalizer) services, as in-process subscriptions on the broker.
    async with Pipeline(settings, fetch=False, say=lambda _: None):
        lines: list[str] = []
        result = await run_replay(
            settings, ReplaySelection(), say=lambda _: None, progress=lines.append, wait=True
        )
    pages = sum(r.pages for r in first.fetched)
    assert result.mode == "kafka"
    assert result.progress.replayed == result.progress.total == pages
    assert f"  {pages}/{pages} scanned, {pages} replayed" in lines
    assert await contents(database_url) == revised  # restored, and the newer row kept
    assert revised != original

    openai_only = await run_replay(settings, ReplaySelection(provider="openai"), say=print)
    assert 0 < openai_only.progress.replayed < pages


async def test_dead_letters_are_kept_in_the_table_and_redrive_goes_through_the_services(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = settings_for(kafka_bootstrap, database_url, unique_suffix)
    good = golden_page(datetime(2025, 11, 4, tzinfo=UTC))
    older = letter_from_an_older_normalizer(good, settings.topic_raw)
    async with Pipeline(settings, fetch=False, say=lambda _: None) as services:
        await services.publish([Message(settings.topic_raw, b"k", POISON)])
        await services.publish([Message(settings.topic_dlq, b"k", encode(older))])
        await services.drain()  # the archive's group is drained last
        assert services.archive is not None
        letters = await services.archive.dead_letters()
        assert {x.original for x in letters} == {POISON, encode(good)}

        result = await run_redrive(settings, None, say=lambda _: None)
        assert len(result.letters) == 2
        await services.drain()
    assert (
        await fetchval(
            database_url, "SELECT count(*) FROM usage_events WHERE organization_id = 'org-golden'"
        )
        > 0
    )
    # The poison page failed again (a new letter); both old ones are marked redriven.
    assert await fetchval(database_url, "SELECT count(*) FROM dead_letters") == 3
    assert (
        await fetchval(database_url, "SELECT count(*) FROM dead_letters WHERE redriven_at IS NULL")
        == 1
    )


async def _configs(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    [(_, _, _, _, entries)] = response.resources
    return {e[0]: e[1] for e in entries}


async def test_topics_are_created_with_unlimited_raw_retention_and_drift_is_reported(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = settings_for(kafka_bootstrap, database_url, unique_suffix)
    # Someone created the events topic by hand, with one partition.
    await ensure_topic_specs(kafka_bootstrap, [TopicSpec(settings.topic_events, 1)])
    report = await ensure_topic_specs(kafka_bootstrap, pipeline_topics(settings))
    assert report.created == [settings.topic_raw, settings.topic_dlq]
    assert f"{settings.topic_events}: partitions 1, configured 3" in report.differences
    # The hand-made topic also takes only the broker's default record size.
    assert [d for d in report.differences if "max.message.bytes" in d] == [
        d for d in report.differences if d.startswith(f"{settings.topic_events}: max.message")
    ]
    assert len(report.differences) == 2
    raw = await _configs(kafka_bootstrap, settings.topic_raw)
    assert raw["retention.ms"] == "-1"
    # Set together with the fetcher's page limit, so a page it publishes always fits.
    assert int(raw["max.message.bytes"]) > settings.kafka_max_message_bytes
    assert (await _configs(kafka_bootstrap, settings.topic_dlq))["retention.ms"] == "-1"

    shorter = settings.model_copy(update={"raw_retention_ms": 86_400_000})
    again = await ensure_topic_specs(kafka_bootstrap, pipeline_topics(shorter))
    assert again.created == []
    assert f"{settings.topic_raw}: retention.ms=-1, configured 86400000" in again.differences
