"""Cost lines: usage x price, exact, consistent under every grouping, and fast."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from usage_simulator import costs, expected_cost_usd, expected_usage_totals
from usage_simulator.catalogue import Provider
from usage_simulator.costs import OPENAI_LINE_LABELS, cost_lines, cost_rows
from usage_simulator.data import aggregate, generate, metric_names
from usage_simulator.datasets import USAGE_ENDPOINTS
from usage_simulator.pricing import ANTHROPIC_TOKEN_PRICES, OPENAI_TOKEN_PRICES, billing_rates

DAY = datetime(2026, 2, 10, tzinfo=UTC)
WEEK_END = DAY + timedelta(days=7)
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")
_ANTHROPIC_TOKEN_METRICS = {
    "uncached_input_tokens": "uncached_input_tokens",
    "output_tokens": "output_tokens",
    "cache_read_input_tokens": "cache_read_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write_5m",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "group_by",
    [(), ("workspace_id",), ("description",), ("workspace_id", "description")],
    ids=["none", "one", "lines", "both"],
)
def test_expected_cost_is_the_sum_under_any_grouping(
    provider: Provider, group_by: tuple[str, ...]
) -> None:
    if provider == "openai":
        group_by = tuple(
            {"workspace_id": "project_id", "description": "line_item"}[g] for g in group_by
        )
    rows = cost_rows(provider, DAY, WEEK_END, 42, group_by)
    served = sum((row.amount_usd for day in rows.values() for row in day), Decimal(0))
    assert served == expected_cost_usd(provider, DAY, WEEK_END, 42)
    assert served > 0
    assert len(rows) <= 7


def test_anthropic_token_lines_are_usage_times_the_rate_of_the_day() -> None:
    names = metric_names("anthropic")
    for day in (DAY + timedelta(days=n) for n in range(3)):
        records = generate("anthropic", day, day + timedelta(days=1), 42)
        usage = aggregate(
            "anthropic",
            records,
            "1d",
            ("model", "service_tier", "context_window", "speed", "inference_geo"),
        )
        lines = Counter[tuple[object, ...]]()
        amounts: defaultdict[tuple[object, ...], Decimal] = defaultdict(Decimal)
        for line in cost_lines("anthropic", day, day + timedelta(days=1), 42):
            if line.dims["cost_type"] != "tokens":
                continue
            key = tuple(
                line.dims[k]
                for k in ("model", "service_tier", "context_window", "speed", "inference_geo")
            )
            lines[(*key, line.dims["token_type"])] += line.quantity
            amounts[(*key, line.dims["token_type"])] += line.amount_usd
        for row in usage.get(day, []):
            d = row.dims
            key = (
                d["model"],
                d["service_tier"],
                d["context_window"],
                d["speed"],
                d["inference_geo"],
            )
            rates = billing_rates(
                "anthropic",
                str(d["model"]),
                day.date(),
                batch=d["service_tier"] == "batch",
                fast=d["speed"] == "fast",
            )
            for token_type, metric in _ANTHROPIC_TOKEN_METRICS.items():
                assert metric in names
                tokens = row.metrics[metric]
                if d["service_tier"] == "priority":
                    assert lines[(*key, token_type)] == 0, "priority is not in the cost report"
                    continue
                assert lines[(*key, token_type)] == tokens
                rate = rates.per_unit(
                    ANTHROPIC_TOKEN_PRICES[token_type],
                    long_context=d["context_window"] == "200k-1M",
                )
                assert rate is not None
                assert amounts[(*key, token_type)] == tokens * rate


def test_openai_token_lines_are_usage_times_the_rate_of_the_day() -> None:
    records = generate("openai", DAY, DAY + timedelta(days=1), 42)
    usage = aggregate("openai", records, "1d", ("model", "batch"))[DAY]
    quantities = Counter[str]()
    amounts: defaultdict[str, Decimal] = defaultdict(Decimal)
    for line in cost_lines("openai", DAY, DAY + timedelta(days=1), 42):
        quantities[str(line.dims["line_item"])] += line.quantity
        amounts[str(line.dims["line_item"])] += line.amount_usd
    checked = 0
    for row in usage:
        model, batch = str(row.dims["model"]), row.dims["batch"] is True
        rates = billing_rates("openai", model, DAY.date(), batch=batch)
        for metric, chain in OPENAI_TOKEN_PRICES.items():
            item = f"{model}, {'batch ' if batch else ''}{OPENAI_LINE_LABELS[metric]}"
            tokens = row.metrics[metric]
            rate = rates.per_unit(chain)
            assert rate is not None
            assert quantities[item] == tokens, item
            assert amounts[item] == tokens * rate, item
            checked += bool(tokens)
    assert checked >= 20


def test_priority_usage_has_no_cost_but_is_in_the_usage() -> None:
    lines = cost_lines("anthropic", DAY, WEEK_END, 42)
    assert {line.dims["service_tier"] for line in lines} == {"standard", "batch", None}
    usage = expected_usage_totals("anthropic", "messages", DAY, WEEK_END, 42)
    billed = sum(
        line.quantity for line in lines if line.dims["token_type"] == "uncached_input_tokens"
    )
    assert 0 < billed < usage["uncached_input_tokens"]


def test_not_all_costs_are_tokens() -> None:
    anthropic = {str(line.dims["cost_type"]) for line in cost_lines("anthropic", DAY, WEEK_END, 42)}
    assert anthropic == {"tokens", "web_search", "code_execution"}
    searches = expected_usage_totals("anthropic", None, DAY, WEEK_END, 42)["web_search_requests"]
    web = [
        line
        for line in cost_lines("anthropic", DAY, WEEK_END, 42)
        if line.dims["cost_type"] == "web_search"
    ]
    assert sum(line.quantity for line in web) <= searches
    assert all(line.amount_usd == line.quantity * Decimal("0.01") for line in web), "$10 / 1000"
    code = [
        line
        for line in cost_lines("anthropic", DAY, WEEK_END, 42)
        if line.dims["description"] == "Code Execution Usage"
    ]
    assert code
    assert all(line.dims["model"] is None and line.dims["token_type"] is None for line in code)

    units = {str(line.dims["quantity_unit"]) for line in cost_lines("openai", DAY, WEEK_END, 42)}
    assert units == {"tokens", "characters", "duration_seconds", "images", "calls", "sessions"}


def test_openai_amounts_have_at_most_ten_decimal_places() -> None:
    lines = cost_lines("openai", DAY, WEEK_END, 42)
    assert all(int(line.amount_usd.as_tuple().exponent) >= -10 for line in lines)
    assert any(int(line.amount_usd.normalize().as_tuple().exponent) < -6 for line in lines)


def test_anthropic_amounts_have_fractional_cents() -> None:
    lines = cost_lines("anthropic", DAY, WEEK_END, 42)
    assert any((line.amount_usd * 100) % 1 for line in lines)


def test_unknown_model_usage_is_billed() -> None:
    lines = cost_lines("anthropic", DAY, WEEK_END, 42)
    assert any(line.dims["model"] == "claude-experimental-1" for line in lines)
    items = {str(line.dims["line_item"]) for line in cost_lines("openai", DAY, WEEK_END, 42)}
    assert "gpt-internal-preview, input" in items


def test_cost_for_a_partial_window_only_counts_usage_inside_it() -> None:
    noon = DAY + timedelta(hours=12)
    whole = expected_cost_usd("openai", DAY, DAY + timedelta(days=1), 42)
    morning = expected_cost_usd("openai", DAY, noon, 42)
    afternoon = expected_cost_usd("openai", noon, DAY + timedelta(days=1), 42)
    assert morning + afternoon == whole
    assert 0 < morning < whole


def test_thirty_one_days_of_every_endpoint_and_both_cost_reports_is_fast() -> None:
    billing_rates("anthropic", "claude-opus-5", DAY.date())  # load genai-prices once
    until = DAY + timedelta(days=31)
    costs._whole_day.cache_clear()  # measure pricing too, not the per-day cache
    started = time.perf_counter()
    for provider in PROVIDERS:
        for endpoint in USAGE_ENDPOINTS[provider]:
            expected_usage_totals(provider, endpoint, DAY, until, 42)
        expected_cost_usd(provider, DAY, until, 42)
    assert time.perf_counter() - started < 2.0
