"""The test infrastructure itself: real Kafka and PostgreSQL are reachable and usable."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from usage_testing import plugin, wait_for
from usage_testing._infra import REQUIRE_INFRA_ENV, InfraUnavailable

pytest_plugins = ["pytester"]


async def test_kafka_round_trips_a_keyed_message(kafka_bootstrap: str, unique_suffix: str) -> None:
    topic = f"smoke-{unique_suffix}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"n": 1}', key=b"provider-a")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"smoke-{unique_suffix}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=60)
    finally:
        await consumer.stop()

    assert (record.key, record.value) == (b"provider-a", b'{"n": 1}')
    assert (record.partition, record.offset) == (sent.partition, sent.offset)


async def test_database_url_is_a_fresh_writable_database(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        tables = "select count(*) from pg_tables where schemaname = 'public'"
        assert await connection.fetchval(tables) == 0
        await connection.execute("create table usage (id bigint primary key, tokens bigint)")
        await connection.execute("insert into usage values (1, 10), (2, 32)")
        assert await connection.fetchval("select sum(tokens) from usage") == 42
        assert await connection.fetchval("select current_database()") != "postgres"
    finally:
        await connection.close()


async def test_wait_for_returns_once_an_async_predicate_holds() -> None:
    calls = 0

    async def third_call() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 3

    await wait_for(third_call, timeout=5, interval=0.001)
    assert calls == 3


async def test_wait_for_raises_the_message_after_the_timeout() -> None:
    with pytest.raises(AssertionError, match="never true"):
        await wait_for(lambda: False, timeout=0.05, interval=0.01, message="never true")


_INFRA_TESTS = """
import pytest

def test_gets_a_broker(kafka_bootstrap):
    pass

@pytest.mark.postgres
def test_skips_itself():
    pytest.skip("no server here")

@pytest.mark.kafka
@pytest.mark.skip(reason="explicitly")
def test_explicitly_skipped():
    pass

def test_unrelated_skip():
    pytest.skip("not infrastructure")
"""


def _no_broker(*args: object) -> object:
    raise InfraUnavailable("no broker in this test")


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_require_infra_turns_infrastructure_skips_into_failures(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    monkeypatch.setattr(plugin, "provide_kafka", _no_broker)
    if strict:
        monkeypatch.setenv(REQUIRE_INFRA_ENV, "1")
    else:
        monkeypatch.delenv(REQUIRE_INFRA_ENV, raising=False)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(_INFRA_TESTS)

    result = pytester.runpytest("-rA")

    if strict:
        # The fixture fails its setup; the test's own skip fails too; explicit skips stay.
        result.assert_outcomes(errors=1, failed=1, skipped=2)
        result.stdout.fnmatch_lines(
            [f"*{REQUIRE_INFRA_ENV}=1: no broker in this test*", "*must not skip: *no server here*"]
        )
    else:
        result.assert_outcomes(skipped=4)
