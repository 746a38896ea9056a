"""Purge, then replay the raw pages of the same range: the report and every stored row are
back exactly as they were, without calling the provider again. The one-process CLI, raw
pages in PostgreSQL; on Kafka, replay publishes events for a running writer service, and
tests/e2e/test_replay_kafka.py restores the rows that way."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from .stored import contents

pytestmark = pytest.mark.postgres

WINDOW = ["--since", "2025-11-01", "--until", "2025-11-03"]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usage_pipeline", *args],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def report(env: dict[str, str]) -> object:
    out = run(env, "report", "--by", "provider,model,day", "--format", "json", *WINDOW)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def purge_then_replay_restores(env: dict[str, str], url: str) -> None:
    fetched = run(env, "up", "--simulate", "--once", *WINDOW)
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    before, rows_before = report(env), asyncio.run(contents(url))
    assert rows_before["usage_events"] and rows_before["cost_events"]

    for provider in ("anthropic", "openai"):
        purged = run(env, "purge", "--provider", provider, *WINDOW, "--yes")
        assert purged.returncode == 0, purged.stderr
    assert report(env) == []

    replayed = run(env, "replay", *WINDOW, "--wait")
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    assert report(env) == before
    assert asyncio.run(contents(url)) == rows_before


def test_in_the_one_process_mode(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}
    purge_then_replay_restores(env | {"USAGE_DATABASE_URL": database_url}, database_url)
