"""The three services as separate long-running processes, as Kubernetes runs them: their
ops endpoints, a triggered run, a clean stop, and their logs (JSON lines on stdout that
join across services on the fetch's trace id, and never a key)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any

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
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def read_all(proc: asyncio.subprocess.Process) -> asyncio.Task[tuple[bytes, bytes]]:
    """Both pipes read while the process runs, so a full pipe never blocks it."""
    assert proc.stdout and proc.stderr

    async def both() -> tuple[bytes, bytes]:
        out, err = await asyncio.gather(proc.stdout.read(), proc.stderr.read())  # type: ignore[union-attr]
        return out, err

    return asyncio.create_task(both())


def events(name: str, out: bytes) -> list[dict[str, Any]]:
    """Every stdout line of a service is one JSON event of that service."""
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert lines, f"{name} logged nothing"
    for line in lines:
        assert {"ts", "level", "logger", "message"} <= set(line), line
        assert line["service"] == name and line["ts"].endswith("Z"), line
    return lines


async def counter(client: httpx.AsyncClient, port: int, name: str) -> float:
    """A counter's sum over its labels, from a service's /metrics."""
    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{")
    )


def where(lines: list[dict[str, Any]], message: str, **fields: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in lines
        if e["message"] == message and all(e.get(k) == v for k, v in fields.items())
    ]


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
    migrated = await asyncio.wait_for(migrate.communicate(), 60)
    assert migrate.returncode == 0, migrated
    procs = {"simulator": await start(env, "simulate", "--port", str(sim_port))}
    for name in ("writer", "normalizer", "fetcher"):
        procs[name] = await start(env | {"USAGE_OPS_PORT": str(ops[name])}, "service", name)
    outputs = {name: read_all(proc) for name, proc in procs.items()}

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

            async def every_page_normalized() -> bool:
                fetched = await counter(client, ops["fetcher"], "usage_fetch_pages_published_total")
                read = await counter(client, ops["normalizer"], "usage_normalize_pages_total")
                return read == fetched

            await wait_for(every_page_normalized, 60, message="pages left unnormalized")
        finally:
            for proc in procs.values():
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
            codes = {n: await asyncio.wait_for(p.wait(), 60) for n, p in procs.items()}
            printed = {n: await asyncio.wait_for(t, 30) for n, t in outputs.items()}
    errors = {n: err.decode()[-2000:] for n, (_, err) in printed.items()}
    assert codes == dict.fromkeys(procs, 0), errors
    for name in ("migrate", "fetcher", "normalizer", "writer"):  # the simulator prints its keys
        out, err = printed[name] if name != "migrate" else migrated
        for secret in (sim.anthropic_admin_key, sim.openai_admin_key, TOKEN):
            assert secret.encode() not in out + err

    # The services log JSON lines on stdout only, one event each, with where it happened.
    logs = {n: events(n, printed[n][0]) for n in ("fetcher", "normalizer", "writer")}
    assert {n: printed[n][1] for n in logs} == dict.fromkeys(logs, b"")
    finished = where(logs["fetcher"], "fetch finished", provider="anthropic", endpoint="messages")
    assert finished and finished[0]["credential"] and finished[0]["pages"] >= 1
    assert finished[0]["trace_id"] == finished[0]["run_id"] and len(finished[0]["run_id"]) == 32
    triggered = where(logs["fetcher"], "fetch finished", run_id=run_id, trigger="trigger")
    assert {e["endpoint"] for e in triggered} == {e["endpoint"] for e in state["endpoints"]}
    published = where(logs["fetcher"], "page published", run_id=run_id)
    normalized = where(logs["normalizer"], "page normalized", trace_id=run_id)
    # one trace across two processes: every page the triggered run published was normalized
    assert {e["page_id"] for e in published} == {e["page_id"] for e in normalized}
    assert all(e["credential"] and e["provider"] and e["endpoint"] for e in normalized)
    written = where(logs["writer"], "batch written")
    assert sum(e["inserted"] for e in written) > 0
    assert {"received", "written", "updated", "unchanged", "stale", "seconds"} <= set(written[0])
