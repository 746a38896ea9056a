"""Kafka authentication end to end: a broker of its own (kafka-local.sh with its SCRAM-SHA-512
listener) and the transport's every client going through it with the SASL settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from pydantic import SecretStr

from usage_common import InfrastructureError, Settings
from usage_testing import InfraUnavailable, start_scram_kafka, wait_for
from usage_transport import (
    KafkaTransport,
    LagReader,
    Message,
    Subscription,
    TopicScan,
    ensure_topic_specs,
    pipeline_topics,
)

pytestmark = pytest.mark.kafka

USER = "usage"
PASSWORD = f"scram-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def scram_bootstrap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with ExitStack() as stack:
        try:
            provided = start_scram_kafka(
                stack,
                tmp_path_factory.mktemp("kafka-scram"),
                request.config.rootpath,
                USER,
                PASSWORD,
            )
        except InfraUnavailable as exc:
            # Under USAGE_REQUIRE_INFRA=1 the plugin turns this skip of a kafka test into a failure.
            pytest.skip(str(exc))
        yield provided.address


def _settings(bootstrap: str, suffix: str, password: str = PASSWORD) -> Settings:
    return Settings(
        kafka_bootstrap_servers=bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username=USER,
        kafka_sasl_password=SecretStr(password),
        topic_raw=f"raw-{suffix}",
        topic_events=f"events-{suffix}",
        topic_dlq=f"dlq-{suffix}",
        topic_partitions=2,
        kafka_group_prefix=f"auth-{suffix}",
        consumer_lag_interval_seconds=0.1,
    )


async def test_topics_publish_consume_lag_and_scan_work_over_scram(
    scram_bootstrap: str, unique_suffix: str
) -> None:
    settings = _settings(scram_bootstrap, unique_suffix)
    transport = KafkaTransport(settings)
    await transport.ensure_topics()
    group = f"{settings.kafka_group_prefix}-reader"
    got: list[bytes] = []

    async def handler(values: list[bytes]) -> None:
        got.extend(values)

    transport.subscribe(Subscription(settings.topic_raw, group, handler))
    sent = [f"page-{i}".encode() for i in range(6)]
    await transport.start()
    try:
        await transport.publish_many(
            [Message(settings.topic_raw, f"k{i}".encode(), v) for i, v in enumerate(sent)]
        )
        await wait_for(lambda: len(got) == len(sent), timeout=20, message="records consumed")
        await transport.drain()
        async with LagReader(transport.connection) as lag:
            assert await lag.of(group, settings.topic_raw) == 0
    finally:
        await transport.stop()
    assert sorted(got) == sorted(sent)

    async with TopicScan(transport.connection, settings.topic_raw) as scan:
        assert scan.total == len(sent)
        scanned = [value async for value in scan.values()]
    assert sorted(scanned) == sorted(sent)

    report = await ensure_topic_specs(transport.connection, pipeline_topics(settings))
    assert report.created == []
    assert sorted(report.existing) == sorted(s.name for s in pipeline_topics(settings))


async def test_a_wrong_password_is_refused_and_never_shown(
    scram_bootstrap: str, unique_suffix: str
) -> None:
    wrong = f"wrong-{uuid.uuid4().hex[:12]}"
    settings = _settings(scram_bootstrap, unique_suffix, password=wrong)
    transport = KafkaTransport(settings)

    with pytest.raises(InfrastructureError) as topics:
        await transport.ensure_topics()
    with pytest.raises(InfrastructureError) as start:
        await transport.start()
    await transport.stop()
    with pytest.raises(InfrastructureError) as lag:
        async with LagReader(transport.connection):
            pass

    for info in (topics, start, lag):
        message = str(info.value)
        assert "USAGE_KAFKA_SASL_USERNAME/PASSWORD" in message, message
        assert wrong not in message and wrong not in repr(info.value.__cause__)
    assert wrong not in repr(settings) and wrong not in repr(transport.connection)
