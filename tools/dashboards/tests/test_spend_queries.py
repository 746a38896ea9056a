"""Every SQL query of the generated Spend dashboard, run as Grafana would run it against
the migrated schema with real events in it, and its figures checked against `report`
and `reconcile` (usage_ledger) for the same data.

The data: the golden contract events (both providers, usage, cost reports, unpriced rows,
every part of the cache partition), written by the writer's PostgresStorage, plus
variations the dashboard must not count twice: the Anthropic messages day again at 1h
width, and OpenAI's hourly embeddings again at 1m width; and one model's row a day
earlier, which the top movers compare against.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from usage_common import UsageEvent, decode_event
from usage_dashboards.grafana_sql import TimeRange, dashboard_variables, interpolate, sql_targets
from usage_dashboards.spend import SQL_PANELS
from usage_ledger import (
    ReconcileQuery,
    ReportQuery,
    Tolerance,
    cost_totals,
    fetch_report,
    reconcile,
)
from usage_schema import apply_migrations
from usage_writer import PostgresStorage

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "contract" / "golden"
# The committed file, as Grafana loads it (test_generated_files keeps it current).
DASHBOARD: dict[str, Any] = json.loads(
    (ROOT / "deploy" / "grafana" / "dashboards" / "spend.json").read_text()
)
# What a user picks as an absolute range: the end is the last millisecond of a day.
RANGE = TimeRange(
    datetime(2024, 11, 1, tzinfo=UTC), datetime(2025, 8, 31, 23, 59, 59, 999000, tzinfo=UTC)
)
SPECS = {p.title: p for p in SQL_PANELS}
OPUS = "claude-opus-5"
SONNET = "claude-sonnet-4-5-20250929"


def golden_events() -> list[Any]:
    events = []
    for path in sorted(GOLDEN.glob("*/*.expected.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            row.pop("dedupe_key")
            events.append(decode_event(json.dumps(row).encode()))
    return events


def variations(events: list[Any]) -> list[UsageEvent]:
    messages = [e for e in events if isinstance(e, UsageEvent) and e.usage_type == "messages"]
    assert {e.model for e in messages} == {OPUS, SONNET}
    hourly = [
        e.model_copy(
            update={"bucket_width": "1h", "window_end": e.window_start + timedelta(hours=1)}
        )
        for e in messages
    ]
    [embeddings] = [e for e in events if isinstance(e, UsageEvent) and e.usage_type == "embeddings"]
    assert embeddings.bucket_width == "1h"
    minute = embeddings.model_copy(
        update={"bucket_width": "1m", "window_end": embeddings.window_start + timedelta(minutes=1)}
    )
    day = timedelta(days=1)
    earlier = [
        e.model_copy(
            update={"window_start": e.window_start - day, "window_end": e.window_end - day}
        )
        for e in messages
        if e.model == OPUS
    ]
    return [*hourly, minute, *earlier]


@pytest.fixture(scope="module")
async def spend_db(postgres_server_url: str) -> AsyncIterator[asyncpg.Connection]:
    name = f"spend_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        await apply_migrations(url)
        storage = await PostgresStorage.connect(url)
        try:
            events = golden_events()
            await storage.upsert(events + variations(events))
        finally:
            await storage.close()
        conn = await asyncpg.connect(url)
        try:
            yield conn
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def panel_rows(
    conn: asyncpg.Connection, title: str, span: TimeRange = RANGE, **chosen: str | list[str]
) -> list[asyncpg.Record]:
    [sql] = [t["rawSql"] for t_title, t in sql_targets(DASHBOARD) if t_title == title]
    return await conn.fetch(interpolate(sql, dashboard_variables(DASHBOARD, **chosen), span))


def test_every_sql_panel_has_a_spec_and_one_query() -> None:
    titles = [title for title, _ in sql_targets(DASHBOARD)]
    assert sorted(titles) == sorted(SPECS)


@pytest.mark.parametrize("title", sorted(SPECS))
async def test_panel_query_runs_and_returns_its_columns(
    spend_db: asyncpg.Connection, title: str
) -> None:
    spec = SPECS[title]
    [target] = [t for t_title, t in sql_targets(DASHBOARD) if t_title == title]
    assert target["format"] == spec.format
    sql = interpolate(target["rawSql"], dashboard_variables(DASHBOARD), RANGE)
    statement = await spend_db.prepare(sql)
    assert tuple(a.name for a in statement.get_attributes()) == spec.columns
    rows = await statement.fetch()
    assert rows, f"{title}: no rows for data that should fill it"
    if spec.kind == "timeseries":
        assert statement.get_attributes()[0].type.name == "timestamptz"
        times = [r["time"] for r in rows]
        assert times == sorted(times)  # Grafana needs a time series sorted by time
        values = [r[c] for r in rows for c in spec.columns[1:] if c != "metric"]
        assert all(v is None or isinstance(v, int | Decimal) for v in values)
    if spec.kind == "stat":
        assert len(rows) == 1 and rows[0][0] is not None


async def expected_usage(conn: asyncpg.Connection, provider: str) -> dict[str, Any]:
    """`report --by provider` over the provider's golden day(s) at the coarsest width of
    each usage type: Anthropic's messages at 1d; OpenAI's completions at 1d and the rest
    at 1h (two reports, since `report` takes one width)."""
    widths: tuple[str, ...] = ("1d", "1h") if provider == "openai" else ("1d",)
    if provider == "openai":
        since, until = datetime(2024, 11, 1, tzinfo=UTC), datetime(2024, 11, 3, tzinfo=UTC)
    else:
        since, until = datetime(2025, 7, 31, tzinfo=UTC), datetime(2025, 8, 2, tzinfo=UTC)
    rows = [
        r
        for width in widths
        for r in await fetch_report(conn, ReportQuery(since, until, ("provider",), width))
        if r["provider"] == provider
    ]
    total: dict[str, Any] = {}
    for row in rows:
        for name, value in row.items():
            if name != "provider" and value is not None:
                total[name] = total.get(name, 0) + value
    return total


async def test_token_partition_equals_the_report(spend_db: asyncpg.Connection) -> None:
    rows = await panel_rows(spend_db, "Token partition by provider and model")
    for provider in ("anthropic", "openai"):
        report = await expected_usage(spend_db, provider)
        mine = [r for r in rows if r["provider"] == provider]
        for measure in (
            "input_tokens",
            "input_uncached_tokens",
            "input_cache_read_tokens",
            "input_cache_write_5m_tokens",
            "input_cache_write_1h_tokens",
            "output_tokens",
            "requests",
        ):
            assert sum(r[measure] or 0 for r in mine) == report[measure], (provider, measure)
        unsplit = sum(r["input_cache_write_unsplit_tokens"] for r in mine)
        assert (
            unsplit
            == report["input_cache_write_tokens"]
            - report["input_cache_write_5m_tokens"]
            - report["input_cache_write_1h_tokens"]
        )
    # Stored at two widths, counted once: Sonnet's day at 1d and 1h (golden:
    # 250000+40000+12000+0), and an hour of embeddings at 1h and 1m (golden: 16000).
    [sonnet] = [r for r in rows if r["model"] == SONNET]
    assert sonnet["input_tokens"] == 302_000
    [embedding] = [r for r in rows if r["model"] == "text-embedding-3-small"]
    assert embedding["input_tokens"] == 16_000


async def test_totals_equal_report_and_reconcile(spend_db: asyncpg.Connection) -> None:
    conn = spend_db
    reports = {p: await expected_usage(conn, p) for p in ("anthropic", "openai")}
    [[estimated]] = await panel_rows(conn, "Estimated cost")
    assert estimated == sum(r["cost_usd"] for r in reports.values())
    [[unpriced]] = await panel_rows(conn, "Usage rows without a price")
    assert unpriced == sum(r["rows_without_cost"] for r in reports.values()) == 5
    [[ratio]] = await panel_rows(conn, "Cache hit ratio")
    read = sum(r["input_cache_read_tokens"] for r in reports.values())
    # PostgreSQL divides numerics to 20 significant digits, Python to 28.
    expected_ratio = Decimal(read) / sum(r["input_tokens"] for r in reports.values())
    assert abs(ratio - expected_ratio) < Decimal("1e-18")

    reconciled = {
        "anthropic": ReconcileQuery(
            "anthropic", datetime(2025, 7, 31, tzinfo=UTC), datetime(2025, 8, 2, tzinfo=UTC), "1d"
        ),
        # Any one width: every reported dollar is in the totals, estimable or not.
        "openai": ReconcileQuery(
            "openai", datetime(2024, 11, 1, tzinfo=UTC), datetime(2024, 11, 3, tzinfo=UTC), "1h"
        ),
    }
    totals = {p: cost_totals(await reconcile(conn, q, Tolerance())) for p, q in reconciled.items()}
    [[reported]] = await panel_rows(conn, "Reported cost")
    assert reported == sum(t["reported"] for t in totals.values())
    # golden: 1.2378912 + 0.000123 + 45.00 (Anthropic) + 0.06 + 0.895874 (OpenAI)
    assert reported == Decimal("47.1938882")

    [[only_anthropic]] = await panel_rows(conn, "Estimated cost", provider=["anthropic"])
    assert only_anthropic == reports["anthropic"]["cost_usd"] == totals["anthropic"]["estimated"]
    [[csv_only]] = await panel_rows(conn, "Reported cost", source="console_csv")
    assert csv_only is None


async def test_reported_and_estimated_stay_apart_per_day(spend_db: asyncpg.Connection) -> None:
    rows = await panel_rows(spend_db, "Reported vs estimated by day and provider")
    by_key = {(r["day"].date().isoformat(), r["provider"]): r for r in rows}
    anthropic = by_key[("2025-08-01", "anthropic")]
    assert anthropic["reported_cost_usd"] == Decimal("46.2380142")
    assert anthropic["estimated_cost_usd"] == Decimal("0.133225") + Decimal("0.897")
    assert anthropic["difference_usd"] == Decimal("46.2380142") - Decimal("1.030225")
    # The day before holds only the copied Opus estimate: no cost report, so no difference.
    before = by_key[("2025-07-31", "anthropic")]
    assert before["reported_cost_usd"] is None and before["difference_usd"] is None
    assert before["estimated_cost_usd"] == Decimal("0.133225")


async def test_top_movers_compare_with_the_range_before(spend_db: asyncpg.Connection) -> None:
    day = TimeRange(
        datetime(2025, 8, 1, tzinfo=UTC), datetime(2025, 8, 1, 23, 59, 59, 999000, tzinfo=UTC)
    )
    rows = await panel_rows(spend_db, "Top movers by model", day)
    movers = {r["model"]: r for r in rows}
    assert rows[0]["model"] == SONNET  # new on this day: the largest change
    sonnet, opus = movers[SONNET], movers[OPUS]
    assert (sonnet["previous_tokens"], sonnet["current_tokens"]) == (0, 310_000)
    assert sonnet["cost_change_usd"] == Decimal("0.897")
    assert opus["previous_tokens"] == opus["current_tokens"] == 3_700
    assert opus["token_change"] == 0 and opus["cost_change_usd"] == 0
