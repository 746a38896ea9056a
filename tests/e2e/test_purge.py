"""`usage-pipeline purge` for real: the plan, the confirmation, exactly the selection gone,
and the same window fetched again restoring the identical report.

The restore is a re-fetch of the window (`up --simulate --once`), the simulator serving the
same data again; `replay` of the raw pages would do the same without calling a provider.
Both modes: the one-process CLI on its embedded database, and the pipeline on real Kafka
with a PostgreSQL server.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from usage_common import Settings
from usage_ledger import ReportQuery, run_report
from usage_pipeline import Pipeline
from usage_pipeline.csv_import import ImportArgs, run_import
from usage_pipeline.database import database_url as embedded_database_url
from usage_simulator import console_csv

from .expected import SEED
from .stored import contents, row_counts
from .test_cli import cli_env
from .test_pipeline_kafka import settings_for

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)
WINDOW = ["--since", "2025-11-01", "--until", "2025-11-03"]
FIRST_DAY = ["--since", "2025-11-01", "--until", "2025-11-02"]
WRITTEN = re.compile(r"^written\s+(\w+)\s+(\d+) inserted\s+(\d+) updated", re.M)


def run(
    env: dict[str, str], *args: str, stdin: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usage_pipeline", *args],
        env=env,
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def run_on_terminal(
    env: dict[str, str], answer: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """The command with a terminal on stdin, `answer` already typed into it."""
    main, child = pty.openpty()
    try:
        os.write(main, answer.encode())
        return run(env, *args, stdin=child)
    finally:
        os.close(main)
        os.close(child)


def inserted(stdout: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for provider, n, _updated in WRITTEN.findall(stdout):
        found[provider] += int(n)
    return found


def without(
    counts: Counter[tuple[str, str, str, str, str]], provider: str, day: str, **only: str
) -> Counter[tuple[str, str, str, str, str]]:
    """`counts` less the rows of `provider` on `day` (and of `only`'s org/source)."""

    def selected(key: tuple[str, str, str, str, str]) -> bool:
        _, p, org, source, d = key
        return (
            p == provider
            and d == day
            and only.get("organization", org) == org
            and only.get("source", source) == source
        )

    return Counter({k: n for k, n in counts.items() if not selected(k)})


async def test_purge_on_the_embedded_database_asks_deletes_exactly_and_a_refetch_restores(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path / "data")
    assert run(env, "up", "--simulate", "--once", *WINDOW).returncode == 0
    report = ["report", "--by", "provider,source,usage_type,model,day", "--format", "json"]
    before_report = run(env, *report)
    assert before_report.returncode == 0 and before_report.stdout.strip() != "[]"
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    async with embedded_database_url(settings) as url:
        before, stored = await row_counts(url), await contents(url)
    purge = ["purge", "--provider", "anthropic", *FIRST_DAY]

    refused = run(env, *purge)  # no terminal and no --yes
    assert refused.returncode == 2, refused.stderr
    assert re.search(r"usage_events\s+\d+ row\(s\)", refused.stdout)  # the plan is shown
    assert "pass --yes" in refused.stderr
    declined = run_on_terminal(env, "n\n", *purge)
    assert declined.returncode == 1, declined.stderr
    assert "Delete these" in declined.stdout and "nothing deleted" in declined.stdout
    async with embedded_database_url(settings) as url:
        assert await row_counts(url) == before

    accepted = run_on_terminal(env, "y\n", *purge)
    assert accepted.returncode == 0, accepted.stderr
    deleted = re.search(r"deleted (\d+) row\(s\)", accepted.stdout)  # after the prompt
    assert deleted, accepted.stdout
    async with embedded_database_url(settings) as url:
        after = await row_counts(url)
    expected = without(before, "anthropic", "2025-11-01")
    assert after == expected
    assert int(deleted[1]) == sum(before.values()) - sum(expected.values()) > 0
    again = run(env, *purge, "--yes")
    assert again.returncode == 0 and again.stdout.startswith("nothing to purge")

    refetch = run(env, "up", "--simulate", "--once", *WINDOW)
    assert refetch.returncode == 0, refetch.stderr
    assert inserted(refetch.stdout) == Counter({"anthropic": int(deleted[1]), "openai": 0})
    assert run(env, *report).stdout == before_report.stdout
    async with embedded_database_url(settings) as url:
        assert await row_counts(url) == before
        assert await contents(url) == stored


async def test_purge_by_credential_and_source_on_kafka_then_a_refetch_restores(
    kafka_bootstrap: str, database_url: str, unique_suffix: str, tmp_path: Path
) -> None:
    settings = settings_for(kafka_bootstrap, database_url, unique_suffix).model_copy(
        update={"anthropic_organization_id": "org-kafka"}
    )
    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        assert not (await pipeline.run_once(SINCE, UNTIL)).failed
    export = tmp_path / "anthropic_usage.csv"
    export.write_text(console_csv("anthropic", "usage", SINCE, UNTIL, SEED), encoding="utf-8")
    await run_import(settings, ImportArgs("anthropic", "usage", [export]), say=lambda _: None)
    before, stored = await row_counts(database_url), await contents(database_url)
    assert {k[3] for k in before if k[1] == "anthropic"} == {"admin_api", "console_csv"}
    by = ("provider", "source", "usage_type", "model", "day")
    queries = [ReportQuery(SINCE, UNTIL, by, width) for width in ("1h", "1d")]  # API, console
    before_report = [await run_report(database_url, q) for q in queries]

    env = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")} | {
        "USAGE_DATABASE_URL": database_url,
        "USAGE_ANTHROPIC_ORGANIZATION_ID": "org-kafka",
    }
    selection = ["purge", "--provider", "anthropic", "--source", "admin_api", *FIRST_DAY]
    other_org = run(env, *selection, "--organization-id", "org-elsewhere", "--yes")
    assert other_org.returncode == 0 and other_org.stdout.startswith("nothing to purge")
    purged = run(env, *selection, "--credential", "env:anthropic", "--yes")
    assert purged.returncode == 0, purged.stderr
    assert "organization org-kafka" in purged.stdout
    expected = without(
        before, "anthropic", "2025-11-01", organization="org-kafka", source="admin_api"
    )
    assert await row_counts(database_url) == expected  # the console rows are still there
    deleted = sum(before.values()) - sum(expected.values())
    assert f"deleted {deleted} row(s)" in purged.stdout

    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        refetch = await pipeline.run_once(SINCE, UNTIL)
    assert {p: c["inserted"] for p, c in refetch.rows.items()} == {
        "anthropic": deleted,
        "openai": 0,
    }
    assert [await run_report(database_url, q) for q in queries] == before_report
    assert await contents(database_url) == stored


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "anthropic", "--since", "2025-11-01"], "--since and --until are required"),
        (["--provider", "openai", "--since", "2025-11-02", "--until", "2025-11-01"], "not before"),
        (
            [
                "--provider",
                "openai",
                *FIRST_DAY,
                "--credential",
                "env:openai",
                "--organization-id",
                "o",
            ],
            "pass one",
        ),
    ],
    ids=["no-until", "backwards", "two-organizations"],
)
def test_bad_purge_options_are_refused_before_touching_a_database(
    tmp_path: Path, args: list[str], message: str
) -> None:
    refused = run(cli_env(tmp_path / "data"), "purge", *args)
    assert refused.returncode == 2 and message in refused.stderr
    assert not (tmp_path / "data").exists()
