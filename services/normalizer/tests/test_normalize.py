from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from usage_common import DeadLetter, RawPage, UsageEvent, decode, encode
from usage_normalizer import Topics, normalize_message

FETCHED = datetime(2025, 11, 5, tzinfo=UTC)
TOPICS = Topics("raw", "events", "dlq")

ANTHROPIC_RESULT: dict[str, Any] = {
    "api_key_id": "apikey_01",
    "workspace_id": None,
    "model": "claude-opus-5",
    "service_tier": "standard",
    "context_window": "0-200k",
    "inference_geo": "global",
    "uncached_input_tokens": 1500,
    "cache_creation": {"ephemeral_1h_input_tokens": 1000, "ephemeral_5m_input_tokens": 500},
    "cache_read_input_tokens": 200,
    "output_tokens": 500,
    "server_tool_use": {"web_search_requests": 10},
    "a_field_added_next_year": {"x": 1},
}
OPENAI_RESULT: dict[str, Any] = {
    "object": "organization.usage.completions.result",
    "input_tokens": 5000,
    "input_cached_tokens": 1800,
    "input_cache_write_tokens": 200,
    "input_uncached_tokens": 3000,
    "output_tokens": 1000,
    "input_text_tokens": 2500,
    "input_audio_tokens": 300,
    "num_model_requests": 5,
    "project_id": "proj_abc",
    "user_id": "user-abc",
    "api_key_id": "key_abc",
    "model": "gpt-4o-mini-2024-07-18",
    "batch": False,
    "service_tier": "default",
}


def raw(provider: str, endpoint: str, body: Any, width: str = "1d") -> bytes:
    page = RawPage(
        page_id="p1",
        provider=provider,  # type: ignore[arg-type]
        organization_id="org",
        credential_id="env",
        endpoint=endpoint,
        request_path="/x",
        bucket_width=width,  # type: ignore[arg-type]
        page_number=1,
        fetched_at=FETCHED,
        http_status=200,
        body=body if isinstance(body, str) else json.dumps(body),
    )
    return encode(page)


def anthropic_page(*results: dict[str, Any]) -> dict[str, Any]:
    bucket = {
        "starting_at": "2025-08-01T00:00:00Z",
        "ending_at": "2025-08-02T00:00:00Z",
        "results": list(results),
    }
    return {"data": [bucket], "has_more": False, "next_page": None}


def openai_page(*results: dict[str, Any]) -> dict[str, Any]:
    bucket = {
        "object": "bucket",
        "start_time": 1730419200,
        "end_time": 1730505600,
        "results": list(results),
    }
    return {"object": "page", "data": [bucket], "has_more": False, "next_page": None}


def only_dead_letter(value: bytes) -> DeadLetter:
    result = normalize_message(value, "raw")
    assert result.events == [] and result.dead_letter is not None
    [message] = result.messages(TOPICS)
    assert message.topic == "dlq"
    letter = decode(DeadLetter, message.value)
    assert base64.b64decode(letter.original_b64) == value
    return letter


def test_anthropic_cache_tokens_add_on_top_of_uncached_input() -> None:
    result = normalize_message(
        raw("anthropic", "messages", anthropic_page(ANTHROPIC_RESULT)), "raw"
    )
    [e] = result.events
    assert (e.input_uncached_tokens, e.input_cache_read_tokens) == (1500, 200)
    assert (e.input_cache_write_5m_tokens, e.input_cache_write_1h_tokens) == (500, 1000)
    assert e.input_cache_write_tokens == 1500
    assert e.input_tokens == 1500 + 200 + 1500
    assert e.output_tokens == 500 and e.web_search_requests == 10
    assert e.requests is None  # Anthropic has no request count
    assert e.project_id is None and e.api_key_id == "apikey_01"
    assert e.window_start == datetime(2025, 8, 1, tzinfo=UTC)
    assert e.fetched_at == FETCHED and e.bucket_width == "1d"
    [message] = result.messages(TOPICS)
    assert message.topic == "events" and decode(UsageEvent, message.value) == e


def test_openai_input_already_includes_cached_and_cache_write() -> None:
    [e] = normalize_message(raw("openai", "completions", openai_page(OPENAI_RESULT)), "raw").events
    assert e.input_tokens == 5000
    assert (e.input_uncached_tokens, e.input_cache_read_tokens, e.input_cache_write_tokens) == (
        3000,
        1800,
        200,
    )
    assert e.requests == 5 and e.batch is False and e.user_id == "user-abc"
    assert e.token_details == {"input_text_tokens": 2500, "input_audio_tokens": 300}
    assert e.window_start == datetime(2024, 11, 1, tzinfo=UTC)


def test_openai_older_payload_without_uncached_field_gets_the_remainder() -> None:
    old = {
        k: v
        for k, v in OPENAI_RESULT.items()
        if k not in ("input_uncached_tokens", "input_cache_write_tokens")
    }
    [e] = normalize_message(raw("openai", "completions", openai_page(old)), "raw").events
    assert (e.input_uncached_tokens, e.input_cache_read_tokens, e.input_cache_write_tokens) == (
        3200,
        1800,
        0,
    )


def test_openai_inconsistent_parts_go_to_the_dlq() -> None:
    bad = dict(OPENAI_RESULT, input_uncached_tokens=2999)
    letter = only_dead_letter(raw("openai", "completions", openai_page(bad)))
    assert "input_tokens 5000 != cached 1800" in letter.reason


def test_missing_required_field_dead_letters_the_whole_page_with_the_path() -> None:
    broken = {k: v for k, v in ANTHROPIC_RESULT.items() if k != "output_tokens"}
    letter = only_dead_letter(
        raw("anthropic", "messages", anthropic_page(ANTHROPIC_RESULT, broken))
    )
    assert letter.provider == "anthropic" and letter.page_id == "p1"
    assert any("data.0.results.1.output_tokens" in e for e in letter.errors)


def test_wrong_type_is_not_coerced() -> None:
    letter = only_dead_letter(
        raw("anthropic", "messages", anthropic_page(dict(ANTHROPIC_RESULT, output_tokens="500")))
    )
    assert any("output_tokens" in e for e in letter.errors)


def test_envelope_that_is_not_json_is_dead_lettered_as_is() -> None:
    letter = only_dead_letter(b"\xff\x00 not json")
    assert letter.provider is None and "raw envelope" in letter.reason


def test_body_that_is_not_json_is_dead_lettered() -> None:
    letter = only_dead_letter(raw("openai", "completions", "<html>502</html>"))
    assert letter.endpoint == "completions"


def test_unknown_endpoint_is_dead_lettered() -> None:
    letter = only_dead_letter(raw("openai", "fine_tuning", openai_page()))
    assert "no mapping" in letter.reason


def test_two_results_with_one_identity_are_refused_rather_than_overwritten() -> None:
    letter = only_dead_letter(
        raw("anthropic", "messages", anthropic_page(ANTHROPIC_RESULT, ANTHROPIC_RESULT))
    )
    assert "share one identity" in letter.reason


def test_empty_buckets_produce_no_events() -> None:
    result = normalize_message(raw("anthropic", "messages", anthropic_page()), "raw")
    assert result.events == [] and result.dead_letter is None and result.messages(TOPICS) == []
