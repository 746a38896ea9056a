"""A page the normalizer cannot read goes to the DLQ on real Kafka, byte for byte."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from usage_common import DeadLetter, decode
from usage_pipeline import Pipeline
from usage_transport import KafkaPublisher, Message, ensure_topics

from .test_pipeline_kafka import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


async def test_unreadable_page_is_dead_lettered_and_the_rest_still_lands(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    settings = settings_for(kafka_bootstrap, database_url, unique_suffix)
    await ensure_topics(kafka_bootstrap, [settings.topic_raw, settings.topic_dlq], 1)
    poison = b'{"schema_version": 1, "provider": "openai", "this is": "not a raw page"}'
    producer = KafkaBroker(kafka_bootstrap)
    await producer.start()
    try:
        await KafkaPublisher(producer).publish_many([Message(settings.topic_raw, b"k", poison)])
    finally:
        await producer.stop()

    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        tally = await pipeline.run_once(
            datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 11, 2, tzinfo=UTC)
        )
    assert tally.dead_letters == {"unknown": 1}
    assert tally.failed  # a dead letter makes `up --once` exit non-zero
    assert sum(c["inserted"] for c in tally.rows.values()) > 0

    consumer = AIOKafkaConsumer(
        settings.topic_dlq, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    letter = decode(DeadLetter, record.value)
    assert letter.stage == "normalizer" and letter.source_topic == settings.topic_raw
    assert base64.b64decode(letter.original_b64) == poison
    assert "raw envelope failed validation" in letter.reason
