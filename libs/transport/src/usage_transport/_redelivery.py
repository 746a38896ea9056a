"""The one place that orders work and acknowledgement for a Kafka subscriber."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from faststream.kafka.message import KafkaMessage

from ._metrics import CONSUMER_FAILURES

__all__ = ["AckAfterWork"]

log = logging.getLogger(__name__)


class AckAfterWork:
    """Runs a handler on the record values of a message (one record or a batch), then acks.

    Order: handle -> ack (commit offsets). When the handler raises, nothing is acked: every
    partition of the message is rewound to its first record (nack), the error is reported,
    and the next delivery waits an exponential backoff (0.5 s doubling, at most 30 s) so a
    broken database is not hammered. A success resets the backoff.
    """

    def __init__(
        self,
        stage: str,
        handle: Callable[[list[bytes]], Awaitable[None]],
        on_error: Callable[[Exception], None] | None = None,
        *,
        topic: str = "",
    ) -> None:
        self._stage = stage
        self._topic = topic
        CONSUMER_FAILURES.labels(stage, topic)  # at 0, so the first failure is an increase
        self._handle = handle
        self._on_error = on_error
        self._failures = 0

    async def __call__(self, msg: KafkaMessage) -> None:
        raw = msg.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        try:
            await self._handle([r.value for r in records])
        except Exception as exc:
            self._failures += 1
            CONSUMER_FAILURES.labels(self._stage, self._topic).inc()
            if self._on_error:
                self._on_error(exc)
            log.exception("%s: %d record(s) failed; delivering again", self._stage, len(records))
            await msg.nack()
            await asyncio.sleep(min(30.0, 0.5 * 2 ** min(self._failures, 6)))
            return
        self._failures = 0
        await msg.ack()
