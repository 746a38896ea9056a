"""Console CSV exports: documented headers, names instead of ids, API-consistent totals."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from usage_simulator import (
    CSV_VERSIONS,
    console_csv,
    expected_cost_usd,
    expected_totals,
    expected_usage_totals,
)
from usage_simulator.data import generate

DAY = datetime(2026, 2, 10, tzinfo=UTC)
END = DAY + timedelta(days=5)

HEADERS = {
    ("anthropic", "usage", "latest"): "usage_date_utc,model_version,api_key,workspace,usage_type,"
    "context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
    "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
    "web_search_count,inference_geo,speed",
    ("anthropic", "usage", "2025-06"): "usage_date_utc,model_version,api_key,workspace,usage_type,"
    "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
    "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
    "web_search_count",
    ("anthropic", "usage", "legacy"): "usage_date_utc,model_version,api_key,workspace,usage_type,"
    "usage_input_tokens_no_cache,usage_input_tokens_cache_write,usage_input_tokens_cache_read,"
    "usage_output_tokens,web_search_count",
    ("anthropic", "cost", "latest"): "usage_date_utc,model,workspace,api_key,usage_type,"
    "context_window,token_type,cost_usd,list_price_usd,cost_type,inference_geo,speed,"
    "api_key_id,api_key_status",
    ("anthropic", "cost", "list-price"): "usage_date_utc,model,workspace,api_key,usage_type,"
    "context_window,token_type,cost_usd,list_price_usd,cost_type,inference_geo,speed",
    ("anthropic", "cost", "context-window"): "usage_date_utc,model,workspace,api_key,usage_type,"
    "context_window,token_type,cost_usd,cost_type",
    ("anthropic", "cost", "2024-12"): "usage_date_utc,model,workspace,api_key,usage_type,"
    "token_type,cost_usd",
    ("openai", "usage", "2025-10"): "start_time,end_time,start_time_iso,end_time_iso,project_id,"
    "num_model_requests,user_id,api_key_id,model,batch,service_tier,input_tokens,output_tokens,"
    "input_cached_tokens,input_uncached_tokens,input_text_tokens,output_text_tokens,"
    "input_cached_text_tokens,input_audio_tokens,input_cached_audio_tokens,output_audio_tokens,"
    "input_image_tokens,input_cached_image_tokens,output_image_tokens",
    ("openai", "cost", "2025-10"): "start_time,end_time,start_time_iso,end_time_iso,amount_value,"
    "amount_currency,line_item,project_id,organization_id,organization_name",
}
HEADERS[("openai", "usage", "latest")] = (
    HEADERS[("openai", "usage", "2025-10")] + ",input_cache_write_tokens"
)
HEADERS[("openai", "cost", "latest")] = (
    HEADERS[("openai", "cost", "2025-10")]
    + ",quantity,quantity_unit,user_id,api_key_id,project_name,user_email,api_source"
)
ALL_VERSIONS = [(p, k, v) for (p, k), versions in CSV_VERSIONS.items() for v in versions]


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def column(rows: list[dict[str, str]], name: str) -> Decimal:
    return sum((Decimal(row[name]) for row in rows if row[name]), Decimal(0))


def test_versions_are_listed_newest_first() -> None:
    assert CSV_VERSIONS == {
        ("anthropic", "usage"): ("latest", "2025-06", "legacy"),
        ("anthropic", "cost"): ("latest", "list-price", "context-window", "2024-12"),
        ("openai", "usage"): ("latest", "2025-10"),
        ("openai", "cost"): ("latest", "2025-10"),
    }


@pytest.mark.parametrize(("provider", "kind", "version"), ALL_VERSIONS)
def test_each_version_has_the_documented_header(provider: str, kind: str, version: str) -> None:
    text = console_csv(provider, kind, DAY, END, 42, version=version)  # type: ignore[arg-type]
    assert text.splitlines()[0] == HEADERS[(provider, kind, version)]
    assert len(text.splitlines()) > 5


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="known: latest, 2025-06, legacy"):
        console_csv("anthropic", "usage", DAY, END, 42, version="2023")


@pytest.mark.parametrize("version", CSV_VERSIONS[("anthropic", "usage")])
def test_anthropic_usage_totals_agree_with_the_api(version: str) -> None:
    rows = parse(console_csv("anthropic", "usage", DAY, END, 42, version=version))
    totals = expected_totals("anthropic", DAY, END, 42)
    assert column(rows, "usage_input_tokens_no_cache") == totals["uncached_input_tokens"]
    assert column(rows, "usage_input_tokens_cache_read") == totals["cache_read_input_tokens"]
    assert column(rows, "usage_output_tokens") == totals["output_tokens"]
    assert column(rows, "web_search_count") == totals["web_search_requests"]
    writes = totals["cache_write_5m"] + totals["cache_write_1h"]
    if version == "legacy":
        assert column(rows, "usage_input_tokens_cache_write") == writes
    else:
        assert column(rows, "usage_input_tokens_cache_write_5m") == totals["cache_write_5m"]
        assert column(rows, "usage_input_tokens_cache_write_1h") == totals["cache_write_1h"]
    days = {row["usage_date_utc"] for row in rows}
    assert days <= {(DAY + timedelta(days=n)).date().isoformat() for n in range(5)}


def test_anthropic_usage_rows_are_per_day_and_per_api_grouping() -> None:
    rows = parse(console_csv("anthropic", "usage", DAY, DAY + timedelta(days=1), 42))
    per_model = Counter[str]()
    for row in rows:
        per_model[row["model_version"]] += int(row["usage_output_tokens"])
    api = Counter[str]()
    for record in generate("anthropic", DAY, DAY + timedelta(days=1), 42):
        api[str(record.combo.dims["model"])] += record.metrics[4]
    assert per_model == api
    assert {row["workspace"] for row in rows} >= {"Default", "Production"}
    assert "prod-backend" in {row["api_key"] for row in rows}
    assert "" in {row["api_key"] for row in rows}, "Console usage has no key"
    assert not any(row["workspace"].startswith("wrkspc_") for row in rows)
    assert {row["context_window"] for row in rows} == {"≤ 200k", "> 200k"}
    assert {row["usage_type"] for row in rows} <= {"standard", "batch", "priority"}
    assert {row["speed"] for row in rows} <= {"", "fast"}


@pytest.mark.parametrize("version", CSV_VERSIONS[("anthropic", "cost")])
def test_anthropic_cost_is_in_dollars_and_agrees_with_the_api(version: str) -> None:
    rows = parse(console_csv("anthropic", "cost", DAY, END, 42, version=version))
    assert column(rows, "cost_usd") == expected_cost_usd("anthropic", DAY, END, 42)
    models = {row["model"] for row in rows}
    assert "Claude Haiku 4.5" in models
    assert not any(model.startswith("claude-") for model in models), "display names"
    token_types = {row["token_type"] for row in rows}
    assert token_types == {
        "",
        "input_no_cache",
        "input_cache_read",
        "input_cache_write_5m",
        "input_cache_write_1h",
        "output",
    }


def test_anthropic_cost_latest_columns() -> None:
    rows = parse(console_csv("anthropic", "cost", DAY, END, 42))
    assert {row["cost_type"] for row in rows} == {"token", "web_search", "code_execution"}
    assert {row["usage_type"] for row in rows} == {"message", "batch", "code_execution"}
    batch = [row for row in rows if row["usage_type"] == "batch" and row["cost_type"] == "token"]
    assert batch
    assert all(Decimal(row["list_price_usd"]) == 2 * Decimal(row["cost_usd"]) for row in batch)
    assert column(rows, "list_price_usd") > column(rows, "cost_usd")
    statuses = {(row["api_key"], row["api_key_status"], row["api_key_id"]) for row in rows}
    assert ("nightly-batch", "archived", "apikey_01SimBatchKey00000000002") in statuses
    assert ("", "", "") in statuses
    assert {row["context_window"] for row in rows} == {"", "≤ 200k", "> 200k"}


@pytest.mark.parametrize("version", CSV_VERSIONS[("openai", "usage")])
def test_openai_usage_export_agrees_with_the_api(version: str) -> None:
    text = console_csv("openai", "usage", DAY, END, 42, version=version)
    rows = parse(text)
    totals = expected_usage_totals("openai", "completions", DAY, END, 42)
    for name in ("input_tokens", "output_tokens", "input_cached_tokens", "num_model_requests"):
        assert column(rows, name) == totals[name]
    if version == "latest":
        assert column(rows, "input_cache_write_tokens") == totals["input_cache_write_tokens"]
    data = [row for row in rows if row["input_tokens"]]
    assert all(row["num_model_requests"].endswith(".0") for row in data)
    assert {row["batch"] for row in data} == {"TRUE", "FALSE"}
    assert all(row["start_time_iso"].endswith("T00:00:00+00:00") for row in rows)
    assert all(int(row["end_time"]) - int(row["start_time"]) == 86_400 for row in rows)
    assert "" in {row["user_id"] for row in data}


def quiet_window() -> tuple[datetime, datetime]:
    day = DAY
    while expected_totals("openai", day, day + timedelta(days=1), 42)["num_model_requests"]:
        day += timedelta(days=1)
    return day, day + timedelta(days=1)


def test_openai_empty_buckets_have_only_the_time_columns() -> None:
    quiet, _ = quiet_window()
    rows = parse(
        console_csv("openai", "usage", quiet - timedelta(days=1), quiet + timedelta(days=2), 42)
    )
    empty = [row for row in rows if row["start_time"] == str(int(quiet.timestamp()))]
    assert len(empty) == 1
    assert all(
        value == "" for key, value in empty[0].items() if not key.startswith(("start", "end"))
    )


@pytest.mark.parametrize("kind", ["usage", "cost"])
def test_openai_export_without_usage_has_only_the_time_columns(kind: str) -> None:
    since, until = quiet_window()
    text = console_csv("openai", kind, since, until, 42)  # type: ignore[arg-type]
    lines = text.splitlines()
    assert lines[0] == "start_time,end_time,start_time_iso,end_time_iso"
    assert (
        lines[1]
        == f"{int(since.timestamp())},{int(until.timestamp())},{since.isoformat()},{until.isoformat()}"
    )


@pytest.mark.parametrize("version", CSV_VERSIONS[("openai", "cost")])
def test_openai_cost_export_agrees_with_the_api(version: str) -> None:
    rows = parse(console_csv("openai", "cost", DAY, END, 42, version=version))
    data = [row for row in rows if row["amount_value"]]
    assert column(data, "amount_value") == expected_cost_usd("openai", DAY, END, 42)
    assert all(len(row["amount_value"].partition(".")[2]) == 16 for row in data)
    assert {row["amount_currency"] for row in data} == {"usd"}
    assert "gpt-4o-2024-08-06, input" in {row["line_item"] for row in data}
    if version == "latest":
        assert "Web App" in {row["project_name"] for row in data}
        assert "alice@sim.example" in {row["user_email"] for row in data}
        assert {row["quantity_unit"] for row in data} >= {"tokens", "calls"}
        assert all(row["quantity"].endswith(".0") for row in data)
