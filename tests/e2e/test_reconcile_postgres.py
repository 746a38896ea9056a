"""`reconcile` on a real PostgreSQL: rows written by the writer, compared by SQL sums."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from typer.testing import CliRunner

from usage_common import ConfigError, CostEvent, InvalidPayloadError, UsageEvent
from usage_ledger import CsvData, ReconcileQuery, Tolerance, reconcile
from usage_normalizer.pricing import estimate_cost
from usage_pipeline import reconcile_command
from usage_pipeline.cli import app
from usage_schema import apply_migrations
from usage_writer import PostgresStorage

pytestmark = pytest.mark.postgres

D1 = datetime(2025, 11, 1, tzinfo=UTC)
D2 = D1 + timedelta(days=1)
D3 = D1 + timedelta(days=2)
QUERY = ReconcileQuery("anthropic", D1, D3)
FETCHED = datetime(2025, 11, 5, tzinfo=UTC)


def usage(
    hour: datetime,
    *,
    cost: str | None,
    project: str | None = None,
    tokens: int = 1000,
    **fields: Any,
) -> UsageEvent:
    values: dict[str, Any] = {
        "provider": "anthropic",
        "organization_id": "org",
        "source": "admin_api",
        "usage_type": "messages",
        "bucket_width": "1h",
        "window_start": hour,
        "window_end": hour + timedelta(hours=1),
        "project_id": project,
        "model": "claude-opus-5",
        "input_tokens": tokens,
        "input_uncached_tokens": tokens,
        "input_cache_read_tokens": 0,
        "input_cache_write_tokens": 0,
        "input_cache_write_5m_tokens": 0,
        "input_cache_write_1h_tokens": 0,
        "output_tokens": tokens // 10,
        "cost_usd": None if cost is None else Decimal(cost),
        "cost_source": None if cost is None else "estimated",
        "fetched_at": FETCHED,
    }
    values.update(fields)
    return UsageEvent(**values)


def reported(day: datetime, amount: str, project: str | None = None, **fields: Any) -> CostEvent:
    """A cost line; by default Opus 5 input tokens, as a cost report grouped by description
    has it."""
    values: dict[str, Any] = {
        "provider": "anthropic",
        "organization_id": "org",
        "source": "admin_api",
        "bucket_width": "1d",
        "window_start": day,
        "window_end": day + timedelta(days=1),
        "project_id": project,
        "line_item": "Claude Opus 5 Usage - Input Tokens",
        "model": "claude-opus-5",
        "cost_type": "tokens",
        "token_type": "uncached_input_tokens",
        "cost_usd": Decimal(amount),
        "amount_reported": str(Decimal(amount) * 100),
        "fetched_at": FETCHED,
    }
    values.update(fields)
    return CostEvent(**values)


SEED: list[UsageEvent | CostEvent] = [
    # day 1: grouped by workspace on both sides; the default workspace is null
    usage(D1, cost="4.00", project="ws_a"),
    usage(D1 + timedelta(hours=5), cost="6.00", project="ws_a"),
    usage(D1 + timedelta(hours=1), cost="2.50", project=None),
    usage(D1 + timedelta(hours=2), cost=None, project=None, model="claude-unknown-1"),
    reported(D1, "10.00", "ws_a"),
    reported(D1, "2.00", None),  # default workspace: 0.50 over the estimate
    # day 2: usage grouped by workspace, costs not: compared per day only
    usage(D2, cost="3.333333", project="ws_b"),
    reported(D2, "3.34"),
    # not in the selection
    usage(D3, cost="100", project="ws_a"),  # after --until
    reported(D3, "100"),
    usage(D1, cost="50", provider="openai", model="gpt-4o"),  # another provider
    usage(D1, cost="70", source="console_csv"),  # not the admin API
    reported(D1, "70", source="console_csv"),
]


async def seed(url: str, events: Sequence[UsageEvent | CostEvent]) -> None:
    await apply_migrations(url)
    storage = await PostgresStorage.connect(url)
    batch: list[Any] = list(events)
    try:
        await storage.upsert(batch)
    finally:
        await storage.close()


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    await seed(database_url, SEED)
    connection = await asyncpg.connect(database_url)
    yield connection
    await connection.close()


def summary(lines: Any) -> list[tuple[Any, ...]]:
    return [
        (ln.check, ln.day, ln.per_project, ln.project_id, ln.left, ln.right, ln.status,
         ln.unpriced_rows)
        for ln in lines
    ]  # fmt: skip


async def test_estimated_against_reported_per_day_and_per_workspace(
    conn: asyncpg.Connection,
) -> None:
    result = await reconcile(conn, QUERY, Tolerance())
    assert summary(result.lines) == [
        ("cost", date(2025, 11, 1), False, None, Decimal("12.50"), Decimal("12.00"), "DIFF", 1),
        ("cost", date(2025, 11, 1), True, None, Decimal("2.50"), Decimal("2.00"), "DIFF", 1),
        ("cost", date(2025, 11, 1), True, "ws_a", Decimal("10.00"), Decimal("10.00"), "OK", 0),
        ("cost", date(2025, 11, 2), False, None, Decimal("3.333333"), Decimal("3.34"), "OK", 0),
    ]
    assert [(u.day, u.usage_type, u.model, u.rows) for u in result.unpriced] == [
        (date(2025, 11, 1), "messages", "claude-unknown-1", 1)
    ]
    assert result.exit_code == 1  # the default workspace is $0.50 (25%) over


async def test_the_tolerance_decides_the_verdict(conn: asyncpg.Connection) -> None:
    wide = await reconcile(conn, QUERY, Tolerance(usd=Decimal("0.5")))
    assert wide.exit_code == 0
    strict = await reconcile(conn, QUERY, Tolerance(usd=Decimal(0), pct=Decimal(0)))
    assert [ln.status for ln in strict.lines] == ["DIFF", "DIFF", "OK", "DIFF"]


async def test_mixed_bucket_widths_are_refused_unless_one_is_chosen(
    conn: asyncpg.Connection, database_url: str
) -> None:
    await seed(database_url, [usage(D1, cost="9", bucket_width="1d", window_end=D2)])
    with pytest.raises(ConfigError, match=r"several bucket widths \(anthropic messages: 1d, 1h\)"):
        await reconcile(conn, QUERY, Tolerance())
    hourly = ReconcileQuery("anthropic", D1, D3, bucket_width="1h")
    assert (await reconcile(conn, hourly, Tolerance())).lines[0].left == Decimal("12.50")


# --- comparable / not estimable / INCOMPLETE, from the stored rows ----------------------------

D10 = datetime(2025, 11, 10, tzinfo=UTC)
DAY10 = ReconcileQuery("anthropic", D10, D10 + timedelta(days=1))
WEB = {"line_item": "Web Search Usage", "model": None, "cost_type": "web_search",
       "token_type": None}  # fmt: skip


def at(hours: int) -> datetime:
    return D10 + timedelta(hours=hours)


SPLIT_SEED: list[UsageEvent | CostEvent] = [
    # ws_a: opus priced, with searches; Priority Tier usage (unpriced, billed outside the
    # cost report) with searches too: the web-search line is still comparable.
    usage(at(1), cost="5.00", project="ws_a", web_search_requests=10),
    usage(at(2), cost=None, project="ws_a", model="claude-sonnet-4-5", service_tier="priority",
          web_search_requests=4),
    reported(D10, "4.90", "ws_a"),
    reported(D10, "0.10", "ws_a", **WEB),
    reported(D10, "0.25", "ws_a", line_item="Code Execution Usage", model=None,
             cost_type="code_execution", token_type=None),
    # ws_b: priced opus and the unknown model, both searching: one web-search line, unsplit
    usage(at(3), cost="2.00", project="ws_b", model="claude-opus-5-20260101",
          web_search_requests=3),
    usage(at(4), cost=None, project="ws_b", model="claude-experimental-1",
          web_search_requests=2),
    reported(D10, "1.97", "ws_b"),  # cost lines name the undated id: still the same model
    reported(D10, "0.05", "ws_b", **WEB),
    reported(D10, "1.50", "ws_b", line_item="Claude Experimental 1 Usage - Output Tokens",
             model="claude-experimental-1"),
]  # fmt: skip


async def test_reported_cost_is_split_into_comparable_and_not_estimable(
    conn: asyncpg.Connection, database_url: str
) -> None:
    await seed(database_url, SPLIT_SEED)
    result = await reconcile(conn, DAY10, Tolerance())
    day = date(2025, 11, 10)
    assert [
        (ln.project_id, ln.left, ln.right, ln.not_estimable, ln.status) for ln in result.lines
    ] == [
        (None, Decimal("7.00"), Decimal("7.02"), Decimal("1.75"), "INCOMPLETE"),
        ("ws_a", Decimal("5.00"), Decimal("5.00"), Decimal("0.25"), "OK"),
        ("ws_b", Decimal("2.00"), Decimal("2.02"), Decimal("1.50"), "INCOMPLETE"),
    ]
    assert [(a.project_id, a.line, a.cost_usd, a.reason) for a in result.not_estimable] == [
        ("ws_a", "code_execution", Decimal("0.25"),
         "code execution has no usage to estimate from"),
        ("ws_b", "claude-experimental-1", Decimal("1.50"),
         "no price for model claude-experimental-1"),
    ]  # fmt: skip
    assert [(i.day, i.project_id, i.line) for i in result.incomplete] == [
        (day, "ws_b", "web_search")
    ]
    assert result.exit_code == 1


async def test_a_cost_report_not_grouped_by_description_cannot_be_checked(
    conn: asyncpg.Connection, database_url: str
) -> None:
    await seed(
        database_url,
        [
            usage(at(1), cost="5.00", project="ws_a"),
            reported(D10, "5.00", "ws_a", line_item=None, model=None, cost_type=None,
                     token_type=None),
        ],
    )  # fmt: skip
    result = await reconcile(conn, DAY10, Tolerance())
    assert [(ln.left, ln.right, ln.status) for ln in result.lines] == [
        (Decimal("5.00"), Decimal("5.00"), "INCOMPLETE"),
        (Decimal("5.00"), Decimal("5.00"), "INCOMPLETE"),
    ]
    assert result.exit_code == 1


def csv_usage(day: datetime, project: str | None, tokens: int, **dims: str) -> UsageEvent:
    return usage(day, cost=None, project=project, tokens=tokens, source="console_csv",
                 bucket_width="1d", window_end=day + timedelta(days=1), dimensions=dims)  # fmt: skip


async def test_token_totals_against_a_console_usage_export(conn: asyncpg.Connection) -> None:
    # database day 1: ws_a 2000 input, default 2000 (one priced, one unpriced row); day 2: 1000
    export = CsvData(
        "usage",
        (
            csv_usage(D1, "ws_a", 2000),
            csv_usage(D1, None, 2000),
            csv_usage(D2, "ws_b", 999),
            csv_usage(D3, None, 5),  # after --until: ignored
        ),
    )
    result = await reconcile(conn, QUERY, Tolerance(), export)
    tokens = [ln for ln in result.lines if ln.check == "tokens"]
    day1 = [(ln.project_id, ln.measure, ln.left, ln.right) for ln in tokens if ln.day == D1.date()]
    assert ("ws_a", "input_tokens", 2000, 2000) in day1  # ids match: per workspace too
    assert all(ln.within for ln in tokens if ln.day == D1.date())
    day2 = [
        (ln.per_project, ln.measure, ln.diff, ln.status) for ln in tokens if ln.day == D2.date()
    ]
    assert (False, "input_tokens", 1, "DIFF") in day2
    assert (True, "input_tokens", 1, "DIFF") in day2


async def test_a_console_export_naming_workspaces_is_compared_per_day_only(
    conn: asyncpg.Connection,
) -> None:
    export = CsvData("usage", (csv_usage(D1, "Production", 4000, workspace_name="Production"),))
    result = await reconcile(conn, QUERY, Tolerance(), export)
    tokens = [ln for ln in result.lines if ln.check == "tokens" and ln.day == D1.date()]
    assert {ln.per_project for ln in tokens} == {False}
    assert all(ln.within for ln in tokens)
    assert any("compared per day only" in n for n in result.notes)


async def test_reported_cost_against_a_console_cost_export(conn: asyncpg.Connection) -> None:
    export = CsvData(
        "cost",
        (reported(D1, "12.00", source="console_csv"), reported(D2, "3.50", source="console_csv")),
    )
    result = await reconcile(conn, QUERY, Tolerance(), export)
    lines = [
        (ln.day, ln.left, ln.right, ln.status) for ln in result.lines if ln.check == "csv_cost"
    ]
    assert lines == [
        (date(2025, 11, 1), Decimal("12.00"), Decimal("12.00"), "OK"),
        (date(2025, 11, 2), Decimal("3.34"), Decimal("3.50"), "DIFF"),
    ]


async def test_a_csv_needs_one_organization(conn: asyncpg.Connection, database_url: str) -> None:
    await seed(database_url, [usage(D1, cost="1", organization_id="other-org")])
    export = CsvData("usage", (csv_usage(D1, None, 1),))
    with pytest.raises(ConfigError, match="2 anthropic organizations"):
        await reconcile(conn, QUERY, Tolerance(), export)
    one = ReconcileQuery("anthropic", D1, D3, organization_id="org")
    assert (await reconcile(conn, one, Tolerance(), export)).lines


# --- the command, as a user runs it ----------------------------------------------------------

runner = CliRunner()
ARGS = ["reconcile", "--provider", "anthropic", "--since", "2025-11-01", "--until", "2025-11-03"]


def test_the_command_prints_json_and_exits_1_on_a_difference(database_url: str) -> None:
    asyncio.run(seed(database_url, SEED))
    env = {"USAGE_DATABASE_URL": database_url}
    out = runner.invoke(app, [*ARGS, "--format", "json"], env=env)
    assert out.exit_code == 1, out.output
    body = json.loads(out.output)
    assert body["status"] == "DIFF"
    assert [r["estimated"] for r in body["cost"]] == ["12.50", "2.50", "10.00", "3.333333"]
    assert [r["comparable"] for r in body["cost"]] == ["12.00", "2.00", "10.00", "3.34"]
    assert body["not_estimable"] == []
    ok = runner.invoke(app, [*ARGS, "--tolerance-usd", "0.50"], env=env)
    assert ok.exit_code == 0, ok.output
    assert ok.output.rstrip().endswith("OK: every line within tolerance")


def test_the_command_compares_a_csv_file(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(seed(database_url, SEED))

    def reader(provider: str, kind: str, text: str, **_: Any) -> list[UsageEvent | CostEvent]:
        if kind != "cost":
            raise InvalidPayloadError("not a usage export")
        rows = [line.split(",") for line in text.strip().splitlines()[1:]]
        return [
            reported(datetime.fromisoformat(day).replace(tzinfo=UTC), amount, source="console_csv")
            for day, amount in rows
        ]

    monkeypatch.setattr(reconcile_command, "load_csv_reader", lambda: reader)
    export = tmp_path / "cost.csv"
    export.write_text("usage_date_utc,cost_usd\n2025-11-01,12.00\n2025-11-02,3.34\n")
    env = {"USAGE_DATABASE_URL": database_url}
    out = runner.invoke(app, [*ARGS, "--against-csv", str(export), "--tolerance-usd", "1"], env=env)
    assert out.exit_code == 0, out.output
    assert "cost: reported (cost report) vs console CSV" in out.output


def test_the_command_exits_1_when_an_estimate_cannot_be_checked(database_url: str) -> None:
    asyncio.run(seed(database_url, SPLIT_SEED))
    args = ["reconcile", "--provider", "anthropic", "--since", "2025-11-10", "--until",
            "2025-11-11"]  # fmt: skip
    out = runner.invoke(app, args, env={"USAGE_DATABASE_URL": database_url})
    assert out.exit_code == 1, out.output
    assert "estimates that cannot be checked" in out.output
    assert out.output.rstrip().endswith("INCOMPLETE: 2 of 3 lines cannot be checked")
    # a wider tolerance does not make an unchecked estimate pass
    wide = runner.invoke(app, [*args, "--tolerance-usd", "100"],
                         env={"USAGE_DATABASE_URL": database_url})  # fmt: skip
    assert wide.exit_code == 1, wide.output


def test_the_command_refuses_an_unmigrated_database_with_2(database_url: str) -> None:
    out = runner.invoke(app, ARGS, env={"USAGE_DATABASE_URL": database_url})
    assert out.exit_code == 2
    assert "usage-pipeline migrate" in out.output


ANTHROPIC_USAGE_EXPORT = (
    "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
    "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
    "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
    "web_search_count,inference_geo,speed\n"
    "2025-11-01,claude-opus-5,Closer App,Default,standard,≤ 200k,46981,15969,0,0,16932,0,global,\n"
)


def test_the_command_reads_a_real_console_export_and_prices_with_the_estimator(
    database_url: str, tmp_path: Path
) -> None:
    bucket = usage(D1, cost=None, context_window="0-200k").model_copy(
        update={
            "input_tokens": 62950,
            "input_uncached_tokens": 46981,
            "input_cache_write_tokens": 15969,
            "input_cache_write_5m_tokens": 15969,
            "output_tokens": 16932,
        }
    )
    estimate = estimate_cost(bucket).cost_usd
    assert estimate == Decimal("0.75801125")  # 46981 x $5 + 15969 x $6.25 + 16932 x $25, /1M
    priced = bucket.model_copy(update={"cost_usd": estimate, "cost_source": "estimated"})
    asyncio.run(seed(database_url, [priced, reported(D1, "0.76")]))
    export = tmp_path / "claude_api_usage.csv"
    export.write_text(ANTHROPIC_USAGE_EXPORT, encoding="utf-8")
    out = runner.invoke(
        app,
        [*ARGS, "--against-csv", str(export), "--format", "json"],
        env={"USAGE_DATABASE_URL": database_url},
    )
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert [(r["estimated"], r["comparable"], r["status"]) for r in body["cost"]] == [
        ("0.75801125", "0.76", "OK")
    ]
    assert {(r["measure"], r["database"], r["csv"]) for r in body["tokens"]} == {
        ("input_tokens", 62950, 62950),
        ("input_uncached_tokens", 46981, 46981),
        ("input_cache_read_tokens", 0, 0),
        ("input_cache_write_tokens", 15969, 15969),
        ("output_tokens", 16932, 16932),
    }
