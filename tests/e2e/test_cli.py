"""The `usage-pipeline` command as a user runs it: embedded PostgreSQL, in-process transport."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from usage_embedded_pg import free_port
from usage_testing import wait_for

from .expected import canonical_totals

pytestmark = pytest.mark.postgres  # the command starts its own embedded PostgreSQL

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}
    return env | {"USAGE_DATA_DIR": str(data_dir)} | extra


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usage_pipeline", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_up_once_twice_leaves_the_report_identical_and_exact(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    window = ["--since", "2025-11-01", "--until", "2025-11-03"]
    first = cli(env, "up", "--simulate", "--once", *window)
    assert first.returncode == 0, first.stderr
    assert "inserted" in first.stdout
    report1 = cli(env, "report", "--by", "provider", "--format", "json")
    second = cli(env, "up", "--simulate", "--once", *window)
    assert second.returncode == 0, second.stderr
    assert " 0 inserted  0 updated" in second.stdout
    report2 = cli(env, "report", "--by", "provider", "--format", "json")
    assert report1.returncode == report2.returncode == 0
    assert report1.stdout == report2.stdout

    rows = json.loads(report1.stdout)
    assert [r["provider"] for r in rows] == ["anthropic", "openai"]
    for row in rows:
        expected = canonical_totals(row["provider"], SINCE, UNTIL)
        assert {k: row[k] for k in expected} == expected
        # usage carries estimated cost; the simulator's unknown model stays unpriced
        assert Decimal(row["cost_usd"]) > 0
        assert row["rows_without_cost"] > 0
        assert all(isinstance(row[k], int) for k in expected)

    table = cli(env, "report", "--by", "provider,day")
    assert table.returncode == 0
    assert table.stdout.splitlines()[-1].startswith("TOTAL")


def test_bad_input_is_refused_with_a_message_and_exit_2(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    bad_date = cli(env, "up", "--once", "--since", "yesterday")
    assert bad_date.returncode == 2 and "--since" in bad_date.stderr
    backwards = cli(env, "up", "--once", "--since", "2025-11-03", "--until", "2025-11-01")
    assert backwards.returncode == 2 and "not before" in backwards.stderr
    bad_by = cli(env, "report", "--by", "provider,planet")
    assert bad_by.returncode == 2 and "unknown --by planet" in bad_by.stderr
    bad_env = cli(cli_env(tmp_path / "data", USAGE_BUCKET_WIDTH="2h"), "up", "--once")
    assert bad_env.returncode == 2 and "USAGE_BUCKET_WIDTH" in bad_env.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was started or written


@pytest.mark.parametrize("mode", [["--once"], []], ids=["once", "polling"])
def test_up_without_credentials_or_simulate_refuses_before_writing(
    tmp_path: Path, mode: list[str]
) -> None:
    # A mistyped key variable must not quietly fill a database with simulated rows.
    env = cli_env(tmp_path / "data", USAGE_OPENAI_ADMN_KEY="sk-admin-typo")
    refused = cli(env, "up", *mode)
    assert refused.returncode == 2, refused.stderr
    assert "no provider credentials" in refused.stderr
    assert "USAGE_OPENAI_ADMIN_KEY" in refused.stderr and "--simulate" in refused.stderr
    assert not (tmp_path / "data").exists()


async def test_polling_mode_serves_health_and_a_trigger_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = free_port()
    token = "up-trigger-token-0123456789"
    env = cli_env(
        tmp_path / "data",
        USAGE_OPS_PORT=str(port),
        USAGE_OPS_HOST="127.0.0.1",
        USAGE_TRIGGER_TOKEN=token,
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "usage_pipeline",
        "up",
        "--simulate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(timeout=5) as client:

            async def ready() -> bool:
                try:
                    return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            async def rows_written() -> bool:
                text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                return (
                    'usage_writer_rows_total{kind="usage",outcome="inserted",provider="openai"}'
                    in text
                )

            await wait_for(ready, 60, message="up never became ready")
            await wait_for(rows_written, 60, message="first poll wrote nothing")
            # The built-in web page on the same port, from the same database.
            page = await client.get(f"http://127.0.0.1:{port}/")
            assert page.status_code == 200
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 6
            assert "openai/completions" in page.text  # a run of this poll is listed

            runs = f"http://127.0.0.1:{port}/runs"
            wrong = {"authorization": "Bearer not-the-token"}
            assert (await client.post(runs, headers=wrong)).status_code == 401
            auth = {"authorization": f"Bearer {token}"}
            window = {"since": "2025-10-01", "until": "2025-10-02"}
            accepted = await client.post(runs, headers=auth, json=window)
            assert accepted.status_code == 202, accepted.text
            run = f"{runs}/{accepted.json()['run_id']}"

            async def finished() -> bool:
                state = (await client.get(run, headers=auth)).json()["state"]
                return bool(state in ("done", "failed"))

            await wait_for(finished, 60, message="the triggered run never finished")
            assert (await client.get(run, headers=auth)).json()["state"] == "done"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().rstrip().endswith("stopped")
