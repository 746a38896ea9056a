"""A request budget per provider: a token bucket that every request of that provider in
this process draws from (the polling loop, a backfill, a trigger), so a long backfill
spreads its requests instead of starting a 429 storm.

The budget is per process: with several fetcher replicas, give each its share
(`USAGE_<PROVIDER>_REQUESTS_PER_MINUTE` / replicas). Retries draw from it too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from usage_common import Provider, Settings

from .metrics import BUDGET_ACQUIRED, BUDGET_AVAILABLE, BUDGET_RATE, BUDGET_WAIT, BUDGET_WAITS

__all__ = ["RequestBudget", "budgets_from_settings"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RequestBudget:
    """Token bucket: `burst` requests at once, then `per_minute` a minute sustained.

    Usage:
        budget = RequestBudget("openai", per_minute=60, burst=10)
        await budget.acquire()   # before each HTTP request
    """

    def __init__(
        self,
        provider: Provider,
        per_minute: float,
        burst: int,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a request budget needs per_minute > 0 and burst >= 1")
        self.provider = provider
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        # One waiter at a time: requests are served in arrival order.
        self._lock = asyncio.Lock()
        BUDGET_RATE.labels(provider).set(self._rate)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    async def acquire(self) -> None:
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                wait = (1 - self._tokens) / self._rate
                BUDGET_WAITS.labels(self.provider).inc()
                BUDGET_WAIT.labels(self.provider).inc(wait)
                await self._sleep(wait)
                self._refill()
            self._tokens = max(0.0, self._tokens - 1)
            BUDGET_ACQUIRED.labels(self.provider).inc()
            BUDGET_AVAILABLE.labels(self.provider).set(self._tokens)


def budgets_from_settings(settings: Settings) -> dict[str, RequestBudget]:
    return {
        "anthropic": RequestBudget(
            "anthropic", settings.anthropic_requests_per_minute, settings.anthropic_burst
        ),
        "openai": RequestBudget(
            "openai", settings.openai_requests_per_minute, settings.openai_burst
        ),
    }
