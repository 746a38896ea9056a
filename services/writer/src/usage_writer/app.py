"""Transport adapters for the writer: batches from Kafka or in-process into `write_batch`.

Kafka: group `<prefix>-writer`, batch subscriber, earliest reset, manual ack. The batch is
acknowledged only after the database commit; on failure every partition of the batch is
rewound (nack) and the batch comes again after a backoff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from usage_common import Settings
from usage_transport import AckAfterWork, InProcessBus, Message, Publisher

from .sink import WriteResult, write_batch
from .storage import Storage

__all__ = ["attach_in_process", "group_id", "make_handler", "register_kafka"]


Observer = Callable[[WriteResult], None]


def group_id(settings: Settings) -> str:
    return f"{settings.kafka_group_prefix}-writer"


def make_handler(
    settings: Settings, storage: Storage, publisher: Publisher, observe: Observer | None = None
) -> Callable[[list[bytes]], Awaitable[None]]:
    async def handle(values: list[bytes]) -> None:
        result = await write_batch(
            storage,
            values,
            publisher=publisher,
            source_topic=settings.topic_events,
            dlq_topic=settings.topic_dlq,
        )
        if observe:
            observe(result)

    return handle


def attach_in_process(
    bus: InProcessBus, settings: Settings, storage: Storage, observe: Observer | None = None
) -> None:
    handle = make_handler(settings, storage, bus, observe)

    async def on_batch(messages: list[Message]) -> None:
        await handle([m.value for m in messages])

    bus.subscribe(settings.topic_events, on_batch, max_batch=settings.writer_batch_size)


def register_kafka(
    broker: KafkaBroker,
    settings: Settings,
    storage: Storage,
    publisher: Publisher,
    observe: Observer | None = None,
    on_error: Callable[[Exception], None] | None = None,
) -> None:
    handle = make_handler(settings, storage, publisher, observe)
    work = AckAfterWork("writer", handle, on_error)

    @broker.subscriber(
        settings.topic_events,
        group_id=group_id(settings),
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        batch=True,
        max_records=settings.writer_batch_size,
        batch_timeout_ms=settings.writer_batch_timeout_ms,
    )
    async def on_events(msg: KafkaMessage) -> None:
        await work(msg)
