from __future__ import annotations

import asyncio

from usage_transport import InProcessBus, Message


async def test_drain_waits_for_messages_published_onward_and_retries_a_failed_batch() -> None:
    errors: list[str] = []
    bus = InProcessBus(retry_delay=0, on_error=lambda topic, exc: errors.append(topic))
    done: list[bytes] = []
    failed_once = False

    async def first(batch: list[Message]) -> None:
        await bus.publish_many([Message("b", m.key, m.value + b"!") for m in batch])

    async def second(batch: list[Message]) -> None:
        nonlocal failed_once
        if not failed_once:
            failed_once = True
            raise RuntimeError("transient")
        await asyncio.sleep(0)  # yield, as real I/O would
        done.extend(m.value for m in batch)

    bus.subscribe("a", first)
    bus.subscribe("b", second, max_batch=10)
    await bus.start()
    try:
        await bus.publish_many([Message("a", b"k", b"x"), Message("a", b"k", b"y")])
        await bus.publish_many([Message("dlq", b"k", b"ignored")])  # nobody consumes it
        await bus.drain(limit_seconds=5)
    finally:
        await bus.stop()
    assert sorted(done) == [b"x!", b"y!"]
    assert errors == ["b"]
