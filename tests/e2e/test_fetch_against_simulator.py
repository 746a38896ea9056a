"""The fetcher against the real simulator over HTTP: paging, auth and retries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from usage_common import CostEvent, RawPage, UsageEvent, decode
from usage_fetcher import Credential, FetchContext, RetryPolicy, fetch_cycle
from usage_normalizer import normalize_page
from usage_simulator import FaultPlan, SimulatorConfig, SimulatorServer, expected_cost_usd
from usage_transport import Message

from .expected import SEED, canonical_totals

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 9, tzinfo=UTC)


class ListPublisher:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        self.messages.extend(messages)


def creds(sim: SimulatorServer, config: SimulatorConfig) -> list[Credential]:
    return [
        Credential(
            "anthropic", "a", "org", sim.anthropic_base_url, SecretStr(config.anthropic_admin_key)
        ),
        Credential("openai", "o", "org", sim.openai_base_url, SecretStr(config.openai_admin_key)),
    ]


def sums(pages: list[RawPage], provider: str) -> dict[str, int]:
    events = [e for p in pages if p.provider == provider for e in normalize_page(p)]
    usage = [e for e in events if isinstance(e, UsageEvent)]
    keys = canonical_totals(provider, SINCE, UNTIL)
    return {k: sum(getattr(e, k) or 0 for e in usage) for k in keys}


def cost(pages: list[RawPage], provider: str) -> Decimal:
    events = [e for p in pages if p.provider == provider for e in normalize_page(p)]
    return sum((e.cost_usd for e in events if isinstance(e, CostEvent)), Decimal(0))


@pytest.mark.parametrize("width", ["1h", "1d"])
async def test_pages_to_the_end_and_totals_match_what_was_served(width: str) -> None:
    config = SimulatorConfig()
    publisher = ListPublisher()
    async with SimulatorServer(config) as sim, httpx.AsyncClient() as client:
        ctx = FetchContext(client=client, publisher=publisher, raw_topic="raw")
        reports = await fetch_cycle(ctx, creds(sim, config), SINCE, UNTIL, width)  # type: ignore[arg-type]
    assert all(r.error is None for r in reports)
    pages = [decode(RawPage, m.value) for m in publisher.messages]
    # 8 days at 1h is 192 buckets: more than one page of 168 buckets, so the cursor is used.
    if width == "1h":
        assert all(
            r.pages == 2
            for r in reports
            if r.endpoint not in ("costs", "cost_report", "claude_code")
        )
    assert len(reports) == 14
    for provider in ("anthropic", "openai"):
        assert sums(pages, provider) == canonical_totals(provider, SINCE, UNTIL)
        assert cost(pages, provider) == expected_cost_usd(provider, SINCE, UNTIL, SEED)


async def test_rate_limit_with_retry_after_is_retried_then_succeeds() -> None:
    config = SimulatorConfig(faults=FaultPlan(fail_next=2, status=429, retry_after=1))
    publisher = ListPublisher()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with SimulatorServer(config) as sim, httpx.AsyncClient() as client:
        ctx = FetchContext(
            client=client,
            publisher=publisher,
            raw_topic="raw",
            policy=RetryPolicy(initial_delay=0.0),
            sleep=sleep,
        )
        reports = await fetch_cycle(
            ctx, creds(sim, config)[:1], SINCE, UNTIL, "1d", {"anthropic": ["messages"]}
        )
        stats = (await client.get(f"{sim.base_url}/_sim/stats")).json()
    assert reports[0].error is None and reports[0].pages == 1
    assert slept == [1.0, 1.0]
    assert stats["anthropic"]["by_status"] == {"429": 2, "200": 1}


async def test_wrong_key_is_reported_without_retrying() -> None:
    config = SimulatorConfig()
    async with SimulatorServer(config) as sim, httpx.AsyncClient() as client:
        ctx = FetchContext(client=client, publisher=ListPublisher(), raw_topic="raw")
        bad = [Credential("openai", "o", "org", sim.openai_base_url, SecretStr("sk-admin-wrong"))]
        reports = await fetch_cycle(ctx, bad, SINCE, UNTIL, "1d", {"openai": ["completions"]})
        stats = (await client.get(f"{sim.base_url}/_sim/stats")).json()
    assert reports[0].error is not None and "HTTP 401" in reports[0].error
    assert "sk-admin-wrong" not in reports[0].error
    assert stats["openai"]["total"] == 1


async def test_filters_reach_the_provider_and_narrow_the_rows() -> None:
    config = SimulatorConfig()
    publisher = ListPublisher()
    async with SimulatorServer(config) as sim, httpx.AsyncClient() as client:
        ctx = FetchContext(
            client=client,
            publisher=publisher,
            raw_topic="raw",
            filters={
                ("anthropic", "messages"): [("models[]", "claude-opus-5")],
                ("openai", "images"): [("sizes[]", "1024x1024")],
            },
        )
        endpoints = {"anthropic": ["messages"], "openai": ["images"]}
        reports = await fetch_cycle(ctx, creds(sim, config), SINCE, UNTIL, "1d", endpoints)
    assert all(r.error is None for r in reports)
    events = [e for m in publisher.messages for e in normalize_page(decode(RawPage, m.value))]
    anthropic = [e for e in events if e.provider == "anthropic"]
    images = [e for e in events if e.provider == "openai"]
    assert anthropic and {e.model for e in anthropic} == {"claude-opus-5"}
    assert images and {e.dimensions["size"] for e in images} == {"1024x1024"}
