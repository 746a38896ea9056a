"""The normalizer's wiring: its handler subscribed to the raw topic of a transport.

On Kafka the group is `<prefix>-normalizer`; a raw page is acknowledged only after its
events (or its dead letter) are accepted by the transport, and on an infrastructure failure
it is delivered again after a backoff (the transport's contract).
"""

from __future__ import annotations

from collections.abc import Callable

from usage_common import Settings
from usage_transport import Handler, Message, Publisher, Subscription, Transport

from .metrics import start_series
from .normalize import NormalizeResult, Topics, normalize_message

__all__ = ["group_id", "make_handler", "wire"]


Observer = Callable[[NormalizeResult], None]


def group_id(settings: Settings) -> str:
    return f"{settings.kafka_group_prefix}-normalizer"


def make_handler(
    settings: Settings, publisher: Publisher, observe: Observer | None = None
) -> Handler:
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


def wire(transport: Transport, settings: Settings, observe: Observer | None = None) -> None:
    """Subscribe the normalizer to `settings.topic_raw`, one raw page per delivery."""
    start_series()
    transport.subscribe(
        Subscription(
            settings.topic_raw, group_id(settings), make_handler(settings, transport, observe)
        )
    )
