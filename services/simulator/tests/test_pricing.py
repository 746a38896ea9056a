"""Prices: genai-prices' catalogue read per token type, so an estimator using the same
library agrees with the simulator's cost reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from usage_simulator import UNPRICED_MODELS, billing_rates, library_rates
from usage_simulator.catalogue import Provider
from usage_simulator.data import generate, metric_names
from usage_simulator.datasets import CODE_EXECUTION, USAGE_ENDPOINTS, dataset_for
from usage_simulator.pricing import ANTHROPIC_TOKEN_PRICES, FALLBACK_PRICES, OPENAI_TOKEN_PRICES

DAY = datetime(2026, 2, 10, tzinfo=UTC)
AFTER_BATCH_VARIANTS = date(2026, 11, 2)  # genai-prices has batch rates from 2026-10-14


def catalogue_models(provider: Provider) -> set[str]:
    names = {*USAGE_ENDPOINTS[provider]}
    return {
        str(combo.dims["model"])
        for endpoint in names
        for combo in dataset_for(provider, endpoint).combos
        if combo.dims.get("model") is not None
    }


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_every_catalogue_model_is_known_to_genai_prices_but_exactly_one(
    provider: Provider,
) -> None:
    unknown = {
        model
        for model in catalogue_models(provider)
        if library_rates(provider, model, DAY.date()) is None
    }
    assert unknown == {UNPRICED_MODELS[provider]}
    assert CODE_EXECUTION not in USAGE_ENDPOINTS[provider]


def test_unknown_models_are_billed_at_the_fallback_price() -> None:
    rates = billing_rates("anthropic", "claude-experimental-1", DAY.date())
    assert rates.source == "fallback"
    per_token = FALLBACK_PRICES["claude-experimental-1"]["input_mtok"] / 1_000_000
    assert rates.per_unit(("input_mtok",)) == per_token
    batch = billing_rates("anthropic", "claude-experimental-1", DAY.date(), batch=True)
    assert batch.per_unit(("input_mtok",)) == per_token / 2
    with pytest.raises(LookupError):
        billing_rates("openai", "gpt-never-heard-of", DAY.date())


def _anthropic_usage(metrics: dict[str, int]) -> Usage:
    writes = metrics["cache_write_5m"] + metrics["cache_write_1h"]
    return Usage(
        input_tokens=metrics["uncached_input_tokens"] + writes + metrics["cache_read_input_tokens"],
        output_tokens=metrics["output_tokens"],
        cache_read_tokens=metrics["cache_read_input_tokens"],
        cache_write_tokens=writes,
        cache_write_5m_tokens=metrics["cache_write_5m"],
        cache_write_1h_tokens=metrics["cache_write_1h"],
    )


def _anthropic_cost(metrics: dict[str, int], model: str, *, fast: bool, long: bool) -> Decimal:
    rates = billing_rates("anthropic", model, DAY.date(), fast=fast)
    counts = {
        "uncached_input_tokens": metrics["uncached_input_tokens"],
        "output_tokens": metrics["output_tokens"],
        "cache_read_input_tokens": metrics["cache_read_input_tokens"],
        "cache_creation.ephemeral_5m_input_tokens": metrics["cache_write_5m"],
        "cache_creation.ephemeral_1h_input_tokens": metrics["cache_write_1h"],
    }
    total = Decimal(0)
    for token_type, count in counts.items():
        rate = rates.per_unit(ANTHROPIC_TOKEN_PRICES[token_type], long_context=long)
        assert rate is not None
        total += count * rate
    return total


def test_anthropic_token_rates_agree_with_calc_price_per_request() -> None:
    names = metric_names("anthropic")
    checked = set()
    for record in generate("anthropic", DAY, DAY + timedelta(days=3), 42):
        dims = record.combo.dims
        model = str(dims["model"])
        metrics = dict(zip(names, record.metrics, strict=True))
        usage = _anthropic_usage(metrics)
        long = dims["context_window"] == "200k-1M"
        # One record is one "request" to calc_price, whose tier (Sonnet's) follows the
        # request size; the simulator follows context_window. Compare where both agree.
        tiered = model == "claude-sonnet-4-5"
        if model == UNPRICED_MODELS["anthropic"] or (
            tiered and long != (usage.input_tokens > 200_000)
        ):
            continue
        fast = dims["speed"] == "fast"
        context = {"speed": "fast"} if fast else None
        expected = calc_price(
            usage,
            model,
            provider_id="anthropic",
            genai_request_timestamp=DAY,
            price_context=context,
        ).total_price
        assert _anthropic_cost(metrics, model, fast=fast, long=long) == expected, record.combo.key
        checked.add((model, fast, long))
    assert ("claude-opus-5", True, False) in checked, "fast mode"
    assert ("claude-sonnet-4-5", False, True) in checked, "long context"
    assert ("claude-3-5-haiku-20241022", False, False) in checked


def test_openai_token_rates_agree_with_calc_price_including_modalities() -> None:
    names = metric_names("openai")
    checked = set()
    for record in generate("openai", DAY, DAY + timedelta(days=2), 42):
        model = str(record.combo.dims["model"])
        if model == UNPRICED_MODELS["openai"] or record.combo.dims["batch"]:
            continue
        m = dict(zip(names, record.metrics, strict=True))
        rates = billing_rates("openai", model, DAY.date())
        mine = Decimal(0)
        for metric, chain in OPENAI_TOKEN_PRICES.items():
            rate = rates.per_unit(chain)
            assert rate is not None
            mine += m[metric] * rate
        usage = Usage(
            input_tokens=m["input_tokens"],
            output_tokens=m["output_tokens"],
            cache_read_tokens=m["input_cached_tokens"],
            input_audio_tokens=m["input_audio_tokens"] + m["input_cached_audio_tokens"],
            cache_audio_read_tokens=m["input_cached_audio_tokens"],
            input_image_tokens=m["input_image_tokens"] + m["input_cached_image_tokens"],
            cache_image_read_tokens=m["input_cached_image_tokens"],
            output_audio_tokens=m["output_audio_tokens"],
            output_image_tokens=m["output_image_tokens"],
        )
        price = calc_price(usage, model, provider_id="openai", genai_request_timestamp=DAY)
        assert mine == price.total_price, model
        checked.add(model)
    assert {"gpt-image-1", "gpt-4o-audio-preview-2024-12-17", "gpt-4o-2024-08-06"} <= checked


@pytest.mark.parametrize("on", [DAY.date(), AFTER_BATCH_VARIANTS])
@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("anthropic", "claude-sonnet-4-5"),
        ("anthropic", "claude-haiku-4-5"),
        ("openai", "gpt-4o-2024-08-06"),
        ("openai", "gpt-image-1"),
    ],
)
def test_batch_is_half_of_standard_on_every_date(provider: Provider, model: str, on: date) -> None:
    standard = billing_rates(provider, model, on)
    batch = billing_rates(provider, model, on, batch=True)
    for key in ("input_mtok", "output_mtok", "cache_read_mtok"):
        base = standard.per_unit((key,))
        assert base is not None
        assert batch.per_unit((key,)) == base / 2
        assert (
            batch.per_unit((key,), long_context=True)
            == (standard.per_unit((key,), long_context=True) or 0) / 2
        )
    # Tool calls have no batch rate.
    assert batch.per_unit(("web_searches_kcount",)) == standard.per_unit(("web_searches_kcount",))


def test_batch_agrees_with_genai_prices_batch_rates_where_those_are_half() -> None:
    # From 2026-10-14 genai-prices has batch variants; Anthropic's are exactly 50%, so the
    # simulator's rule and calc_price(processing=batch) agree on them.
    at = datetime.combine(AFTER_BATCH_VARIANTS, datetime.min.time(), UTC)
    usage = Usage(input_tokens=1_000_000, cache_read_tokens=400_000, output_tokens=100_000)
    expected = calc_price(
        usage,
        "claude-haiku-4-5",
        provider_id="anthropic",
        genai_request_timestamp=at,
        price_context={"processing": "batch"},
    ).total_price
    rates = billing_rates("anthropic", "claude-haiku-4-5", AFTER_BATCH_VARIANTS, batch=True)
    uncached = rates.per_unit(("input_mtok",))
    cached = rates.per_unit(("cache_read_mtok", "input_mtok"))
    output = rates.per_unit(("output_mtok",))
    assert uncached is not None and cached is not None and output is not None
    assert 600_000 * uncached + 400_000 * cached + 100_000 * output == expected


def test_rates_are_those_of_the_bucket_date() -> None:
    # o3's input price fell from $10 to $2 per MTok on 2025-06-10.
    before = billing_rates("openai", "o3", date(2025, 6, 9))
    after = billing_rates("openai", "o3", date(2025, 6, 10))
    assert before.per_unit(("input_mtok",)) == Decimal("0.00001")
    assert after.per_unit(("input_mtok",)) == Decimal("0.000002")
    # A datetime is read as its UTC day.
    late = datetime(2025, 6, 9, 23, 30, tzinfo=UTC)
    assert billing_rates("openai", "o3", late) == before


def test_long_context_uses_the_tier_rate_and_short_context_the_base_rate() -> None:
    rates = billing_rates("anthropic", "claude-sonnet-4-5", DAY.date())
    short = rates.per_unit(("input_mtok",))
    long = rates.per_unit(("input_mtok",), long_context=True)
    assert short == Decimal("0.000003")
    assert long == Decimal("0.000006")
    flat = billing_rates("anthropic", "claude-haiku-4-5", DAY.date())
    assert flat.per_unit(("input_mtok",), long_context=True) == flat.per_unit(("input_mtok",))
