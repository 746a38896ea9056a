"""Stored credentials for two organizations ingest side by side, through `Pipeline`, and
through the `credentials` command: the key goes in on stdin and never comes out."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from usage_common import Settings
from usage_fetcher import CredentialStore, Keyring, NewCredential
from usage_pipeline import Pipeline
from usage_schema import apply_migrations
from usage_simulator import SimulatorConfig, SimulatorServer, expected_row_count
from usage_testing import wait_for

from .process_env import clean_env, kafka_env

pytestmark = pytest.mark.postgres

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 2, tzinfo=UTC)
GROUP_BY = (
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "account_id",
    "service_account_id",
)
KEYS = {"eu": "sk-ant-admin01-EUROPEkey-0f9a8b7c", "us": "sk-ant-admin01-AMERICAkey-1e2d3c4b"}
SEEDS = {"eu": 7, "us": 8}


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def dump(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        rows = []
        for t in tables:
            rows += await conn.fetch(f'SELECT t::text AS row FROM "{t["tablename"]}" t')
        return "\n".join(r["row"] for r in rows)
    finally:
        await conn.close()


def assert_no_key_bytes(text: str, key: str) -> None:
    for i in range(len(key) - 7):
        assert key[i : i + 8] not in text, f"key characters {i}..{i + 8} found"


@pytest.mark.parametrize("mode", ["one_process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def test_two_organizations_ingest_side_by_side_and_a_bad_one_fails_alone(
    database_url: str, mode: str, request: pytest.FixtureRequest
) -> None:
    on_kafka: dict[str, Any] = {}
    if mode == "kafka":
        suffix = request.getfixturevalue("unique_suffix")
        on_kafka = {
            "kafka_bootstrap_servers": request.getfixturevalue("kafka_bootstrap"),
            "topic_raw": f"raw-{suffix}",
            "topic_events": f"events-{suffix}",
            "topic_dlq": f"dlq-{suffix}",
            "kafka_group_prefix": f"creds-{suffix}",
        }
    master, stranger = os.urandom(32), os.urandom(32)
    await apply_migrations(database_url)
    async with (
        SimulatorServer(SimulatorConfig(seed=SEEDS["eu"], anthropic_admin_key=KEYS["eu"])) as eu,
        SimulatorServer(SimulatorConfig(seed=SEEDS["us"], anthropic_admin_key=KEYS["us"])) as us,
    ):
        async with CredentialStore.open(database_url) as store:
            await add_two_organizations(store, Keyring(master), eu, us)
            # Encrypted under a master key this process does not have.
            other = NewCredential("openai", "lost", "org-x", us.openai_base_url, "sk-admin-x")
            await store.add(Keyring(stranger), other)

        settings = Settings(
            database_url=database_url,
            master_key=b64(master),
            anthropic_endpoints="messages",
            writer_batch_timeout_ms=100,
            **on_kafka,
        )
        lines: list[str] = []
        async with Pipeline(settings, say=lines.append) as pipeline:
            tally = await pipeline.run_once(SINCE, UNTIL)

    by_credential = {(r.credential_id, r.endpoint): r for r in tally.fetched}
    assert by_credential[("acme-eu", "messages")].error is None
    assert by_credential[("acme-us", "messages")].error is None
    lost = by_credential[("lost", "*")]
    assert lost.error is not None and "'lost'" in lost.error and lost.pages == 0
    assert tally.failed  # the run says so (exit 1), yet both organizations were written

    conn = await asyncpg.connect(database_url)
    try:
        counts = dict(
            await conn.fetch(
                "SELECT organization_id, count(*) FROM usage_events GROUP BY 1 ORDER BY 1"
            )
        )
    finally:
        await conn.close()
    assert counts == {
        f"org-{org}": expected_row_count("anthropic", SINCE, UNTIL, SEEDS[org], group_by=GROUP_BY)
        for org in ("eu", "us")
    }
    text = await dump(database_url)
    for key in KEYS.values():
        assert_no_key_bytes(text, key)
    assert_no_key_bytes("\n".join(lines + tally.lines()), KEYS["eu"])


async def add_two_organizations(
    store: CredentialStore, keyring: Keyring, eu: SimulatorServer, us: SimulatorServer
) -> None:
    for org, sim in (("eu", eu), ("us", us)):
        new = NewCredential(
            "anthropic", f"acme-{org}", f"org-{org}", sim.anthropic_base_url, KEYS[org]
        )
        await store.add(keyring, new)


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usage_pipeline", "credentials", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_credentials_command_takes_the_key_on_stdin_and_never_shows_it(
    database_url: str,
) -> None:
    old, new = b64(os.urandom(32)), b64(os.urandom(32))
    base = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}
    env = base | {"USAGE_DATABASE_URL": database_url, "USAGE_MASTER_KEY": old}
    key = "sk-admin-CLIsecretVALUE-5a6b7c8d"
    outputs: list[str] = []

    def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = cli(env, *args, stdin=stdin)
        outputs.extend([done.stdout, done.stderr])
        return done

    added = run(
        env,
        "add",
        "--provider",
        "openai",
        "--name",
        "acme",
        "--organization-id",
        "org-1",
        stdin=key + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "…7c8d" in added.stdout
    again = run(env, "add", "--provider", "openai", "--name", "acme", stdin=key + "\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    empty = run(env, "add", "--provider", "openai", "--name", "empty", stdin="\n")
    assert empty.returncode == 2 and "no admin key" in empty.stderr
    wrong = run(env, "add", "--provider", "anthropic", "--name", "w", stdin=key)
    assert wrong.returncode == 2 and "sk-ant-admin" in wrong.stderr
    no_master = run(
        base | {"USAGE_DATABASE_URL": database_url},
        "add",
        "--provider",
        "openai",
        "--name",
        "n",
        stdin=key,
    )
    assert no_master.returncode == 2 and "USAGE_MASTER_KEY" in no_master.stderr

    listed = run(env, "list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1].split()[:3] == ["acme", "openai", "org-1"]
    as_json = run(env, "list", "--format", "json")
    assert '"key_hint": "…7c8d"' in as_json.stdout

    rotate_env = env | {"USAGE_MASTER_KEY": new, "USAGE_MASTER_KEYS_PREVIOUS": old}
    rotated = run(rotate_env, "rotate-master-key")
    assert rotated.returncode == 0 and "re-encrypted 1 credential(s)" in rotated.stdout
    assert Keyring.from_settings(Settings(master_key=new)).active_key_id in run(env, "list").stdout
    stale = run(env, "rotate-master-key")  # the old key alone no longer reads the row
    assert stale.returncode == 1 and "'acme'" in stale.stderr

    assert run(env, "remove", "nope").returncode == 2
    removed = run(env, "remove", "acme")
    assert removed.returncode == 0
    assert run(env, "list").stdout.strip() == "no stored credentials"

    assert_no_key_bytes("\n".join(outputs), key)
    assert_no_key_bytes(await dump(database_url), key)


@pytest.mark.kafka
async def test_the_fetcher_service_polls_stored_credentials_only_and_records_the_bad_one(
    database_url: str, kafka_bootstrap: str, unique_suffix: str, tmp_path: Path
) -> None:
    """As Kubernetes runs it: no *_ADMIN_KEY, the master key in a mounted file, the fetcher
    as its own process on Kafka; the normalizer and writer consume beside it."""
    master = os.urandom(32)
    key_file = tmp_path / "master-key"
    key_file.write_text(b64(master) + "\n")
    await apply_migrations(database_url)
    settings = Settings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_raw=f"raw-{unique_suffix}",
        topic_events=f"events-{unique_suffix}",
        topic_dlq=f"dlq-{unique_suffix}",
        kafka_group_prefix=f"svc-{unique_suffix}",
        writer_batch_timeout_ms=100,
    )
    env = (
        clean_env()
        | kafka_env(kafka_bootstrap, unique_suffix, "svc")
        | {
            "USAGE_DATABASE_URL": database_url,
            "USAGE_MASTER_KEY_FILE": str(key_file),
            "USAGE_ANTHROPIC_ENDPOINTS": "messages",
            "USAGE_OPENAI_ENABLED": "false",
            "USAGE_LOOKBACK_HOURS": "24",
            "USAGE_POLL_INTERVAL_SECONDS": "3600",
            "USAGE_OPS_PORT": "0",
        }
    )
    async with (
        SimulatorServer(SimulatorConfig(seed=SEEDS["eu"], anthropic_admin_key=KEYS["eu"])) as eu,
        SimulatorServer(SimulatorConfig(seed=SEEDS["us"], anthropic_admin_key=KEYS["us"])) as us,
    ):
        async with CredentialStore.open(database_url) as store:
            await add_two_organizations(store, Keyring(master), eu, us)
            tampered = NewCredential("anthropic", "tampered", "org-t", us.anthropic_base_url,
                                     "sk-ant-admin01-TAMPEREDkey-9a8b")  # fmt: skip
            await store.add(Keyring(master), tampered)
        await execute(
            database_url,
            "UPDATE provider_credentials SET organization_id = 'org-moved' WHERE name = 'tampered'",
        )

        # A file, not a pipe: nobody reads a pipe while the service runs, and a full one
        # would block its logging.
        log_path = tmp_path / "fetcher.log"
        with log_path.open("wb") as log:
            async with Pipeline(settings, fetch=False, say=lambda _: None):
                fetcher = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "usage_pipeline", "service", "fetcher",
                    env=env, stdout=log, stderr=asyncio.subprocess.STDOUT,
                )  # fmt: skip
                try:
                    await wait_for(
                        lambda: first_cycle_recorded(database_url),
                        90,
                        message="the fetcher service never finished a cycle",
                    )
                    await wait_for(
                        lambda: both_organizations_written(database_url),
                        60,
                        message="the stored credentials' rows never reached PostgreSQL",
                    )
                finally:
                    fetcher.send_signal(signal.SIGTERM)
                    code = await asyncio.wait_for(fetcher.wait(), 60)
    errors = log_path.read_text()
    assert code == 0, errors[-2000:]
    assert "'tampered'" in errors

    conn = await asyncpg.connect(database_url)
    try:
        runs = await conn.fetch(
            "SELECT credential_id, organization_id, endpoint, outcome, error FROM ingestion_runs"
            " ORDER BY credential_id"
        )
    finally:
        await conn.close()
    assert [(r["credential_id"], r["endpoint"], r["outcome"]) for r in runs] == [
        ("acme-eu", "messages", "ok"),
        ("acme-us", "messages", "ok"),
        ("tampered", "*", "error"),
    ]
    assert runs[2]["organization_id"] == "org-moved" and "'tampered'" in runs[2]["error"]
    text = await dump(database_url) + errors
    for key in (*KEYS.values(), "sk-ant-admin01-TAMPEREDkey-9a8b"):
        assert_no_key_bytes(text, key)


async def execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def first_cycle_recorded(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return bool(
            await conn.fetchval(
                "SELECT count(*) = 3 AND bool_and(outcome <> 'running') FROM ingestion_runs"
            )
        )
    finally:
        await conn.close()


async def both_organizations_written(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        orgs = await conn.fetch("SELECT DISTINCT organization_id FROM usage_events")
    finally:
        await conn.close()
    return {r["organization_id"] for r in orgs} == {"org-eu", "org-us"}
