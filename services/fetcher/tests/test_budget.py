from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from usage_common import Provider
from usage_fetcher import RequestBudget, SharedRequestBudget


class FakeTime:
    """A clock that only moves when the budget sleeps, so waits are exact."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_burst_passes_at_once_then_requests_are_spaced_by_the_rate() -> None:
    time = FakeTime()
    budget = RequestBudget("openai", per_minute=60, burst=3, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        await budget.acquire()
    assert time.slept == []
    await budget.acquire()
    await budget.acquire()
    assert time.slept == [1.0, 1.0]  # 60 a minute: one a second


async def test_idle_time_refills_up_to_the_burst_only() -> None:
    time = FakeTime()
    budget = RequestBudget("anthropic", per_minute=30, burst=2, clock=time.clock, sleep=time.sleep)
    await budget.acquire()
    await budget.acquire()
    time.now += 3600  # an hour idle earns 2 requests, not 1,800
    for _ in range(2):
        await budget.acquire()
    assert time.slept == []
    await budget.acquire()
    assert time.slept == [2.0]


async def test_concurrent_callers_share_one_budget() -> None:
    time = FakeTime()
    budget = RequestBudget("openai", per_minute=120, burst=1, clock=time.clock, sleep=time.sleep)
    await asyncio.gather(*(budget.acquire() for _ in range(5)))
    assert time.slept == [0.5] * 4


async def test_the_shared_budget_sleeps_for_the_slot_the_store_reserved() -> None:
    time = FakeTime()
    slots = [1.0, 0.0, -1.25]  # tokens left: the third waits for 1.25 tokens at 0.5/s
    asked: list[tuple[str, float, int]] = []

    async def reserve(provider: Provider, rate: float, burst: int) -> float:
        asked.append((provider, rate, burst))
        return slots.pop(0)

    budget = SharedRequestBudget("openai", per_minute=30, burst=2, reserve=reserve,
                                 sleep=time.sleep)  # fmt: skip
    for _ in range(3):
        await budget.acquire()
    assert time.slept == [2.5]
    assert asked == [("openai", 0.5, 2)] * 3


def sample(name: str, provider: str) -> float:
    return REGISTRY.get_sample_value(name, {"provider": provider}) or 0.0


async def test_budget_use_is_counted_admissions_waits_and_the_configured_rate() -> None:
    time = FakeTime()
    before = {
        n: sample(n, "anthropic")
        for n in (
            "usage_fetch_budget_acquired_total",
            "usage_fetch_budget_waits_total",
            "usage_fetch_budget_wait_seconds_total",
        )
    }
    budget = RequestBudget("anthropic", per_minute=30, burst=2, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        await budget.acquire()
    after = {n: sample(n, "anthropic") - v for n, v in before.items()}
    assert after == {
        "usage_fetch_budget_acquired_total": 4,
        "usage_fetch_budget_waits_total": 2,
        "usage_fetch_budget_wait_seconds_total": 4.0,  # two waits of 2 s at 30 a minute
    }
    assert sample("usage_fetch_budget_sustained_requests_per_second", "anthropic") == 0.5
    assert sample("usage_fetch_budget_available_requests", "anthropic") == 0.0
