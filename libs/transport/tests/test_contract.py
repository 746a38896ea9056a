"""What every `Transport` guarantees, checked on both: the in-process bus and a real Kafka.

A service's `wire` relies on exactly this and nothing else, so the same stages run on
either transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from prometheus_client import REGISTRY

from usage_common import Settings
from usage_testing import wait_for
from usage_transport import InProcessBus, KafkaTransport, Message, Subscription, Transport

ErrorLog = list[str]
Factory = Callable[[ErrorLog], Transport]


@pytest.fixture(params=["in_process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def make_transport(
    request: pytest.FixtureRequest, unique_suffix: str
) -> AsyncIterator[tuple[Factory, Settings]]:
    settings = Settings(
        topic_raw=f"a-{unique_suffix}",
        topic_events=f"b-{unique_suffix}",
        topic_dlq=f"dlq-{unique_suffix}",
        topic_partitions=2,
        kafka_group_prefix=f"contract-{unique_suffix}",
        consumer_lag_interval_seconds=0.1,
    )
    if request.param == "in_process":
        yield (lambda errors: InProcessBus(retry_delay=0, on_error=_record(errors))), settings
        return
    bootstrap: str = request.getfixturevalue("kafka_bootstrap")
    settings = settings.model_copy(update={"kafka_bootstrap_servers": bootstrap})

    def kafka(errors: ErrorLog) -> Transport:
        return KafkaTransport(settings, on_error=_record(errors))

    probe = KafkaTransport(settings)
    await probe.ensure_topics()
    yield kafka, settings


def _record(errors: ErrorLog) -> Callable[[str, Exception], None]:
    return lambda group, exc: errors.append(group)


async def test_a_failed_delivery_comes_again_and_drain_waits_for_onward_work(
    make_transport: tuple[Factory, Settings],
) -> None:
    factory, s = make_transport
    errors: ErrorLog = []
    transport = factory(errors)
    done: list[bytes] = []
    failed_once = False

    async def first(values: list[bytes]) -> None:
        await transport.publish_many([Message(s.topic_events, v, v + b"!") for v in values])

    async def second(values: list[bytes]) -> None:
        nonlocal failed_once
        if not failed_once:
            failed_once = True
            raise RuntimeError("transient")
        await asyncio.sleep(0)  # yield, as real I/O would
        done.extend(values)

    transport.subscribe(Subscription(s.topic_raw, f"{s.kafka_group_prefix}-a", first))
    transport.subscribe(
        Subscription(
            s.topic_events, f"{s.kafka_group_prefix}-b", second, max_batch=10, batch_timeout_ms=50
        )
    )
    await transport.start()
    try:
        keys = [b"k1", b"k2", b"k3", b"k4"]
        await transport.publish_many([Message(s.topic_raw, k, k) for k in keys])
        await transport.publish_many([Message(s.topic_dlq, b"k", b"nobody consumes this")])
        await asyncio.wait_for(transport.drain(), 120)
    finally:
        await transport.stop()
    # Nothing lost: every value reached the end, the failed delivery's values included.
    assert sorted(set(done)) == [k + b"!" for k in keys]
    assert errors == [f"{s.kafka_group_prefix}-b"]


async def test_every_group_on_a_topic_gets_every_message(
    make_transport: tuple[Factory, Settings],
) -> None:
    factory, s = make_transport
    transport = factory([])
    seen: dict[str, list[bytes]] = {"first": [], "second": []}

    def collect(name: str) -> Callable[[list[bytes]], Awaitable[None]]:
        async def handle(values: list[bytes]) -> None:
            seen[name].extend(values)

        return handle

    for name in seen:
        transport.subscribe(
            Subscription(s.topic_raw, f"{s.kafka_group_prefix}-{name}", collect(name))
        )
    await transport.start()
    try:
        await transport.publish_many([Message(s.topic_raw, b"k", v) for v in (b"1", b"2")])
        await asyncio.wait_for(transport.drain(), 120)
    finally:
        await transport.stop()
    assert sorted(seen["first"]) == sorted(seen["second"]) == [b"1", b"2"]


def _sample(name: str, group: str, topic: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"group": group, "topic": topic})


async def test_lag_counts_what_a_group_has_not_consumed_and_failures_are_counted(
    make_transport: tuple[Factory, Settings],
) -> None:
    factory, s = make_transport
    transport = factory([])
    group, topic = f"{s.kafka_group_prefix}-lag", s.topic_raw
    release = asyncio.Event()
    failed_once = False

    async def held(values: list[bytes]) -> None:
        nonlocal failed_once
        await release.wait()
        if not failed_once:
            failed_once = True
            raise RuntimeError("transient")

    transport.subscribe(Subscription(topic, group, held))
    await transport.start()
    try:
        await transport.publish_many([Message(topic, k, k) for k in (b"k1", b"k2", b"k3")])
        # Nothing is consumed while the handler holds its first record.
        await wait_for(
            lambda: _sample("usage_consumer_lag_messages", group, topic) == 3,
            30,
            message=f"lag never read 3: {_sample('usage_consumer_lag_messages', group, topic)}",
        )
        release.set()
        await transport.drain()
        await wait_for(
            lambda: _sample("usage_consumer_lag_messages", group, topic) == 0,
            30,
            message="lag never fell to 0 once everything was consumed",
        )
        assert _sample("usage_consumer_failures_total", group, topic) == 1
    finally:
        await transport.stop()
