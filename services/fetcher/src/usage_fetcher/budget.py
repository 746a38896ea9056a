"""A request budget per provider: a token bucket that every request of that provider draws
from (the polling loop, a backfill, a trigger, retries too), so a long backfill spreads its
requests instead of starting a 429 storm.

Two implementations of `Budget`: `SharedRequestBudget` keeps the bucket in PostgreSQL, so
every fetcher process of a deployment (replicas, a backfill run beside the service) shares
one budget; `RequestBudget` keeps it in memory, for a dry run, which must write nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from usage_common import Provider, Settings

from .metrics import BUDGET_ACQUIRED, BUDGET_AVAILABLE, BUDGET_RATE, BUDGET_WAIT, BUDGET_WAITS

__all__ = [
    "Budget",
    "RequestBudget",
    "Reserve",
    "SharedRequestBudget",
    "budgets_from_settings",
    "shared_budgets_from_settings",
]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Reserve = Callable[[Provider, float, int], Awaitable[float]]
"""Take one request from the provider's shared bucket (refill per second, burst): the
tokens left; below zero, that many requests were reserved ahead of this one."""


class Budget(Protocol):
    provider: Provider

    async def acquire(self) -> None:
        """Return when one more request may be sent."""


def _check_limits(per_minute: float, burst: int) -> None:
    if per_minute <= 0 or burst < 1:
        raise ValueError("a request budget needs per_minute > 0 and burst >= 1")


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
        _check_limits(per_minute, burst)
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


class SharedRequestBudget:
    """The token bucket kept in PostgreSQL: each request reserves a slot in one statement
    (`FetchState.reserve_request`) and sleeps until it, so waiting callers never poll and
    are served in the order they asked, across processes.

    Usage:
        budget = SharedRequestBudget("openai", 60, 10, state.reserve_request)
        await budget.acquire()   # before each HTTP request
    """

    def __init__(
        self,
        provider: Provider,
        per_minute: float,
        burst: int,
        reserve: Reserve,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        _check_limits(per_minute, burst)
        self.provider = provider
        self._rate = per_minute / 60.0
        self._burst = burst
        self._reserve = reserve
        self._sleep = sleep
        BUDGET_RATE.labels(provider).set(self._rate)

    async def acquire(self) -> None:
        left = await self._reserve(self.provider, self._rate, self._burst)
        BUDGET_AVAILABLE.labels(self.provider).set(max(0.0, left))
        if left < 0:
            # This request's slot comes once the ones reserved before it have gone.
            wait = -left / self._rate
            BUDGET_WAITS.labels(self.provider).inc()
            BUDGET_WAIT.labels(self.provider).inc(wait)
            await self._sleep(wait)
        BUDGET_ACQUIRED.labels(self.provider).inc()


def _limits(settings: Settings) -> dict[Provider, tuple[float, int]]:
    return {
        "anthropic": (settings.anthropic_requests_per_minute, settings.anthropic_burst),
        "openai": (settings.openai_requests_per_minute, settings.openai_burst),
    }


def budgets_from_settings(settings: Settings) -> dict[str, Budget]:
    """In-memory budgets: this process alone."""
    return {p: RequestBudget(p, rpm, burst) for p, (rpm, burst) in _limits(settings).items()}


def shared_budgets_from_settings(settings: Settings, reserve: Reserve) -> dict[str, Budget]:
    """Budgets every process sharing the database draws from together."""
    return {
        p: SharedRequestBudget(p, rpm, burst, reserve)
        for p, (rpm, burst) in _limits(settings).items()
    }
