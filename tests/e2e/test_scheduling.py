"""Fetching with state on a real PostgreSQL against the real simulator: watermarks resume
a restart, leases keep two fetchers apart, every fetch is an ingestion run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from usage_common import Settings
from usage_fetcher import (
    Credential,
    FetchContext,
    FetchState,
    LoadedCredentials,
    RunRequests,
    scheduled_cycle,
)
from usage_fetcher.app import run_fetch_loop
from usage_schema import apply_migrations
from usage_simulator import SimulatorConfig, SimulatorServer
from usage_testing import wait_for
from usage_transport import KafkaTransport, Message, Publisher, TopicScan

pytestmark = pytest.mark.postgres

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)
ONLY = {"anthropic": ["messages", "cost_report"]}


class ListPublisher:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        self.messages.extend(messages)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def state(database_url: str) -> AsyncIterator[FetchState]:
    await apply_migrations(database_url)
    store = await FetchState.connect(database_url)
    yield store
    await store.close()


@asynccontextmanager
async def kafka_publisher(settings: Settings) -> AsyncIterator[Publisher]:
    transport = KafkaTransport(settings)
    await transport.ensure_topics()
    await transport.start()
    try:
        yield transport
    finally:
        await transport.stop()


@pytest.mark.parametrize("mode", ["one_process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def test_a_restart_resumes_from_the_watermark_minus_the_trailing_window(
    state: FetchState, mode: str, request: pytest.FixtureRequest
) -> None:
    config = SimulatorConfig()
    settings = Settings(lookback_hours=24, bucket_width="1h")
    if mode == "kafka":
        suffix = request.getfixturevalue("unique_suffix")
        settings = Settings(
            lookback_hours=24,
            bucket_width="1h",
            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
            topic_raw=f"raw-{suffix}",
            topic_events=f"events-{suffix}",
            topic_dlq=f"dlq-{suffix}",
        )
    clock = Clock(NOW)
    published = ListPublisher()
    async with (
        kafka_publisher(settings) if mode == "kafka" else nullcontext(published) as publisher,
        SimulatorServer(config) as sim,
        httpx.AsyncClient() as client,
    ):
        cred = Credential(
            "anthropic", "a", "org", sim.anthropic_base_url, SecretStr(config.anthropic_admin_key)
        )
        ctx = FetchContext(
            client=client, publisher=publisher, raw_topic=settings.topic_raw, clock=clock
        )
        first = await scheduled_cycle(ctx, state, [cred], settings, ONLY)
        # "The process stops" for three days, then starts again with the same database.
        clock.now = NOW + timedelta(days=3)
        second = await scheduled_cycle(ctx, state, [cred], settings, ONLY)
    assert all(r.error is None for r in first + second)
    pages = sum(r.pages for r in first + second)
    if mode == "kafka":
        async with TopicScan(settings.kafka_bootstrap_servers or "", settings.topic_raw) as scan:
            assert scan.total == pages
    else:
        assert len(published.messages) == pages

    runs = {(r["endpoint"], r["started_at"]): r for r in await state.runs(10)}
    windows = {k: (r["window_start"], r["window_end"], r["outcome"]) for k, r in runs.items()}
    assert windows == {
        # No watermark yet: the last USAGE_LOOKBACK_HOURS.
        ("messages", NOW): (NOW - timedelta(hours=24), NOW, "ok"),
        ("cost_report", NOW): (NOW - timedelta(hours=24), NOW, "ok"),
        # From the watermark minus the trailing window (72 h for cost data), to now.
        ("messages", clock.now): (NOW - timedelta(hours=24), clock.now, "ok"),
        ("cost_report", clock.now): (NOW - timedelta(hours=72), clock.now, "ok"),
    }
    assert await state.watermark("a", "messages", "1h") == clock.now
    assert await state.watermark("a", "cost_report", "1d") == clock.now
    recorded = await state.runs(10)
    assert all(r["pages"] >= 1 and r["requests"] >= r["pages"] for r in recorded)
    assert all(r["records"] > 0 for r in recorded if r["endpoint"] == "messages")


async def test_a_held_lease_makes_another_fetcher_skip_that_endpoint(state: FetchState) -> None:
    config = SimulatorConfig()
    settings = Settings(lookback_hours=24)
    async with SimulatorServer(config) as sim, httpx.AsyncClient() as client:
        cred = Credential(
            "anthropic", "a", "org", sim.anthropic_base_url, SecretStr(config.anthropic_admin_key)
        )
        publisher = ListPublisher()
        ctx = FetchContext(client=client, publisher=publisher, raw_topic="raw", clock=Clock(NOW))
        async with state.lease("a", "messages") as held:
            assert held
            # A second process (here: another connection) tries the same credential x endpoint.
            async with state.lease("a", "messages") as also:
                assert not also
            reports = await scheduled_cycle(
                ctx, state, [cred], settings, {"anthropic": ["messages"]}
            )
        after = await scheduled_cycle(ctx, state, [cred], settings, {"anthropic": ["messages"]})
    assert [r.skipped for r in reports] == [True] and reports[0].pages == 0
    assert [r.skipped for r in after] == [False] and after[0].pages >= 1
    outcomes = [r["outcome"] for r in await state.runs(10)]
    assert outcomes == ["skipped", "ok"]
    assert await state.watermark("a", "messages", "1h") == NOW


async def test_the_watermark_never_moves_back_nor_over_a_gap(state: FetchState) -> None:
    day = timedelta(days=1)
    await state.advance_watermark("c", "openai", "costs", "1d", NOW - 2 * day, NOW)
    await state.advance_watermark("c", "openai", "costs", "1d", NOW - 5 * day, NOW - day)  # older
    assert await state.watermark("c", "costs", "1d") == NOW
    await state.advance_watermark("c", "openai", "costs", "1d", NOW + day, NOW + 2 * day)  # gap
    assert await state.watermark("c", "costs", "1d") == NOW
    await state.advance_watermark("c", "openai", "costs", "1d", NOW - day, NOW + 2 * day)
    assert await state.watermark("c", "costs", "1d") == NOW + 2 * day


async def test_a_triggered_run_is_fetched_at_once_by_the_polling_loop(state: FetchState) -> None:
    config = SimulatorConfig()
    settings = Settings(
        lookback_hours=24, poll_interval_seconds=3600, anthropic_endpoints="messages"
    )
    requests = RunRequests()
    stop = asyncio.Event()
    async with SimulatorServer(config) as sim, httpx.AsyncClient() as client:
        cred = Credential(
            "anthropic", "a", "org", sim.anthropic_base_url, SecretStr(config.anthropic_admin_key)
        )
        ctx = FetchContext(
            client=client, publisher=ListPublisher(), raw_topic="raw", clock=Clock(NOW)
        )

        async def credentials() -> LoadedCredentials:
            return LoadedCredentials([cred], [])

        loop = asyncio.create_task(
            run_fetch_loop(ctx, state, credentials, settings, stop, requests)
        )
        try:
            await wait_for(lambda: _count_runs(state, 1), 30, message="no first cycle")
            # The poll interval is an hour: only the trigger can start the next run.
            run = requests.submit(NOW - timedelta(days=3), NOW - timedelta(days=2))
            await wait_for(lambda: run.state == "done", 30, message="the triggered run never ran")
        finally:
            stop.set()
            await asyncio.wait_for(loop, 30)
    rows = await state.runs(10, run_id=run.run_id)
    assert [(r["trigger"], r["window_start"], r["window_end"], r["outcome"]) for r in rows] == [
        ("trigger", NOW - timedelta(days=3), NOW - timedelta(days=2), "ok")
    ]
    assert run.as_json()["endpoints"][0]["outcome"] == "ok"


async def _count_runs(state: FetchState, n: int) -> bool:
    return len(await state.runs(100)) >= n


async def test_the_request_budget_is_one_bucket_for_every_fetcher_process(
    state: FetchState, database_url: str
) -> None:
    """Two fetchers (two pools: as two processes would) draw from one bucket in PostgreSQL:
    together they get the burst at once, then one slot per 1/rate seconds, never more."""
    other = await FetchState.connect(database_url)
    try:
        rate, burst = 0.1, 3  # 6 a minute: slots 10 s apart, far above any statement's time
        left = [
            await (state if i % 2 else other).reserve_request("openai", rate, burst)
            for i in range(6)
        ]
        waits = [max(0.0, -tokens / rate) for tokens in left]
        assert waits[:3] == [0.0, 0.0, 0.0]
        for k, wait in enumerate(waits[3:], start=1):
            assert 10 * k - 2 < wait <= 10 * k, waits
        # Another provider has its own bucket.
        assert await other.reserve_request("anthropic", rate, burst) == burst - 1
    finally:
        await other.close()
