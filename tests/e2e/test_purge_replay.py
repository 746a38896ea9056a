"""Purge, then replay the raw pages of the same range: the report and every stored row are
back exactly as they were, without calling the provider again. The one-process CLI, raw
pages in PostgreSQL; and on Kafka, where replay reads the raw topic and publishes events that
a running `service writer` process applies."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from .process_env import clean_env, kafka_env
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


@contextmanager
def no_service(_env: dict[str, str]) -> Iterator[None]:
    yield


@contextmanager
def writer_service(env: dict[str, str]) -> Iterator[None]:
    """The writer as its own process, as Kubernetes runs it: replay on Kafka only publishes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "usage_pipeline", "service", "writer"],
        env=env | {"USAGE_OPS_PORT": "0"}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        _, errors = proc.communicate(timeout=60)
        assert proc.returncode == 0, errors[-2000:]


def purge_then_replay_restores(
    env: dict[str, str],
    url: str,
    service: Callable[[dict[str, str]], AbstractContextManager[None]] = no_service,
) -> None:
    fetched = run(env, "up", "--simulate", "--once", *WINDOW)
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    before, rows_before = report(env), asyncio.run(contents(url))
    assert rows_before["usage_events"] and rows_before["cost_events"]

    for provider in ("anthropic", "openai"):
        purged = run(env, "purge", "--provider", provider, *WINDOW, "--yes")
        assert purged.returncode == 0, purged.stderr
    assert report(env) == []

    with service(env):
        replayed = run(env, "replay", *WINDOW, "--wait")
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    counts = re.search(r"replayed +(\d+) page\(s\) of (\d+)", replayed.stdout)
    assert counts and counts[1] == counts[2] != "0", replayed.stdout
    assert report(env) == before, replayed.stdout
    assert asyncio.run(contents(url)) == rows_before


def test_in_the_one_process_mode(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}
    purge_then_replay_restores(env | {"USAGE_DATABASE_URL": database_url}, database_url)


@pytest.mark.kafka
def test_on_kafka_with_the_writer_as_a_service(
    database_url: str, kafka_bootstrap: str, unique_suffix: str
) -> None:
    env = clean_env() | kafka_env(kafka_bootstrap, unique_suffix, "purge")
    env["USAGE_DATABASE_URL"] = database_url
    purge_then_replay_restores(env, database_url, writer_service)
