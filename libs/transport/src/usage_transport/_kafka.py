"""Kafka adapter: the `Transport` on a FastStream broker, topic creation, consumer lag."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, UnknownTopicOrPartitionError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from usage_common import InfrastructureError, Settings

from ._base import Message, Subscription
from ._kafka_topics import TopicSpec, ensure_topic_specs, pipeline_topics, topic_message_bytes
from ._redelivery import AckAfterWork

__all__ = ["KafkaPublisher", "KafkaTransport", "LagReader", "ensure_topics", "make_broker"]


def make_broker(settings: Settings) -> KafkaBroker:
    if not settings.kafka_bootstrap_servers:
        raise InfrastructureError("USAGE_KAFKA_BOOTSTRAP_SERVERS is not set")
    # Idempotent producer: a retried send after a timeout does not duplicate a record.
    # gzip needs no extra library; the request size is the largest topic limit.
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        enable_idempotence=True,
        linger_ms=5,
        graceful_timeout=15.0,
        logger=None,
        compression_type="gzip",
        max_request_size=max(topic_message_bytes(settings).values()),
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


class KafkaTransport:
    """`Transport` on one FastStream broker: every subscription is a consumer group.

    Usage:
        transport = KafkaTransport(settings)
        transport.subscribe(Subscription(topic, group, handler))
        await transport.start()
        ...
        await transport.stop()

    Subscriptions read from the earliest offset when their group is new and acknowledge
    manually, after their handler returned (`AckAfterWork`). `on_error(group, exc)` hears
    of every failed delivery, before it is delivered again.
    """

    durable_on_publish = True

    def __init__(
        self, settings: Settings, on_error: Callable[[str, Exception], None] | None = None
    ) -> None:
        self.bootstrap = settings.kafka_bootstrap_servers or ""
        self._settings = settings
        self.broker = make_broker(settings)
        self._publisher = KafkaPublisher(self.broker)
        self._subs: list[Subscription] = []
        self._on_error = on_error

    async def publish_many(self, messages: list[Message]) -> None:
        await self._publisher.publish_many(messages)

    def subscribe(self, subscription: Subscription) -> None:
        group, observer = subscription.group, self._on_error
        on_error = None if observer is None else lambda exc: observer(group, exc)
        work = AckAfterWork(group, subscription.handler, on_error)
        batched = subscription.max_batch > 1

        async def on_message(msg: KafkaMessage) -> None:
            await work(msg)

        self.broker.subscriber(
            subscription.topic,
            group_id=subscription.group,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            batch=batched,
            max_records=subscription.max_batch if batched else None,
            batch_timeout_ms=subscription.batch_timeout_ms,
        )(on_message)
        self._subs.append(subscription)

    async def ensure_topics(self) -> None:
        """Create the pipeline's topics that are missing (raw, events, DLQ), configured."""
        await ensure_topic_specs(self.bootstrap, pipeline_topics(self._settings))

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()

    async def ping(self) -> None:
        """Readiness: the broker answers within 3 s."""
        if not await self.broker.ping(timeout=3.0):
            raise InfrastructureError("Kafka does not answer")

    async def drain(self) -> None:
        """Wait until every subscription's group has committed everything in its topic."""
        # In subscription order (upstream first): once the normalizer has committed
        # everything, every event it will produce is already in the events topic, so the
        # writer's lag read afterwards is final.
        async with LagReader(self.bootstrap) as lag:
            for sub in self._subs:
                # Lag lives in the broker: there is no event to await, so poll it.
                while await lag.of(sub.group, sub.topic) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int) -> None:
    """Create missing topics with the broker's default configuration."""
    await ensure_topic_specs(bootstrap, [TopicSpec(t, partitions) for t in topics])


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
