"""In-process transport for the all-in-one mode: one asyncio queue per topic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ._base import Message, Subscription
from ._metrics import CONSUMER_FAILURES, CONSUMER_LAG

__all__ = ["InProcessBus"]

log = logging.getLogger(__name__)

ErrorObserver = Callable[[str, Exception], None]


class InProcessBus:
    """A `Transport` without a broker.

    Usage:
        bus = InProcessBus()
        bus.subscribe(Subscription("usage.raw.v1", "normalizer", handle_values))
        await bus.start()
        await bus.publish_many([...])
        await bus.drain()
        await bus.stop()

    A handler receives the values of up to `max_batch` messages; when it raises,
    `on_error(group, exc)` hears of it and the same values are handed to the handler again
    after a pause, like an unacknowledged Kafka batch (nothing is lost). The process itself
    is the durability boundary: messages in a queue die with it, which is why this mode
    re-fetches the trailing window every cycle.
    As on Kafka, each group on a topic gets every message (the normalizer and the raw-page
    archive both read the raw topic); one subscription per topic and group.
    `usage_consumer_lag_messages{group,topic}` is what a subscription has queued and in
    flight; `usage_consumer_failures_total` counts its failed deliveries.
    """

    durable_on_publish = False

    def __init__(self, retry_delay: float = 1.0, on_error: ErrorObserver | None = None) -> None:
        # One queue per subscription (topic x group); nobody reads an unconsumed topic here.
        self._queues: dict[tuple[str, str], asyncio.Queue[Message]] = {}
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._retry_delay = retry_delay
        self._on_error = on_error
        # Messages published to a consumed topic and not yet handled. A handler publishes
        # onward before its own batch counts as done, so this reaches 0 only when idle.
        self._pending = 0
        self._lag: dict[tuple[str, str], int] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def subscribe(self, subscription: Subscription) -> None:
        key = (subscription.topic, subscription.group)
        if key in self._queues:
            raise ValueError(f"{subscription.topic} already has group {subscription.group}")
        self._queues[key] = asyncio.Queue()
        self._subs.append(subscription)
        self._set_lag(subscription, 0)
        CONSUMER_FAILURES.labels(subscription.group, subscription.topic)  # 0 before the first

    def _set_lag(self, sub: Subscription, delta: int) -> None:
        key = (sub.group, sub.topic)
        self._lag[key] = self._lag.get(key, 0) + delta
        CONSUMER_LAG.labels(sub.group, sub.topic).set(self._lag[key])

    async def publish_many(self, messages: list[Message]) -> None:
        for message in messages:
            for sub in self._subs:
                if sub.topic == message.topic:
                    self._pending += 1
                    self._idle.clear()
                    self._queues[sub.topic, sub.group].put_nowait(message)
                    self._set_lag(sub, 1)

    async def start(self) -> None:
        for sub in self._subs:
            self._tasks.append(asyncio.create_task(self._consume(sub)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def drain(self) -> None:
        """Return once every published message has been handled, transitively."""

        # Topics nobody consumes here (the DLQ) are not waited for.
        await self._idle.wait()

    async def _consume(self, sub: Subscription) -> None:
        queue = self._queues[sub.topic, sub.group]
        while True:
            batch = [await queue.get()]
            while len(batch) < sub.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            values = [m.value for m in batch]
            while True:
                try:
                    await sub.handler(values)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Same contract as an unacknowledged Kafka batch: keep it and retry.
                    log.exception("handler for %s failed; retrying the batch", sub.topic)
                    CONSUMER_FAILURES.labels(sub.group, sub.topic).inc()
                    if self._on_error:
                        self._on_error(sub.group, exc)
                    await asyncio.sleep(self._retry_delay)
            self._pending -= len(batch)
            self._set_lag(sub, -len(batch))
            if self._pending == 0:
                self._idle.set()
