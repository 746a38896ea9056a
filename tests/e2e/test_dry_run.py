"""`up --once --dry-run` for real: the fetch happens, nothing is written, and what it says it
would insert is what a real run then inserts.

Both modes: with Kafka configured (the dry run must not use it: a writer service on the
events topic would write what it published) on a PostgreSQL server, and the one-process CLI
on its embedded database.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from usage_common import Settings
from usage_pipeline.database import database_url as embedded_database_url
from usage_schema import apply_migrations

from .process_env import clean_env, kafka_env
from .stored import everything
from .test_cli import cli_env
from .test_purge import WINDOW, run

SUMMARY = re.compile(
    r"^(written|dry run)\s+(\w+)\s+(\d+) (?:would insert|inserted)\s+(\d+)"
    r" (?:would update|updated)\s+(\d+) unchanged\s+(\d+) stale\s+\((\w+) rows\)$",
    re.M,
)


def outcomes(stdout: str, kind: str) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(provider, record kind) -> (inserted, updated, unchanged, stale) of a summary."""
    found = {}
    for verb, provider, ins, upd, same, stale, rows in SUMMARY.findall(stdout):
        assert verb == kind, stdout
        found[(provider, rows)] = (int(ins), int(upd), int(same), int(stale))
    assert found, stdout
    return found


async def topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def test_dry_run_with_kafka_configured_stays_in_process_and_writes_nothing(
    kafka_bootstrap: str, database_url: str, unique_suffix: str
) -> None:
    await apply_migrations(database_url)
    env = clean_env() | kafka_env(kafka_bootstrap, unique_suffix, "dry")
    env["USAGE_DATABASE_URL"] = database_url
    empty = await everything(database_url)

    dry = run(env, "up", "--simulate", "--once", "--dry-run", *WINDOW)
    assert dry.returncode == 0, dry.stderr
    assert "transport: in-process (a dry run never publishes to Kafka)" in dry.stdout
    assert dry.stdout.rstrip().endswith("dry run: nothing was written")
    would = outcomes(dry.stdout, "dry run")
    assert all(ins > 0 and upd == same == stale == 0 for ins, upd, same, stale in would.values())
    assert await everything(database_url) == empty  # no row, no partition, no migration row
    assert not {t for t in await topics(kafka_bootstrap) if unique_suffix in t}

    real = run(env, "up", "--simulate", "--once", *WINDOW)  # this one goes through Kafka
    assert real.returncode == 0, real.stderr
    assert "transport: Kafka" in real.stdout
    assert outcomes(real.stdout, "written") == would
    written = await everything(database_url)

    again = run(env, "up", "--simulate", "--once", "--dry-run", *WINDOW)
    assert again.returncode == 0, again.stderr
    after = outcomes(again.stdout, "dry run")
    assert after.keys() == would.keys()
    assert all(ins == upd == stale == 0 for ins, upd, _, stale in after.values())
    assert {k: v[2] for k, v in after.items()} == {k: v[0] for k, v in would.items()}
    assert await everything(database_url) == written


async def test_dry_run_on_the_embedded_database(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    settings = Settings(data_dir=tmp_path / "data", database_url=None)

    # A dry run writes nothing, not even the schema: it asks for `migrate` first.
    unmigrated = run(env, "up", "--simulate", "--once", "--dry-run", *WINDOW)
    assert unmigrated.returncode == 2
    assert "usage-pipeline migrate" in unmigrated.stderr
    assert len(unmigrated.stderr.strip().splitlines()) == 1, unmigrated.stderr
    assert run(env, "migrate").returncode == 0
    async with embedded_database_url(settings) as url:
        empty = await everything(url)

    dry = run(env, "up", "--simulate", "--once", "--dry-run", *WINDOW)
    assert dry.returncode == 0, dry.stderr
    would = outcomes(dry.stdout, "dry run")
    async with embedded_database_url(settings) as url:
        assert await everything(url) == empty
    real = run(env, "up", "--simulate", "--once", *WINDOW)
    assert outcomes(real.stdout, "written") == would
    assert sum(v[0] for v in would.values()) > 0

    refused = run(env, "up", "--dry-run")
    assert refused.returncode == 2 and "--dry-run needs --once" in refused.stderr
