"""Kafka adapter: the `Transport` on a FastStream broker, and topic creation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from usage_common import InfrastructureError, Settings

from ._base import Message, Subscription
from ._kafka_connection import KafkaConnection, kafka_connection
from ._kafka_lag import LagMonitor, LagReader
from ._kafka_topics import TopicSpec, ensure_topic_specs, pipeline_topics, topic_message_bytes
from ._redelivery import AckAfterWork

__all__ = ["KafkaPublisher", "KafkaTransport", "ensure_topics", "make_broker"]


def make_broker(settings: Settings, connection: KafkaConnection | None = None) -> KafkaBroker:
    """The FastStream broker of `settings`, authenticated as `connection` (default: the one
    the settings describe; ConfigError when they do not fit together)."""
    if not settings.kafka_bootstrap_servers:
        raise InfrastructureError("USAGE_KAFKA_BOOTSTRAP_SERVERS is not set")
    connection = connection or KafkaConnection.from_settings(settings)
    # Idempotent producer: a retried send after a timeout does not duplicate a record.
    # gzip needs no extra library; the request size is the largest topic limit.
    return KafkaBroker(
        connection.bootstrap,
        security=connection.broker_security(),
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
    of every failed delivery, before it is delivered again. While started, the lag of every
    subscription is read every `USAGE_CONSUMER_LAG_INTERVAL_SECONDS` into
    `usage_consumer_lag_messages` (`LagMonitor`).
    """

    durable_on_publish = True

    def __init__(
        self, settings: Settings, on_error: Callable[[str, Exception], None] | None = None
    ) -> None:
        self.bootstrap = settings.kafka_bootstrap_servers or ""
        self._settings = settings
        self.connection = KafkaConnection.from_settings(settings)
        self.broker = make_broker(settings, self.connection)
        self._publisher = KafkaPublisher(self.broker)
        self._subs: list[Subscription] = []
        self._on_error = on_error
        self._lag: LagMonitor | None = None

    async def publish_many(self, messages: list[Message]) -> None:
        await self._publisher.publish_many(messages)

    def subscribe(self, subscription: Subscription) -> None:
        group, observer = subscription.group, self._on_error
        on_error = None if observer is None else lambda exc: observer(group, exc)
        work = AckAfterWork(group, subscription.handler, on_error, topic=subscription.topic)
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
        await ensure_topic_specs(self.connection, pipeline_topics(self._settings))

    async def start(self) -> None:
        try:
            await self.broker.start()
        except KafkaError as exc:
            # Stop what did start (the producer), so a refused start leaks no client.
            with contextlib.suppress(Exception):
                await self.broker.stop()
            raise InfrastructureError(
                f"cannot start Kafka clients on {self.bootstrap}: {self.connection.explain(exc)}"
            ) from exc
        pairs = [(s.group, s.topic) for s in self._subs]
        self._lag = LagMonitor(self.connection, pairs, self._settings.consumer_lag_interval_seconds)
        self._lag.start()

    async def stop(self) -> None:
        lag, self._lag = self._lag, None
        if lag is not None:
            await lag.stop()
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
        async with LagReader(self.connection) as lag:
            for sub in self._subs:
                # Lag lives in the broker: there is no event to await, so poll it.
                while await lag.of(sub.group, sub.topic) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)


async def ensure_topics(
    bootstrap: str | KafkaConnection, topics: Iterable[str], partitions: int
) -> None:
    """Create missing topics with the broker's default configuration."""
    await ensure_topic_specs(
        kafka_connection(bootstrap), [TopicSpec(t, partitions) for t in topics]
    )
