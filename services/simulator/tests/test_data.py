"""The pure data module: determinism, consistency across widths, and the null rules."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from usage_simulator import USAGE_ENDPOINTS, expected_usage_totals
from usage_simulator.buckets import BucketWidth
from usage_simulator.catalogue import ANTHROPIC_COMBOS, OPENAI_COMBOS, Provider
from usage_simulator.data import (
    aggregate,
    expected_row_count,
    expected_totals,
    generate,
    metric_names,
    select_combos,
)

DAY = datetime(2026, 2, 10, tzinfo=UTC)
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_same_seed_same_records_and_other_seed_differs(provider: Provider) -> None:
    until = DAY + timedelta(days=2)
    first = generate(provider, DAY, until, seed=1)
    assert first == generate(provider, DAY, until, seed=1)
    assert first != generate(provider, DAY, until, seed=2)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("group_by", [(), ("model",), ("api_key_id", "service_tier")])
def test_day_equals_sum_of_hours_equals_sum_of_minutes(
    provider: Provider, group_by: tuple[str, ...]
) -> None:
    records = generate(provider, DAY, DAY + timedelta(days=1), seed=42)
    names = metric_names(provider)

    def totals(width: BucketWidth) -> Counter[tuple[object, ...]]:
        summed: Counter[tuple[object, ...]] = Counter()
        for rows in aggregate(provider, records, width, group_by).values():
            for row in rows:
                for name in names:
                    summed[(*row.dims.values(), name)] += row.metrics[name]
        return summed

    assert totals("1d") == totals("1h") == totals("1m")


def test_openai_input_tokens_are_cached_plus_cache_write_plus_uncached() -> None:
    names = metric_names("openai")
    for record in generate("openai", DAY, DAY + timedelta(days=3), seed=42):
        m = dict(zip(names, record.metrics, strict=True))
        assert m["input_tokens"] == (
            m["input_cached_tokens"] + m["input_cache_write_tokens"] + m["input_uncached_tokens"]
        )
        assert m["input_uncached_tokens"] == (
            m["input_text_tokens"] + m["input_audio_tokens"] + m["input_image_tokens"]
        )
        assert m["input_cached_tokens"] == (
            m["input_cached_text_tokens"]
            + m["input_cached_audio_tokens"]
            + m["input_cached_image_tokens"]
        )
        assert m["output_tokens"] == (
            m["output_text_tokens"] + m["output_audio_tokens"] + m["output_image_tokens"]
        )
        assert m["num_model_requests"] >= 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_usage_is_sparse_with_realistic_counts(provider: Provider) -> None:
    since, until = DAY - timedelta(days=30), DAY + timedelta(days=30)
    records = generate(provider, since, until, seed=42)
    hours = {record.at.replace(minute=0) for record in records}
    days = {record.at.date() for record in records}
    assert 0 < len(hours) < 60 * 24
    assert len(days) < 60, "some whole days are quiet"
    input_metric = "uncached_input_tokens" if provider == "anthropic" else "input_uncached_tokens"
    index = metric_names(provider).index(input_metric)
    inputs = [record.metrics[index] for record in records]
    assert min(inputs) >= 500
    assert max(inputs) >= 1_000_000
    assert all(since <= record.at < until for record in records)
    assert all(record.at.second == 0 for record in records)


def test_catalogue_carries_the_provider_null_rules() -> None:
    dims = [combo.dims for combo in ANTHROPIC_COMBOS]
    assert any(d["api_key_id"] is None for d in dims), "Console usage"
    assert any(d["workspace_id"] is None for d in dims), "default workspace"
    assert any(d["inference_geo"] == "not_available" for d in dims)
    # Priority usage exists so the cost report's documented gap (no Priority Tier costs)
    # can be seen.
    assert {d["service_tier"] for d in dims} == {"standard", "batch", "priority"}
    assert {d["context_window"] for d in dims} == {"0-200k", "200k-1M"}
    assert {combo.dims["batch"] for combo in OPENAI_COMBOS} == {True, False}
    assert {combo.dims["service_tier"] for combo in OPENAI_COMBOS} == {"default"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_expected_totals_sum_the_generated_records(provider: Provider) -> None:
    until = DAY + timedelta(days=2)
    names = metric_names(provider)
    totals = expected_totals(provider, DAY, until, seed=42)
    for name, value in totals.items():
        index = names.index(name)
        assert value == sum(r.metrics[index] for r in generate(provider, DAY, until, 42))


def test_expected_totals_keys() -> None:
    assert set(expected_totals("anthropic", DAY, DAY, 42)) == {
        "uncached_input_tokens",
        "cache_read_input_tokens",
        "cache_write_5m",
        "cache_write_1h",
        "output_tokens",
        "web_search_requests",
    }
    assert set(expected_totals("openai", DAY, DAY, 42)) == {
        "input_tokens",
        "input_cached_tokens",
        "input_cache_write_tokens",
        "input_uncached_tokens",
        "output_tokens",
        "num_model_requests",
    }


def test_thirty_one_days_hourly_for_both_providers_is_fast() -> None:
    started = time.perf_counter()
    for provider in PROVIDERS:
        expected_row_count(
            provider, DAY, DAY + timedelta(days=31), 42, bucket_width="1h", group_by=("model",)
        )
    assert time.perf_counter() - started < 1.0


def test_row_count_grows_with_grouping_and_shrinks_with_filters() -> None:
    until = DAY + timedelta(days=7)
    plain = expected_row_count("anthropic", DAY, until, 42, bucket_width="1d")
    by_model = expected_row_count(
        "anthropic", DAY, until, 42, bucket_width="1d", group_by=("model",)
    )
    filtered = expected_row_count(
        "anthropic",
        DAY,
        until,
        42,
        bucket_width="1d",
        group_by=("model",),
        filters={"model": {"claude-opus-5"}},
    )
    assert 0 < plain < by_model
    assert 0 < filtered < by_model


def test_select_combos_rejects_unknown_dimension() -> None:
    with pytest.raises(ValueError, match="no dimension"):
        select_combos("openai", {"workspace_id": {"x"}})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        generate("openai", datetime(2026, 1, 1), datetime(2026, 1, 2), 42)


def test_expected_usage_totals_cover_every_metric_of_every_endpoint() -> None:
    until = DAY + timedelta(days=2)
    for provider in PROVIDERS:
        for endpoint in USAGE_ENDPOINTS[provider]:
            totals = expected_usage_totals(provider, endpoint, DAY, until, 42)
            assert set(totals) == set(metric_names(provider, endpoint))
            assert all(value > 0 for value in totals.values()), (endpoint, totals)
    assert expected_usage_totals("openai", None, DAY, until, 42) == expected_usage_totals(
        "openai", "completions", DAY, until, 42
    )
    legacy = expected_totals("anthropic", DAY, until, 42)
    assert legacy.items() <= expected_usage_totals("anthropic", "messages", DAY, until, 42).items()


def test_unknown_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="no dataset"):
        generate("openai", DAY, DAY + timedelta(days=1), 42, endpoint="fine_tuning")
