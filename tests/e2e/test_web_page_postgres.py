"""The web page's reads on a real PostgreSQL: reported cost, freshness, and a view's data
with the ledger's refusals, from rows the writer stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from typer.testing import CliRunner

from usage_common import ConfigError, CostEvent, UsageEvent
from usage_ledger import Freshness, ReportQuery, fetch_freshness, fetch_reported_cost, run_report
from usage_pipeline.cli import app
from usage_schema import apply_migrations
from usage_webpage import PageQuery, load_page_data
from usage_writer import PostgresStorage

pytestmark = pytest.mark.postgres

D1 = datetime(2025, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def usage(start: datetime, *, fetched: datetime, width: str = "1h", **fields: Any) -> UsageEvent:
    values: dict[str, Any] = {
        "provider": "openai", "organization_id": "org", "source": "admin_api",
        "usage_type": "completions", "bucket_width": width, "window_start": start,
        "window_end": start + (DAY if width == "1d" else HOUR), "model": "gpt-4o",
        "input_tokens": 100, "input_uncached_tokens": 100, "input_cache_read_tokens": 0,
        "input_cache_write_tokens": 0, "input_cache_write_5m_tokens": 0,
        "input_cache_write_1h_tokens": 0, "output_tokens": 10, "cost_usd": Decimal("0.001"),
        "cost_source": "estimated", "fetched_at": fetched,
    }  # fmt: skip
    return UsageEvent(**(values | fields))


def cost(day: datetime, amount: str, **fields: Any) -> CostEvent:
    values: dict[str, Any] = {
        "provider": "openai", "organization_id": "org", "source": "admin_api",
        "bucket_width": "1d", "window_start": day, "window_end": day + DAY,
        "line_item": "gpt-4o, input", "cost_usd": Decimal(amount), "amount_reported": amount,
        "fetched_at": day + 2 * DAY,
    }  # fmt: skip
    return CostEvent(**(values | fields))


async def store(url: str, events: list[UsageEvent | CostEvent]) -> None:
    await apply_migrations(url)
    storage = await PostgresStorage.connect(url)
    try:
        await storage.upsert(list(events))  # type: ignore[arg-type]
    finally:
        await storage.close()


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    yield connection
    await connection.close()


async def test_reported_cost_is_summed_exactly_per_provider_and_day(
    database_url: str, conn: asyncpg.Connection
) -> None:
    await store(
        database_url,
        [
            cost(D1, "0.10"),
            cost(D1, "0.20", line_item="gpt-4o, output"),
            cost(D1 + DAY, "-0.05", line_item="credit"),
            cost(D1, "7", provider="anthropic", line_item="Claude"),
            cost(D1 + 3 * DAY, "100"),  # outside [D1, D1 + 2 days)
        ],
    )
    rows = await fetch_reported_cost(conn, D1, D1 + 2 * DAY, ("provider", "day"))
    assert rows == [
        {"provider": "anthropic", "day": "2025-11-01", "cost_usd": Decimal("7"), "lines": 1},
        {"provider": "openai", "day": "2025-11-01", "cost_usd": Decimal("0.30"), "lines": 2},
        {"provider": "openai", "day": "2025-11-02", "cost_usd": Decimal("-0.05"), "lines": 1},
    ]
    total = await fetch_reported_cost(conn, None, None, ())
    assert total == [{"cost_usd": Decimal("107.25"), "lines": 5}]
    with pytest.raises(ConfigError, match="cannot group reported cost by usage_type"):
        await fetch_reported_cost(conn, None, None, ("usage_type",))


async def test_freshness_is_the_newest_bucket_that_had_closed_when_fetched(
    database_url: str, conn: asyncpg.Connection
) -> None:
    now = D1 + 10 * HOUR + timedelta(minutes=20)
    await store(
        database_url,
        [
            usage(D1 + 8 * HOUR, fetched=now),
            usage(D1 + 9 * HOUR, fetched=now),
            usage(D1 + 10 * HOUR, fetched=now),  # the current hour: still filling up
            usage(D1, fetched=now, usage_type="embeddings", model="text-embedding-3-small"),
            cost(D1 - DAY, "1"),
        ],
    )
    assert await fetch_freshness(conn) == [
        Freshness("openai", "completions", D1 + 10 * HOUR, now, D1 + 10 * HOUR),
        Freshness("openai", "cost", D1, D1 + DAY, D1 - DAY),
        Freshness("openai", "embeddings", D1 + HOUR, now, D1),
    ]


async def test_a_view_refuses_mixed_widths_as_report_does_until_one_is_chosen(
    database_url: str,
) -> None:
    fetched = D1 + 3 * DAY
    await store(
        database_url,
        [
            usage(D1, fetched=fetched),
            usage(D1 + HOUR, fetched=fetched),
            usage(D1, fetched=fetched, width="1d"),
            cost(D1, "0.5"),
        ],
    )
    window = {"since": "2025-11-01", "until": "2025-11-02"}
    mixed = await load_page_data(database_url, PageQuery.from_params(window), None)
    assert mixed.refused and "several bucket widths" in mixed.refused
    assert mixed.by_provider == mixed.by_day == mixed.by_model == []
    assert mixed.reported[0]["cost_usd"] == Decimal("0.5")  # cost reports are not refused

    hourly = PageQuery.from_params(window | {"bucket_width": "1h"})
    view = await load_page_data(database_url, hourly, None)
    assert view.refused is None
    query = ReportQuery(view.since, view.until, ("provider", "model"), "1h")
    assert view.by_model == await run_report(database_url, query)
    assert view.by_model[0]["input_tokens"] == 200


async def test_an_unmigrated_database_says_to_migrate(database_url: str) -> None:
    async def no_runs(last: int) -> list[dict[str, Any]]:
        raise AssertionError("runs are not read from a database without tables")

    view = await load_page_data(database_url, PageQuery(), no_runs)
    assert view.refused is not None and "usage-pipeline migrate" in view.refused


def test_the_dashboard_command_refuses_an_unmigrated_database_with_2(database_url: str) -> None:
    out = CliRunner().invoke(app, ["dashboard", "--database-url", database_url, "--port", "0"])
    assert out.exit_code == 2, out.output
    assert "migrate" in out.output
