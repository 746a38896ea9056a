"""`reconcile` on consistent data: the simulator through the whole pipeline, then the check.

The simulator bills usage x price exactly, so every reported dollar is either compared (and
equal to the estimate) or listed as not estimable (unknown models, code execution, tool
calls...), and the command exits 0. A corrupted cost line makes it exit 1 on its day.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from typer.testing import CliRunner

from usage_common import Provider, Settings
from usage_ledger import ReconcileQuery, Reconciliation, Tolerance, reconcile
from usage_pipeline import Pipeline
from usage_pipeline.cli import app
from usage_simulator import console_csv

pytestmark = pytest.mark.postgres

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 8, tzinfo=UTC)
SEED = 42  # the simulator's default, used by --simulate
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")
CORRUPTED_DAY = date(2025, 11, 3)
runner = CliRunner()


@pytest.fixture
def simulated(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database holding 7 days of simulator data, fetched with the fast-mode beta."""
    for name in [n for n in os.environ if n.startswith("USAGE_")]:
        monkeypatch.delenv(name)
    settings = Settings(database_url=database_url, data_dir=tmp_path, anthropic_fast_mode_beta=True)

    async def load() -> None:
        async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
            tally = await pipeline.run_once(SINCE, UNTIL)
        assert not tally.failed, tally.lines()

    asyncio.run(load())
    return database_url


def run(url: str, provider: Provider, *args: str) -> tuple[int, dict[str, Any]]:
    out = runner.invoke(
        app,
        ["reconcile", "--provider", provider, "--since", "2025-11-01", "--until", "2025-11-08",
         "--format", "json", *args],
        env={"USAGE_DATABASE_URL": url},
    )  # fmt: skip
    return out.exit_code, json.loads(out.output)


async def check(url: str, provider: Provider) -> tuple[Reconciliation, Decimal]:
    """The reconciliation and the reported total straight from the table."""
    conn = await asyncpg.connect(url)
    try:
        total = await conn.fetchval(
            "SELECT coalesce(sum(cost_usd), 0) FROM cost_events WHERE provider = $1"
            " AND source = 'admin_api' AND window_start >= $2 AND window_start < $3",
            provider,
            SINCE,
            UNTIL,
        )
        return await reconcile(conn, ReconcileQuery(provider, SINCE, UNTIL), Tolerance()), total
    finally:
        await conn.close()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_simulator_data_reconciles_exactly_and_every_dollar_is_accounted(
    simulated: str, provider: Provider
) -> None:
    code, body = run(simulated, provider)
    assert code == 0, body
    assert body["status"] == "OK"
    assert {r["status"] for r in body["cost"]} == {"OK"}
    assert body["incomplete"] == []

    result, reported = asyncio.run(check(simulated, provider))
    days = [ln for ln in result.lines if not ln.per_project]
    assert len(days) >= 4  # quiet days have no rows at all
    assert any(ln.per_project for ln in result.lines)  # both sides grouped by project
    # exact, not merely within tolerance: the simulator bills usage x the same prices
    assert all(ln.diff == 0 for ln in result.lines)
    comparable = sum((Decimal(ln.right) for ln in days), Decimal(0))
    aside = sum((a.cost_usd for a in result.not_estimable), Decimal(0))
    assert comparable > 0 and aside > 0
    assert aside == reported - comparable  # every reported dollar: compared or listed
    assert sum((ln.not_estimable or Decimal(0) for ln in days), Decimal(0)) == aside
    assert Decimal(body["cost_totals"]["reported"]) == reported
    assert Decimal(body["cost_totals"]["not_estimable"]) == aside

    reasons = {a.reason for a in result.not_estimable}
    unknown = {"anthropic": "claude-experimental-1", "openai": "gpt-internal-preview"}
    assert f"no price for model {unknown[provider]}" in reasons
    if provider == "anthropic":
        assert "code execution has no usage to estimate from" in reasons
    else:
        assert "not model usage: the estimator does not price it" in reasons


def test_a_corrupted_cost_line_is_a_diff_on_its_day(simulated: str) -> None:
    async def corrupt() -> str:
        conn = await asyncpg.connect(simulated)
        try:
            key: str = await conn.fetchval(
                "SELECT dedupe_key FROM cost_events WHERE provider = 'anthropic'"
                " AND cost_type = 'tokens' AND model = 'claude-opus-5'"
                " AND (window_start AT TIME ZONE 'UTC')::date = $1"
                " ORDER BY cost_usd DESC, dedupe_key LIMIT 1",
                CORRUPTED_DAY,
            )
            await conn.execute(
                "UPDATE cost_events SET cost_usd = cost_usd + 5 WHERE dedupe_key = $1", key
            )
            return str(await conn.fetchval(
                "SELECT project_id FROM cost_events WHERE dedupe_key = $1", key
            ))  # fmt: skip
        finally:
            await conn.close()

    project = asyncio.run(corrupt())
    code, body = run(simulated, "anthropic")
    assert code == 1
    assert body["status"] == "DIFF"
    bad = [(r["day"], r["project_id"]) for r in body["cost"] if r["status"] != "OK"]
    assert bad == [(CORRUPTED_DAY.isoformat(), None), (CORRUPTED_DAY.isoformat(), project)]
    line = next(r for r in body["cost"] if r["day"] == CORRUPTED_DAY.isoformat())
    assert Decimal(line["diff"]) == Decimal(-5)
    # the tolerance is not what decides: $5 passes both $0.01 and 1% of the day
    assert Decimal(5) * 100 > Decimal(line["comparable"])
    assert run(simulated, "openai")[0] == 0  # the other provider is untouched


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_the_console_usage_export_matches_the_api_data_to_the_token(
    simulated: str, provider: Provider, tmp_path: Path
) -> None:
    export = tmp_path / f"{provider}_usage.csv"
    export.write_text(console_csv(provider, "usage", SINCE, UNTIL, SEED), encoding="utf-8")
    code, body = run(simulated, provider, "--against-csv", str(export))
    assert code == 0, body
    assert body["tokens"], "no token lines were compared"
    assert all(r["status"] == "OK" and r["database"] == r["csv"] for r in body["tokens"])
