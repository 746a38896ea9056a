"""Property-based: for any valid payload the input partition holds and tokens add up exactly;
for any inconsistent one the page is dead-lettered, never stored wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from usage_common import RawPage, UsageEvent, encode
from usage_normalizer import normalize_message

COUNT = st.integers(min_value=0, max_value=10**12)
DIM = st.none() | st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=8)
EXTRA = st.dictionaries(
    st.text(alphabet="xyz_", min_size=1, max_size=6).map(lambda k: "new_" + k),
    st.integers() | st.text(max_size=5) | st.none() | st.lists(st.integers(), max_size=2),
    max_size=3,
)


def raw(provider: str, endpoint: str, body: dict[str, Any]) -> bytes:
    return encode(
        RawPage(
            page_id="p",
            provider=provider,  # type: ignore[arg-type]
            organization_id="org",
            credential_id="c",
            endpoint=endpoint,
            request_path="/x",
            bucket_width="1h",
            page_number=1,
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
            http_status=200,
            body=json.dumps(body),
        )
    )


def partition_holds(e: UsageEvent) -> bool:
    parts = e.input_uncached_tokens + e.input_cache_read_tokens + e.input_cache_write_tokens
    split = e.input_cache_write_5m_tokens + e.input_cache_write_1h_tokens
    return e.input_tokens == parts and split <= e.input_cache_write_tokens


@st.composite
def anthropic_result(draw: st.DrawFn, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "uncached_input_tokens": draw(COUNT),
        "cache_creation": {
            "ephemeral_5m_input_tokens": draw(COUNT),
            "ephemeral_1h_input_tokens": draw(COUNT),
        },
        "cache_read_input_tokens": draw(COUNT),
        "output_tokens": draw(COUNT),
        # the index keeps identities distinct, as the provider's grouping does
        "api_key_id": f"key_{index}",
        "workspace_id": draw(DIM),
        "model": draw(DIM),
        "service_tier": draw(st.sampled_from([None, "standard", "batch", "priority"])),
    }
    if draw(st.booleans()):
        result["server_tool_use"] = {"web_search_requests": draw(COUNT)}
    result.update(draw(EXTRA))
    return result


@st.composite
def anthropic_page(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=0, max_value=6))
    results = [draw(anthropic_result(i)) for i in range(n)]
    bucket = {
        "starting_at": "2026-01-01T00:00:00Z",
        "ending_at": "2026-01-01T01:00:00Z",
        "results": results,
    }
    return {"data": [bucket], "has_more": False, "next_page": None}


@settings(max_examples=200, deadline=None)
@given(anthropic_page())
def test_anthropic_tokens_add_up_exactly(page: dict[str, Any]) -> None:
    result = normalize_message(raw("anthropic", "messages", page), "raw")
    assert result.dead_letter is None
    events = [e for e in result.events if isinstance(e, UsageEvent)]
    results = page["data"][0]["results"]
    assert len(events) == len(results)
    assert all(partition_holds(e) for e in events)
    cache = [r["cache_creation"] for r in results]
    assert sum(e.input_uncached_tokens for e in events) == sum(
        r["uncached_input_tokens"] for r in results
    )
    assert sum(e.input_cache_read_tokens for e in events) == sum(
        r["cache_read_input_tokens"] for r in results
    )
    assert sum(e.input_cache_write_5m_tokens for e in events) == sum(
        c["ephemeral_5m_input_tokens"] for c in cache
    )
    assert sum(e.input_cache_write_1h_tokens for e in events) == sum(
        c["ephemeral_1h_input_tokens"] for c in cache
    )
    # every cache token is counted once: the total is exactly the sum of the parts
    total = sum(r["uncached_input_tokens"] + r["cache_read_input_tokens"] for r in results)
    total += sum(c["ephemeral_5m_input_tokens"] + c["ephemeral_1h_input_tokens"] for c in cache)
    assert sum(e.input_tokens for e in events) == total
    assert all(e.requests is None for e in events)


@st.composite
def openai_result(draw: st.DrawFn, index: int) -> dict[str, Any]:
    cached, write, uncached = draw(COUNT), draw(COUNT), draw(COUNT)
    result: dict[str, Any] = {
        "object": "organization.usage.completions.result",
        "input_tokens": cached + write + uncached,
        "output_tokens": draw(COUNT),
        "num_model_requests": draw(COUNT),
        "input_cached_tokens": cached,
        "project_id": f"proj_{index}",
        "model": draw(DIM),
        "batch": draw(st.none() | st.booleans()),
    }
    # Older payloads lack the uncached and cache-write fields; the rest is then derived.
    if write or draw(st.booleans()):
        result["input_cache_write_tokens"] = write
    if draw(st.booleans()):
        result["input_uncached_tokens"] = uncached
    if draw(st.booleans()):
        result["input_text_tokens"] = draw(COUNT)  # overlapping breakdowns: never summed
    result.update(draw(EXTRA))
    return result


@st.composite
def openai_page(draw: st.DrawFn) -> dict[str, Any]:
    results = [draw(openai_result(i)) for i in range(draw(st.integers(min_value=0, max_value=6)))]
    bucket = {
        "object": "bucket",
        "start_time": 1767225600,
        "end_time": 1767229200,
        "results": results,
    }
    return {"object": "page", "data": [bucket], "has_more": False, "next_page": None}


@settings(max_examples=200, deadline=None)
@given(openai_page())
def test_openai_tokens_add_up_exactly(page: dict[str, Any]) -> None:
    result = normalize_message(raw("openai", "completions", page), "raw")
    assert result.dead_letter is None
    events = [e for e in result.events if isinstance(e, UsageEvent)]
    results = page["data"][0]["results"]
    assert all(partition_holds(e) for e in events)
    assert sum(e.input_tokens for e in events) == sum(r["input_tokens"] for r in results)
    assert sum(e.input_cache_read_tokens for e in events) == sum(
        r["input_cached_tokens"] for r in results
    )
    assert sum(e.requests or 0 for e in events) == sum(r["num_model_requests"] for r in results)
    assert all(e.input_cache_write_5m_tokens == e.input_cache_write_1h_tokens == 0 for e in events)


@settings(max_examples=200, deadline=None)
@given(openai_page(), st.integers(min_value=1, max_value=10**6), st.data())
def test_openai_parts_that_do_not_add_up_never_become_events(
    page: dict[str, Any], delta: int, data: st.DataObject
) -> None:
    results = page["data"][0]["results"]
    if not results:
        return
    victim = data.draw(st.sampled_from(results))
    victim["input_uncached_tokens"] = (
        victim["input_tokens"]
        - victim["input_cached_tokens"]
        - victim.get("input_cache_write_tokens", 0)
        + delta
    )
    result = normalize_message(raw("openai", "completions", page), "raw")
    assert result.events == [] and result.dead_letter is not None


@settings(max_examples=100, deadline=None)
@given(
    anthropic_page(),
    st.sampled_from(["uncached_input_tokens", "output_tokens", "cache_read_input_tokens"]),
    st.sampled_from(["12", 1.5, None, -1]),
)
def test_a_wrong_type_or_missing_field_dead_letters_the_page(
    page: dict[str, Any], field: str, bad: Any
) -> None:
    results = page["data"][0]["results"]
    if not results:
        return
    if bad is None:
        del results[0][field]
    else:
        results[0][field] = bad
    result = normalize_message(raw("anthropic", "messages", page), "raw")
    assert result.events == [] and result.dead_letter is not None
    assert any(field in e for e in result.dead_letter.errors)
