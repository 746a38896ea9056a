"""In-process transport for the all-in-one mode: one asyncio queue per topic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ._base import Message

__all__ = ["InProcessBus"]

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[Message]], Awaitable[None]]
ErrorObserver = Callable[[str, Exception], None]


class InProcessBus:
    """A `Publisher` plus consumers, without a broker.

    Usage:
        bus = InProcessBus()
        bus.subscribe("usage.raw.v1", handle_raw_batch, max_batch=1)
        await bus.start()
        await bus.publish_many([...])
        await bus.drain()
        await bus.stop()

    A handler receives a list of messages; when it raises, the same messages are handed to
    it again after a pause, like an unacknowledged Kafka batch (nothing is lost). The
    process itself is the durability boundary: messages in a queue die with it, which is
    why this mode re-fetches the trailing window every cycle.
    """

    def __init__(self, retry_delay: float = 1.0, on_error: ErrorObserver | None = None) -> None:
        self._queues: dict[str, asyncio.Queue[Message]] = {}
        self._subs: list[tuple[str, BatchHandler, int]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._retry_delay = retry_delay
        self._on_error = on_error
        # Messages published to a consumed topic and not yet handled. A handler publishes
        # onward before its own batch counts as done, so this reaches 0 only when idle.
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def _queue(self, topic: str) -> asyncio.Queue[Message]:
        return self._queues.setdefault(topic, asyncio.Queue())

    def subscribe(self, topic: str, handler: BatchHandler, max_batch: int = 1) -> None:
        self._subs.append((topic, handler, max_batch))

    async def publish_many(self, messages: list[Message]) -> None:
        consumed = {topic for topic, _, _ in self._subs}
        for message in messages:
            if message.topic in consumed:
                self._pending += 1
                self._idle.clear()
            self._queue(message.topic).put_nowait(message)

    async def start(self) -> None:
        for topic, handler, max_batch in self._subs:
            self._tasks.append(asyncio.create_task(self._consume(topic, handler, max_batch)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def drain(self, limit_seconds: float | None = None) -> None:
        """Return once every published message has been handled, transitively."""

        # Topics nobody consumes here (the DLQ) are not waited for.
        await asyncio.wait_for(self._idle.wait(), limit_seconds)

    async def _consume(self, topic: str, handler: BatchHandler, max_batch: int) -> None:
        queue = self._queue(topic)
        while True:
            batch = [await queue.get()]
            while len(batch) < max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            while True:
                try:
                    await handler(batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Same contract as an unacknowledged Kafka batch: keep it and retry.
                    log.exception("handler for %s failed; retrying the batch", topic)
                    if self._on_error:
                        self._on_error(topic, exc)
                    await asyncio.sleep(self._retry_delay)
            self._pending -= len(batch)
            if self._pending == 0:
                self._idle.set()
