from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

import usage_common
from usage_common import UsageEvent, decode, dedupe_key, encode, parse_instant

T0 = datetime(2025, 11, 1, tzinfo=UTC)


def event(**overrides: Any) -> UsageEvent:
    fields: dict[str, Any] = {
        "provider": "anthropic",
        "organization_id": "org",
        "source": "admin_api",
        "usage_type": "messages",
        "bucket_width": "1h",
        "window_start": T0,
        "window_end": T0 + timedelta(hours=1),
        "input_tokens": 10,
        "input_uncached_tokens": 5,
        "input_cache_read_tokens": 2,
        "input_cache_write_tokens": 3,
        "input_cache_write_5m_tokens": 1,
        "input_cache_write_1h_tokens": 2,
        "output_tokens": 4,
        "fetched_at": T0,
    }
    fields.update(overrides)
    return UsageEvent(**fields)


def test_exports_are_sorted_and_present() -> None:
    names = usage_common.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in names:
        assert hasattr(usage_common, name)


def test_round_trip_keeps_every_field_and_money_is_a_decimal_string() -> None:
    e = event(cost_usd=Decimal("0.1000000001"), cost_source="reported")
    data = encode(e)
    assert b'"cost_usd":"0.1000000001"' in data
    assert decode(UsageEvent, data) == e


def test_input_partition_must_add_up() -> None:
    with pytest.raises(ValidationError, match="input_tokens 11 != uncached"):
        event(input_tokens=11)


def test_cache_write_split_cannot_exceed_total() -> None:
    with pytest.raises(ValidationError, match="exceeds input_cache_write_tokens"):
        event(input_cache_write_5m_tokens=3, input_cache_write_1h_tokens=1)


def test_naive_timestamps_are_refused_and_offsets_become_utc() -> None:
    with pytest.raises(ValidationError):
        event(window_start=datetime(2025, 11, 1))
    plus2 = timezone(timedelta(hours=2))
    e = event(window_start=datetime(2025, 11, 1, 2, tzinfo=plus2))
    assert e.window_start == T0 and e.window_start.tzinfo == UTC


def test_strict_types_reject_string_and_float_counts() -> None:
    good = encode(event()).decode()
    with pytest.raises(ValidationError):
        decode(UsageEvent, good.replace('"output_tokens":4', '"output_tokens":"4"').encode())
    with pytest.raises(ValidationError):
        decode(UsageEvent, good.replace('"output_tokens":4', '"output_tokens":4.0').encode())


def test_dedupe_key_ignores_measures_and_fetch_time_but_not_identity() -> None:
    base = dedupe_key(event())
    assert dedupe_key(event(output_tokens=99, fetched_at=T0 + timedelta(days=1))) == base
    assert dedupe_key(event(model="claude")) != base
    assert dedupe_key(event(bucket_width="1d")) != base
    assert dedupe_key(event(dimensions={"speed": "fast"})) != base
    # null is a value of the key: api_key_id None differs from the string "None"
    assert dedupe_key(event(api_key_id="None")) != base


def test_parse_instant_reads_dates_and_timestamps_as_utc() -> None:
    assert parse_instant("2025-11-01") == T0
    assert parse_instant("2025-11-01T02:00:00+02:00") == T0
    assert parse_instant("2025-11-01T00:00:00") == T0
    with pytest.raises(ValueError, match="cannot read"):
        parse_instant("yesterday")
