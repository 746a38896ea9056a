from __future__ import annotations

from usage_common import (
    CACHE_WRITE_TTL_MEASURES,
    REQUEST_MEASURES,
    TOKEN_MEASURES,
    USAGE_MEASURES,
    UsageEvent,
)


def _fields_typed(annotation: object) -> tuple[str, ...]:
    return tuple(n for n, f in UsageEvent.model_fields.items() if f.annotation == annotation)


def test_token_measures_are_the_models_token_counts_in_field_order() -> None:
    assert _fields_typed(int) == TOKEN_MEASURES
    assert all(m.endswith("_tokens") for m in TOKEN_MEASURES)


def test_request_measures_are_the_models_nullable_counts() -> None:
    assert _fields_typed(int | None) == REQUEST_MEASURES


def test_usage_measures_are_tokens_then_requests_once_each() -> None:
    assert USAGE_MEASURES == TOKEN_MEASURES + REQUEST_MEASURES
    assert len(set(USAGE_MEASURES)) == len(USAGE_MEASURES)


def test_the_ttl_split_is_part_of_the_token_measures() -> None:
    assert set(CACHE_WRITE_TTL_MEASURES) < set(TOKEN_MEASURES)
    assert "input_cache_write_tokens" not in CACHE_WRITE_TTL_MEASURES
