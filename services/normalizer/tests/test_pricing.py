from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price
from prometheus_client import REGISTRY

from usage_common import UsageEvent
from usage_normalizer.pricing import PriceEstimate, estimate_cost, parse_context_window

NOV_2025 = datetime(2025, 11, 1, tzinfo=UTC)
NOV_2026 = datetime(2026, 11, 1, tzinfo=UTC)  # after the library's tier/batch variants start
M = 1_000_000
SONNET_45 = "claude-sonnet-4-5-20250929"


def usage(
    *,
    uncached: int = 0,
    read: int = 0,
    write: int = 0,
    w5m: int = 0,
    w1h: int = 0,
    output: int = 0,
    at: datetime = NOV_2025,
    **fields: Any,
) -> UsageEvent:
    values: dict[str, Any] = {
        "provider": "anthropic",
        "organization_id": "org",
        "source": "admin_api",
        "usage_type": "messages",
        "bucket_width": "1d",
        "window_start": at,
        "window_end": at + timedelta(days=1),
        "model": SONNET_45,
        "fetched_at": at + timedelta(days=2),
    }
    values.update(fields)
    return UsageEvent(
        **values,
        input_tokens=uncached + read + write,
        input_uncached_tokens=uncached,
        input_cache_read_tokens=read,
        input_cache_write_tokens=write,
        input_cache_write_5m_tokens=w5m,
        input_cache_write_1h_tokens=w1h,
        output_tokens=output,
    )


def library_price(event: UsageEvent, **context: str) -> Decimal:
    """What genai-prices says for the event's tokens sent as ONE request."""
    assert event.model is not None
    priced = calc_price(
        Usage(
            input_tokens=event.input_tokens,
            cache_read_tokens=event.input_cache_read_tokens,
            cache_write_tokens=event.input_cache_write_tokens,
            cache_write_5m_tokens=event.input_cache_write_5m_tokens,
            cache_write_1h_tokens=event.input_cache_write_1h_tokens,
            output_tokens=event.output_tokens,
        ),
        event.model,
        provider_id=event.provider,
        genai_request_timestamp=event.window_start,
        price_context=context or None,
    )
    return priced.total_price


def cost(event: UsageEvent) -> Decimal:
    estimate = estimate_cost(event)
    assert estimate.cost_usd is not None, estimate.reason
    return estimate.cost_usd


def unknown_count(provider: str) -> float:
    return REGISTRY.get_sample_value("usage_price_unknown_total", {"provider": provider}) or 0.0


# --- models and dates -------------------------------------------------------------------


def test_dated_model_ids_resolve_to_the_library_model() -> None:
    sonnet = estimate_cost(usage(uncached=M))
    mini = estimate_cost(
        usage(
            uncached=M, provider="openai", usage_type="completions", model="gpt-4o-mini-2024-07-18"
        )
    )
    assert (sonnet.model_id, sonnet.cost_usd) == ("claude-sonnet-4-5", Decimal(3))
    assert (mini.model_id, mini.cost_usd) == ("gpt-4o-mini", Decimal("0.15"))


def test_the_price_in_force_at_window_start_is_used() -> None:
    # o3 went from $10/$40 to $2/$8 per MTok on 2025-06-10.
    def o3(day: datetime) -> Decimal:
        return cost(
            usage(uncached=M, output=M, provider="openai", usage_type="completions",
                  model="o3-2025-04-16", at=day)
        )  # fmt: skip

    assert o3(datetime(2025, 6, 9, tzinfo=UTC)) == Decimal(50)
    assert o3(datetime(2025, 6, 10, tzinfo=UTC)) == Decimal(10)


def test_the_long_context_surcharge_follows_its_own_history() -> None:
    # Sonnet 4.6 charged >200k requests double until 2026-03-13, then flat.
    def long_sonnet_46(day: datetime) -> Decimal:
        return cost(usage(uncached=M, model="claude-sonnet-4-6", context_window="200k-1M", at=day))

    assert long_sonnet_46(datetime(2026, 3, 12, tzinfo=UTC)) == Decimal(6)
    assert long_sonnet_46(datetime(2026, 3, 13, tzinfo=UTC)) == Decimal(3)


