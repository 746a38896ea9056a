"""The writer's wiring: batches of the events topic into `write_batch`.

On Kafka the group is `<prefix>-writer`; a batch is acknowledged only after the database
commit, and on failure every partition of it is rewound and the batch comes again after a
backoff (the transport's contract).
"""

from __future__ import annotations

from collections.abc import Callable

from usage_common import Settings
from usage_transport import Handler, Publisher, Subscription, Transport

from .metrics import start_series
from .sink import WriteResult, write_batch
from .storage import Storage

__all__ = ["group_id", "make_handler", "wire"]


Observer = Callable[[WriteResult], None]


def group_id(settings: Settings) -> str:
    return f"{settings.kafka_group_prefix}-writer"


def make_handler(
    settings: Settings, storage: Storage, publisher: Publisher, observe: Observer | None = None
) -> Handler:
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


def wire(
    transport: Transport,
    settings: Settings,
    storage: Storage,
    observe: Observer | None = None,
) -> None:
    """Subscribe the writer to `settings.topic_events` in batches of the configured size."""
    start_series()
    transport.subscribe(
        Subscription(
            settings.topic_events,
            group_id(settings),
            make_handler(settings, storage, transport, observe),
            max_batch=settings.writer_batch_size,
            batch_timeout_ms=settings.writer_batch_timeout_ms,
        )
    )
