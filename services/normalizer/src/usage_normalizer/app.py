"""Transport adapters for the normalizer: the same handler on Kafka or in-process.

Kafka: group `<prefix>-normalizer`, earliest reset, manual ack. A message is acknowledged
only after its events (or its dead letter) are accepted by the broker; on an
infrastructure failure it is rewound (nack) and retried after a backoff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from usage_common import Settings
from usage_transport import AckAfterWork, InProcessBus, Message, Publisher

from .normalize import NormalizeResult, Topics, normalize_message

__all__ = ["attach_in_process", "group_id", "make_handler", "register_kafka"]


Observer = Callable[[NormalizeResult], None]


def group_id(settings: Settings) -> str:
    return f"{settings.kafka_group_prefix}-normalizer"


def make_handler(
    settings: Settings, publisher: Publisher, observe: Observer | None = None
) -> Callable[[list[bytes]], Awaitable[None]]:
    topics = Topics(settings.topic_raw, settings.topic_events, settings.topic_dlq)

    async def handle(values: list[bytes]) -> None:
        outgoing: list[Message] = []
        results = [normalize_message(v, topics.source) for v in values]
        for result in results:
            outgoing += result.messages(topics)
        await publisher.publish_many(outgoing)
        if observe:
            for result in results:
                observe(result)

    return handle


def attach_in_process(
    bus: InProcessBus, settings: Settings, observe: Observer | None = None
) -> None:
    handle = make_handler(settings, bus, observe)

    async def on_batch(messages: list[Message]) -> None:
        await handle([m.value for m in messages])

    bus.subscribe(settings.topic_raw, on_batch, max_batch=1)


def register_kafka(
    broker: KafkaBroker,
    settings: Settings,
    publisher: Publisher,
    observe: Observer | None = None,
    on_error: Callable[[Exception], None] | None = None,
) -> None:
    handle = make_handler(settings, publisher, observe)
    work = AckAfterWork("normalizer", handle, on_error)

    @broker.subscriber(
        settings.topic_raw,
        group_id=group_id(settings),
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
    )
    async def on_raw(msg: KafkaMessage) -> None:
        await work(msg)
