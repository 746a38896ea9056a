from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from usage_fetcher import EndpointReport, FetchState
from usage_fetcher.state import RunStart
from usage_pipeline.cli import app
from usage_schema import apply_migrations

pytestmark = pytest.mark.postgres

T0 = datetime(2025, 11, 1, tzinfo=UTC)


async def record_runs(url: str) -> None:
    await apply_migrations(url)
    state = await FetchState.connect(url)
    try:
        for n, outcome in enumerate(("ok", "error")):
            start = RunStart(
                "r1", "cycle", "env:openai", "org", "openai", "costs", "1d",
                T0, T0 + timedelta(days=1), T0 + timedelta(minutes=n),
            )  # fmt: skip
            row = await state.start_run(start)
            report = EndpointReport("openai", "costs", pages=2, records=7)
            report.stats.requests, report.stats.retries, report.stats.rate_limited = 4, 2, 1
            report.stats.codes.update({"429": 1, "503": 1})
            report.error = "openai costs: gave up" if outcome == "error" else None
            await state.finish_run(row, report, outcome, T0 + timedelta(minutes=n, seconds=3))
    finally:
        await state.close()


def test_runs_lists_the_last_runs_as_a_table_and_as_json(database_url: str) -> None:
    asyncio.run(record_runs(database_url))
    env = {"USAGE_DATABASE_URL": database_url}
    table = CliRunner().invoke(app, ["runs"], env=env)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split()[:3] == ["id", "started", "trigger"]
    assert "openai/costs" in lines[1] and "429x1,503x1" in lines[1] and lines[1].endswith("ok")
    assert lines[2].endswith("error: openai costs: gave up")
    out = CliRunner().invoke(app, ["runs", "--last", "1", "--format", "json"], env=env)
    [only] = json.loads(out.output)
    assert (only["outcome"], only["retries"], only["rate_limited"]) == ("error", 2, 1)
    assert only["errors_by_code"] == {"429": 1, "503": 1}


def test_runs_on_an_unmigrated_database_says_to_migrate(database_url: str) -> None:
    out = CliRunner().invoke(app, ["runs"], env={"USAGE_DATABASE_URL": database_url})
    assert out.exit_code == 2 and "usage-pipeline migrate" in out.output