def test_unknown_or_missing_models_are_not_guessed_and_are_counted() -> None:
    before = unknown_count("anthropic")
    assert estimate_cost(usage(uncached=10, model="claude-nonexistent-9")) == PriceEstimate(
        None, "unknown model"
    )
    assert estimate_cost(usage(uncached=10, model="gpt-4o")).reason == "unknown model"
    assert unknown_count("anthropic") == before + 2
    assert estimate_cost(usage(uncached=10, model=None)).reason == "unknown model"
    assert unknown_count("anthropic") == before + 2  # no model: nothing to add to the table


# --- the canonical partition: every token once, at its own rate -------------------------


def test_each_part_is_priced_once_at_its_own_rate_and_the_parts_sum_to_the_total() -> None:
    event = usage(uncached=1000, read=200, write=700, w5m=300, w1h=300, output=500)
    estimate = estimate_cost(event)
    assert dict(estimate.parts) == {
        "input_uncached": Decimal("0.003"),  # 1000 x $3/M
        "input_cache_read": Decimal("0.00006"),  # 200 x $0.30/M
        "input_cache_write_5m": Decimal("0.001125"),  # 300 x $3.75/M
        "input_cache_write_1h": Decimal("0.0018"),  # 300 x $6/M
        "input_cache_write_unsplit": Decimal("0.000375"),  # 100 x $3.75/M (5m rate)
        "output": Decimal("0.0075"),  # 500 x $15/M
    }
    assert estimate.cost_usd == sum(c for _, c in estimate.parts) == Decimal("0.01386")
    assert estimate.cost_usd == library_price(event)  # same rules as the library, per request


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"read": M}, Decimal("0.3")),  # reads x read rate, not input + read
        ({"write": M, "w5m": M}, Decimal("3.75")),
        ({"write": M, "w1h": M}, Decimal(6)),
        ({"write": M}, Decimal("3.75")),  # unsplit write: the 5m/default write rate
        ({"output": M}, Decimal(15)),
    ],
)
def test_a_bucket_of_one_part_costs_that_part_times_its_rate(
    parts: dict[str, Any], expected: Decimal
) -> None:
    estimate = estimate_cost(usage(**parts))
    assert estimate.cost_usd == expected
    assert len(estimate.parts) == 1


def test_openai_cached_and_written_input_are_inside_input_tokens_not_added() -> None:
    # 1M input = 500k uncached + 400k cached + 100k written; gpt-4o-mini has no write rate,
    # so written tokens are input (the library's rule): 0.075 + 0.03 + 0.015.
    event = usage(
        uncached=500_000, read=400_000, write=100_000, provider="openai",
        usage_type="completions", model="gpt-4o-mini-2024-07-18",
    )  # fmt: skip
    assert event.input_tokens == M
    assert cost(event) == Decimal("0.12") == library_price(event)


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("anthropic", "claude-opus-5"),
        ("anthropic", "claude-haiku-4-5-20251001"),
        ("anthropic", "claude-3-7-sonnet-20250219"),
        ("openai", "gpt-4o-2024-08-06"),
        ("openai", "gpt-5"),
        ("openai", "gpt-6-sol"),  # has its own cache-write rate
        ("openai", "o3"),
    ],
)
def test_a_request_sized_bucket_costs_what_the_library_says(provider: str, model: str) -> None:
    split: dict[str, Any] = {"w5m": 3_000, "w1h": 2_000} if provider == "anthropic" else {}
    event = usage(
        uncached=40_000, read=30_000, write=6_000, output=7_000, provider=provider,
        usage_type="messages" if provider == "anthropic" else "completions",
        model=model, context_window="0-200k" if provider == "anthropic" else None, **split,
    )  # fmt: skip
    assert cost(event) == library_price(event)


def test_money_is_exact_decimal_even_for_huge_counts() -> None:
    event = usage(read=123_456_789_012, output=987_654_321)
    # 123456789012 x 0.3 / 1e6 + 987654321 x 15 / 1e6, no float, no rounding
    assert cost(event) == Decimal("37037.0367036") + Decimal("14814.814815")
    assert cost(event) == Decimal("51851.8515186")


# --- long-context tiers: from the dimension, never from the aggregate ---------------------


def test_a_million_tokens_in_a_short_context_bucket_pay_the_base_rate() -> None:
    event = usage(uncached=M, context_window="0-200k")
    assert cost(event) == Decimal(3)  # $3/M x 1M
    # The library prices the aggregate as one 1M-token request: the trap this avoids.
    assert library_price(event) == Decimal(6)


