"""`usage-pipeline backfill` as a user runs it: killed with SIGKILL mid-way and run again,
it stores exactly what the simulator served and repeats no completed request."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from usage_common import USAGE_MEASURES
from usage_embedded_pg import free_port
from usage_ledger import ReportQuery, fetch_report
from usage_simulator import SimulatorConfig, expected_cost_usd
from usage_testing import wait_for

from .expected import SEED, canonical_totals
from .process_env import kafka_env

pytestmark = pytest.mark.postgres

SINCE = datetime(2025, 10, 1, tzinfo=UTC)
UNTIL = datetime(2025, 10, 15, tzinfo=UTC)
WINDOW = ["--since", "2025-10-01", "--until", "2025-10-15"]
COMMAND = [sys.executable, "-m", "usage_pipeline"]


@contextlib.asynccontextmanager
async def simulator(env: dict[str, str], port: int) -> AsyncIterator[httpx.AsyncClient]:
    """`usage-pipeline simulate` as its own process (a killed backfill must not take it
    along); yields a client of its control endpoints once it answers."""
    process = await asyncio.create_subprocess_exec(
        *COMMAND, "simulate", "--port", str(port), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as sim:

            async def answers() -> bool:
                try:
                    return (await sim.get("/_sim/health")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(answers, 30, message="the simulator never answered")
            yield sim
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


def env_for(database_url: str, sim_port: int) -> dict[str, str]:
    config = SimulatorConfig()
    base = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}
    return base | {
        "USAGE_DATABASE_URL": database_url,
        "USAGE_ANTHROPIC_ADMIN_KEY": config.anthropic_admin_key,
        "USAGE_OPENAI_ADMIN_KEY": config.openai_admin_key,
        "USAGE_ANTHROPIC_BASE_URL": f"http://127.0.0.1:{sim_port}",
        "USAGE_OPENAI_BASE_URL": f"http://127.0.0.1:{sim_port}/v1",
        "USAGE_ANTHROPIC_REQUESTS_PER_MINUTE": "60000",
        "USAGE_OPENAI_REQUESTS_PER_MINUTE": "60000",
    }


async def done_chunks(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('backfill_chunks') IS NOT NULL"):
            return 0
        return int(await conn.fetchval("SELECT count(*) FROM backfill_chunks WHERE done"))
    finally:
        await conn.close()


async def stored(url: str) -> tuple[dict[str, dict[str, Any]], dict[str, Decimal]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await fetch_report(conn, ReportQuery(SINCE, UNTIL, ("provider",)))
        money = await conn.fetch(
            "SELECT provider, sum(cost_usd) AS usd FROM cost_events GROUP BY 1"
        )
    finally:
        await conn.close()
    usage = {r["provider"]: {m: r[m] for m in USAGE_MEASURES} for r in rows}
    return usage, {r["provider"]: r["usd"] for r in money}


@pytest.mark.parametrize("mode", ["one_process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def test_a_killed_backfill_continues_and_stores_exactly_what_was_served(
    database_url: str, mode: str, request: pytest.FixtureRequest, unique_suffix: str
) -> None:
    sim_port = free_port()
    env = env_for(database_url, sim_port)
    if mode == "kafka":
        # Raw pages are durable once the broker has them; the rerun's normalizer and
        # writer groups pick up from their committed offsets.
        env |= kafka_env(request.getfixturevalue("kafka_bootstrap"), unique_suffix, "bf")
    async with simulator(env, sim_port) as sim:
        first = await asyncio.create_subprocess_exec(
            *COMMAND, "backfill", *WINDOW, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

        async def some_chunks_done() -> bool:
            return await done_chunks(database_url) >= 8

        await wait_for(some_chunks_done, 120, message="the backfill completed no chunk")
        first.send_signal(signal.SIGKILL)
        await first.wait()
        killed_after = await done_chunks(database_url)

        second = await asyncio.to_thread(
            subprocess.run, [*COMMAND, "backfill", *WINDOW], env=env,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr[-2000:]
        total = int(re.findall(r"\] \d+/(\d+) chunks", second.stderr)[-1])
        assert killed_after < total  # the kill did land mid-way
        assert f"{total}/{total} chunks" in second.stderr
        assert f"({killed_after} done before)" in second.stderr
        answered = (await sim.get("/_sim/requests")).json()["answered"]

    usage, money = await stored(database_url)
    assert usage == {p: canonical_totals(p, SINCE, UNTIL) for p in ("anthropic", "openai")}
    assert money == {p: expected_cost_usd(p, SINCE, UNTIL, SEED) for p in ("anthropic", "openai")}
    # A request is repeated only if the kill fell between its page and the saved cursor:
    # at most one in flight per provider.
    repeated = {r: n for r, n in Counter(answered).items() if n > 1}
    assert sum(n - 1 for n in repeated.values()) <= 2, repeated


async def test_a_dry_run_backfill_writes_nothing_and_says_what_it_would_insert(
    database_url: str,
) -> None:
    from usage_schema import apply_migrations

    from .stored import everything

    await apply_migrations(database_url)
    before = await everything(database_url)
    sim_port = free_port()
    env = env_for(database_url, sim_port)
    async with simulator(env, sim_port):
        dry = await asyncio.to_thread(
            subprocess.run,
            [*COMMAND, "backfill", "--since", "2025-10-01", "--until", "2025-10-03",
             "--provider", "openai", "--dry-run"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert re.search(r"would insert", dry.stdout), dry.stdout
    assert await everything(database_url) == before
