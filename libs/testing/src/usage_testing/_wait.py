"""Polling a condition with a deadline: the replacement for sleeps in tests."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

__all__ = ["wait_for"]


async def wait_for(
    predicate: Callable[[], object | Awaitable[object]],
    # ASYNC109 prefers asyncio.timeout() around the call; a deadline is this helper's job.
    timeout: float,  # noqa: ASYNC109
    interval: float = 0.05,
    message: str = "",
) -> None:
    """Wait until ``predicate()`` is truthy; raise ``AssertionError`` after ``timeout`` seconds.

    ``predicate`` may be a plain function or return an awaitable (an ``async def``); it is
    called at least once, then every ``interval`` seconds until the deadline.

    Usage::

        await wait_for(lambda: handler.calls >= 3, timeout=10, message="handler not called")
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(message or f"condition not met within {timeout} s")
        await asyncio.sleep(min(interval, remaining))