def test_a_long_context_bucket_pays_the_long_context_rates_for_every_part() -> None:
    event = usage(
        uncached=100_000, read=100_000, write=100_000, w5m=60_000, w1h=40_000,
        output=10_000, context_window="200k-1M",
    )  # fmt: skip
    # one request of 300k tokens is above 200k, so the library agrees with it
    assert cost(event) == library_price(event)
    assert dict(estimate_cost(event).parts)["input_uncached"] == Decimal("0.6")  # $6/M


def test_small_long_context_bucket_still_pays_long_context_rates() -> None:
    # 1k tokens reported in the 200k-1M window: each request was > 200k, whatever the sum.
    assert cost(usage(uncached=1_000, context_window="200k-1M")) == Decimal("0.006")


def test_no_context_window_dimension_means_base_rates() -> None:
    assert cost(usage(uncached=M, context_window=None)) == Decimal(3)


def test_a_flat_priced_model_stays_flat_in_the_long_window() -> None:
    assert cost(usage(uncached=M, model="claude-opus-5", context_window="200k-1M")) == 5


def test_a_tier_boundary_inside_the_window_is_refused_not_guessed() -> None:
    # Haiku 5.5 charges 5x for prompts over 100k: a 0-200k bucket mixes both tiers.
    inside = estimate_cost(usage(uncached=M, model="claude-haiku-5-5", context_window="0-200k"))
    assert inside.cost_usd is None
    assert inside.reason is not None and "100,000" in inside.reason
    above = estimate_cost(usage(uncached=M, model="claude-haiku-5-5", context_window="200k-1M"))
    assert above.cost_usd == Decimal("0.5")


def test_an_unreadable_context_window_is_refused() -> None:
    estimate = estimate_cost(usage(uncached=M, context_window="huge"))
    assert estimate.reason == "unknown context window 'huge'"


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("0-200k", (0, 200_000)),
        ("200k-1M", (200_000, 1_000_000)),
        ("≤ 200k", (0, 200_000)),
        ("> 200k", (200_000, None)),
        ("1.5M-2M", (1_500_000, 2_000_000)),
    ],
)
def test_context_windows_parse(text: str, bounds: tuple[int, int | None]) -> None:
    assert parse_context_window(text) == bounds


# --- batch, tiers, speeds ---------------------------------------------------------------


def test_anthropic_batch_is_half_of_standard_for_every_part() -> None:
    parts: dict[str, Any] = {
        "uncached": 1000,
        "read": 200,
        "write": 700,
        "w5m": 300,
        "w1h": 300,
        "output": 500,
    }
    standard = estimate_cost(usage(**parts))
    batch = estimate_cost(usage(**parts, service_tier="batch"))
    assert batch.cost_usd == Decimal("0.00693") == standard.cost_usd / 2  # type: ignore[operator]
    assert dict(batch.parts) == {k: v / 2 for k, v in standard.parts}


def test_openai_batch_flag_is_half_of_standard() -> None:
    event = usage(
        uncached=M, output=M, provider="openai", usage_type="completions",
        model="gpt-4o-mini", batch=True, service_tier="default",
    )  # fmt: skip
    assert cost(event) == Decimal("0.375")  # (0.15 + 0.60) / 2


def test_batch_agrees_with_the_library_batch_variants_where_they_exist() -> None:
    # The library's batch prices start 2026-10-14; 50% of standard matches them, and also
    # prices batch usage before that date (which the library would price at full rate).
    parts: dict[str, Any] = {
        "uncached": 1000,
        "read": 200,
        "write": 700,
        "w5m": 300,
        "w1h": 300,
        "output": 500,
    }
    late = usage(**parts, service_tier="batch", at=NOV_2026)
    assert cost(late) == library_price(late, processing="batch")
    early = usage(**parts, service_tier="batch", at=NOV_2025)
    assert cost(early) == library_price(early) / 2
    assert library_price(early, processing="batch") == library_price(early)  # not modelled


def test_web_search_keeps_its_standard_rate_in_batch() -> None:
    estimate = estimate_cost(usage(uncached=M, web_search_requests=10, service_tier="batch"))
    assert dict(estimate.parts) == {"input_uncached": Decimal("1.5"), "web_search": Decimal("0.1")}


@pytest.mark.parametrize("tier", ["priority", "priority_on_demand", "flex", "flex_discount"])
def test_anthropic_service_tiers_the_library_does_not_price_are_refused(tier: str) -> None:
    estimate = estimate_cost(usage(uncached=M, service_tier=tier))
    assert estimate == PriceEstimate(None, f"unpriced service tier {tier}")


