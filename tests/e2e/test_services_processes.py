"""The three services as separate long-running processes, as Kubernetes runs them."""

from __future__ import annotations

import asyncio
import signal
import sys

import asyncpg
import httpx
import pytest

from usage_embedded_pg import free_port
from usage_simulator import SimulatorConfig
from usage_testing import wait_for

from .process_env import clean_env, kafka_env
from .prometheus_support import check_metrics

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "usage_pipeline",
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


TOKEN = "trigger-token-0123456789abcdef"


async def test_services_run_alone_serve_ops_endpoints_and_stop_cleanly(
    kafka_bootstrap: str, database_url: str, unique_suffix: str, promtool: str
) -> None:
    sim = SimulatorConfig()
    sim_port = free_port()
    ops = {name: free_port() for name in ("fetcher", "normalizer", "writer")}
    env = (
        clean_env()
        | kafka_env(kafka_bootstrap, unique_suffix, "svc")
        | {
            "USAGE_DATABASE_URL": database_url,
            "USAGE_ANTHROPIC_ADMIN_KEY": sim.anthropic_admin_key,
            "USAGE_OPENAI_ADMIN_KEY": sim.openai_admin_key,
            "USAGE_ANTHROPIC_BASE_URL": f"http://127.0.0.1:{sim_port}",
            "USAGE_OPENAI_BASE_URL": f"http://127.0.0.1:{sim_port}/v1",
            "USAGE_OPS_HOST": "127.0.0.1",
            "USAGE_POLL_INTERVAL_SECONDS": "3600",
            "USAGE_TRIGGER_TOKEN": TOKEN,
            "USAGE_CONSUMER_LAG_INTERVAL_SECONDS": "0.5",
        }
    )
    migrate = await start(env, "migrate")
    assert await asyncio.wait_for(migrate.wait(), 60) == 0
    procs = {"simulator": await start(env, "simulate", "--port", str(sim_port))}
    for name in ("writer", "normalizer", "fetcher"):
        procs[name] = await start(env | {"USAGE_OPS_PORT": str(ops[name])}, "service", name)

    async with httpx.AsyncClient(timeout=5) as client:

        async def answers(url: str) -> bool:
            try:
                return (await client.get(url)).status_code == 200
            except httpx.TransportError:
                return False

        try:
            for name, port in ops.items():
                await wait_for(
                    lambda p=port: answers(f"http://127.0.0.1:{p}/readyz"),
                    60,
                    message=f"{name} not ready",
                )

            async def both_providers_written() -> bool:
                conn = await asyncpg.connect(database_url)
                try:
                    rows = await conn.fetch("SELECT DISTINCT provider FROM usage_events")
                finally:
                    await conn.close()
                return {r["provider"] for r in rows} == {"anthropic", "openai"}

            await wait_for(both_providers_written, 90, message="rows never reached PostgreSQL")

            metrics = {
                n: (await client.get(f"http://127.0.0.1:{p}/metrics")).text for n, p in ops.items()
            }
            assert (
                'usage_fetch_pages_published_total{endpoint="messages",provider="anthropic"}'
                in metrics["fetcher"]
            )
            assert 'usage_normalize_events_total{provider="openai"}' in metrics["normalizer"]
            assert (
                'usage_writer_rows_total{kind="usage",outcome="inserted",provider="anthropic"}'
                in metrics["writer"]
            )
            for name, text in metrics.items():
                assert sim.anthropic_admin_key not in text and sim.openai_admin_key not in text
                check_metrics(promtool, text, name)
            prefix = f"svc-{unique_suffix}"
            for name, topic in (("normalizer", "raw"), ("writer", "events")):
                lag = f'group="{prefix}-{name}",topic="{topic}-{unique_suffix}"'
                assert f"usage_consumer_lag_messages{{{lag}}}" in metrics[name]
            assert 'usage_fetch_budget_acquired_total{provider="openai"}' in metrics["fetcher"]
            assert "usage_data_newest_bucket_end_timestamp_seconds{" in metrics["writer"]
            health = await client.get(f"http://127.0.0.1:{ops['writer']}/healthz")
            assert health.json() == {"status": "ok"}

            # An external scheduler asks the fetcher service for a run of an old window.
            runs = f"http://127.0.0.1:{ops['fetcher']}/runs"
            auth = {"authorization": f"Bearer {TOKEN}"}
            assert (await client.post(runs)).status_code == 401
            window = {"since": "2025-10-01", "until": "2025-10-02"}
            accepted = await client.post(runs, headers=auth, json=window)
            assert accepted.status_code == 202, accepted.text
            run_id = accepted.json()["run_id"]

            async def run_done() -> bool:
                state = (await client.get(f"{runs}/{run_id}", headers=auth)).json()
                return bool(state["state"] in ("done", "failed"))

            await wait_for(run_done, 60, message="the triggered run never finished")
            state = (await client.get(f"{runs}/{run_id}", headers=auth)).json()
            assert state["state"] == "done", state
            assert {e["outcome"] for e in state["endpoints"]} == {"ok"}

            async def october_written() -> bool:
                conn = await asyncpg.connect(database_url)
                try:
                    return bool(
                        await conn.fetchval(
                            "SELECT count(*) FROM usage_events WHERE window_start < '2025-10-02'"
                        )
                    )
                finally:
                    await conn.close()

            await wait_for(october_written, 60, message="the triggered window never landed")
        finally:
            for proc in procs.values():
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
            codes = {n: await asyncio.wait_for(p.wait(), 60) for n, p in procs.items()}
    errors = {n: (await p.stderr.read()).decode()[-2000:] for n, p in procs.items() if p.stderr}
    assert codes == dict.fromkeys(procs, 0), errors
    for text in errors.values():
        assert sim.anthropic_admin_key not in text and sim.openai_admin_key not in text
