"""Kafka adapter: a FastStream broker from settings, topic creation, publishing, lag."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, UnknownTopicOrPartitionError
from faststream.kafka import KafkaBroker

from usage_common import InfrastructureError, Settings

from ._base import Message

__all__ = ["KafkaPublisher", "LagReader", "ensure_topics", "make_broker"]


def make_broker(settings: Settings) -> KafkaBroker:
    if not settings.kafka_bootstrap_servers:
        raise InfrastructureError("USAGE_KAFKA_BOOTSTRAP_SERVERS is not set")
    # Idempotent producer: a retried send after a timeout does not duplicate a record.
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        enable_idempotence=True,
        linger_ms=5,
        graceful_timeout=15.0,
        logger=None,
    )


class KafkaPublisher:
    """`Publisher` on a started FastStream broker.

    Each record is sent with its own key (never `publish_batch`, which puts a whole batch
    on one random partition) without waiting, then all acks are awaited together.
    """

    def __init__(self, broker: KafkaBroker) -> None:
        self._broker = broker

    async def publish_many(self, messages: list[Message]) -> None:
        try:
            futures = [
                await self._broker.publish(m.value, m.topic, key=m.key, no_confirm=True)
                for m in messages
            ]
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise InfrastructureError(f"Kafka publish failed: {exc!r}") from exc


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int) -> None:
    """Create missing topics (replication 1 unless the cluster default says otherwise)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            # Another process may win the race to create a topic: that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
                )
    except KafkaError as exc:
        raise InfrastructureError(f"cannot create topics on {bootstrap}: {exc!r}") from exc
    finally:
        await admin.close()


class LagReader:
    """Reads how far consumer groups are behind, over one admin client and one consumer
    (open it once for a whole drain, not once per poll).

    Usage:
        async with LagReader(bootstrap) as lag:
            await lag.of("usage-pipeline-writer", "usage.events.v1")
    """

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def __aenter__(self) -> LagReader:
        try:
            await self._admin.start()
            await self._consumer.start()
        except KafkaError as exc:
            await self.__aexit__()
            raise InfrastructureError(f"cannot reach Kafka at {self._bootstrap}: {exc!r}") from exc
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def of(self, group_id: str, topic: str) -> int:
        """Records in `topic` not yet committed by `group_id` (0 when fully drained)."""
        try:
            # Ask the broker, not the client's metadata cache: an empty cache would read as
            # "no partitions, nothing to do" and end a drain too early.
            [described] = await self._admin.describe_topics([topic])
            if described["error_code"] == UnknownTopicOrPartitionError.errno:
                return 0
            if described["error_code"]:
                raise InfrastructureError(
                    f"cannot describe {topic}: error {described['error_code']}"
                )
            tps = sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])
            ends = await self._consumer.end_offsets(tps)
            committed = await self._admin.list_consumer_group_offsets(group_id, partitions=tps)
        except KafkaError as exc:
            raise InfrastructureError(f"cannot read consumer lag: {exc!r}") from exc
        lag = 0
        for tp in tps:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag += max(ends[tp] - done, 0)
        return lag