def test_openai_flex_is_priced_only_where_the_library_has_it_in_force() -> None:
    def gpt5_flex(at: datetime) -> PriceEstimate:
        return estimate_cost(
            usage(uncached=M, provider="openai", usage_type="completions", model="gpt-5",
                  service_tier="flex", at=at)
        )  # fmt: skip

    assert gpt5_flex(NOV_2025).reason == "unpriced service tier flex"  # variant from 2026-10-12
    assert gpt5_flex(NOV_2026).cost_usd == Decimal("0.625")  # the library's flex rate
    no_flex = estimate_cost(
        usage(uncached=M, provider="openai", usage_type="completions", model="gpt-4o",
              service_tier="flex", at=NOV_2026)
    )  # fmt: skip
    assert no_flex.reason == "unpriced service tier flex"


def test_default_and_standard_tiers_are_standard() -> None:
    assert cost(usage(uncached=M, service_tier="standard")) == 3
    openai = usage(uncached=M, provider="openai", usage_type="completions", model="gpt-4o")
    assert cost(openai.model_copy(update={"service_tier": "default"})) == Decimal("2.5")


def test_fast_mode_uses_the_library_speed_variant_or_is_refused() -> None:
    fast = usage(uncached=M, model="claude-opus-5", dimensions={"speed": "fast"})
    assert cost(fast) == 10
    assert estimate_cost(usage(uncached=M, dimensions={"speed": "fast"})).reason == (
        "unpriced speed fast"
    )
    assert estimate_cost(fast.model_copy(update={"service_tier": "batch"})).cost_usd is None


# --- usage types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage_type", "model"),
    [
        ("images", "gpt-image-1"),
        ("vector_stores", None),
        ("code_interpreter_sessions", None),
        ("file_search_calls", None),
        ("web_search_calls", "gpt-4o"),
        ("claude_code", "claude-opus-5"),
    ],
)
def test_non_token_usage_is_not_priced(usage_type: str, model: str | None) -> None:
    estimate = estimate_cost(
        usage(provider="openai", usage_type=usage_type, model=model, units={"images": 1})
    )
    assert estimate == PriceEstimate(None, f"not token usage: {usage_type}")


def test_embeddings_are_priced_per_input_token() -> None:
    event = usage(
        uncached=M, provider="openai", usage_type="embeddings", model="text-embedding-3-small"
    )
    assert cost(event) == Decimal("0.02")


def test_moderations_are_free_because_the_library_says_so() -> None:
    event = usage(
        uncached=M, provider="openai", usage_type="moderations", model="omni-moderation-latest"
    )
    assert estimate_cost(event) == PriceEstimate(Decimal(0), model_id="moderation")
    assert library_price(event) == 0
    unknown = event.model_copy(update={"model": "some-filter"})
    assert estimate_cost(unknown).reason == "unknown model"


def test_speech_by_characters_and_transcription_by_seconds_when_the_library_can() -> None:
    speech = usage(
        provider="openai", usage_type="audio_speeches", model="tts-1", units={"characters": M}
    )
    assert cost(speech) == 15  # $15 per 1M characters
    whisper = usage(
        provider="openai", usage_type="audio_transcriptions", model="whisper-1",
        units={"seconds": 60},
    )  # fmt: skip
    assert cost(whisper) == Decimal("0.006")  # $0.36/hour = $0.006/minute
    by_tokens = speech.model_copy(update={"model": "gpt-4o-mini-tts"})
    assert (
        estimate_cost(by_tokens).reason == "model gpt-4o-mini-tts has no price per characters alone"
    )


def test_models_with_per_modality_prices_are_not_priced_from_totals() -> None:
    event = usage(
        uncached=M, provider="openai", usage_type="completions", model="gpt-4o-realtime-preview"
    )
    estimate = estimate_cost(event)
    assert estimate.cost_usd is None
    assert estimate.reason is not None and "input_audio_mtok" in estimate.reason


def test_an_empty_bucket_of_a_known_model_costs_zero() -> None:
    assert estimate_cost(usage()) == PriceEstimate(Decimal(0), model_id="claude-sonnet-4-5")


def test_an_estimate_has_a_cost_or_a_reason() -> None:
    with pytest.raises(ValueError, match="either a cost or a reason"):
        PriceEstimate(None)
    with pytest.raises(ValueError, match="either a cost or a reason"):
        PriceEstimate(Decimal(1), "why")
