from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from usage_common import ClaudeCodeEvent, CostEvent, RawPage, UsageEvent, encode
from usage_normalizer import normalize_message

FETCHED = datetime(2026, 8, 5, tzinfo=UTC)


def raw(provider: str, endpoint: str, body: Any, width: str = "1d") -> bytes:
    return encode(
        RawPage(
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
    )


def events(value: bytes) -> list[Any]:
    result = normalize_message(value, "raw")
    assert result.dead_letter is None, result.dead_letter
    return result.events


def dead(value: bytes) -> str:
    result = normalize_message(value, "raw")
    assert result.dead_letter is not None
    return result.dead_letter.reason + " " + " ".join(result.dead_letter.errors)


def openai_page(*results: dict[str, Any]) -> dict[str, Any]:
    bucket = {
        "object": "bucket",
        "start_time": 1730419200,
        "end_time": 1730505600,
        "results": list(results),
    }
    return {"object": "page", "data": [bucket], "has_more": False, "next_page": None}


ANTHROPIC_COST = {
    "amount": "123.78912",
    "currency": "USD",
    "cost_type": "tokens",
    "description": "Claude Opus 5 Usage - Input Tokens",
    "model": "claude-opus-5",
    "token_type": "uncached_input_tokens",
    "service_tier": "standard",
    "context_window": "0-200k",
    "inference_geo": "global",
    "workspace_id": "wrkspc_01",
}


def anthropic_cost(*results: dict[str, Any]) -> dict[str, Any]:
    bucket = {
        "starting_at": "2025-08-01T00:00:00Z",
        "ending_at": "2025-08-02T00:00:00Z",
        "results": list(results),
    }
    return {"data": [bucket], "has_more": False, "next_page": None}


def test_anthropic_cost_cents_string_becomes_exact_dollars() -> None:
    [cost] = events(raw("anthropic", "cost_report", anthropic_cost(ANTHROPIC_COST)))
    assert isinstance(cost, CostEvent)
    assert cost.cost_usd == Decimal("1.2378912") and cost.amount_reported == "123.78912"
    assert cost.line_item == "Claude Opus 5 Usage - Input Tokens" and cost.project_id == "wrkspc_01"
    assert cost.token_type == "uncached_input_tokens" and cost.currency == "USD"


def test_anthropic_cost_non_usd_or_non_decimal_is_dead_lettered() -> None:
    assert "not USD" in dead(
        raw("anthropic", "cost_report", anthropic_cost(dict(ANTHROPIC_COST, currency="EUR")))
    )
    assert "not a decimal" in dead(
        raw("anthropic", "cost_report", anthropic_cost(dict(ANTHROPIC_COST, amount="1,23")))
    )
    assert "amount" in dead(
        raw("anthropic", "cost_report", anthropic_cost(dict(ANTHROPIC_COST, amount=123.7)))
    )


def test_openai_cost_dollars_keep_every_digit() -> None:
    body = json.dumps(openai_page()).replace('"results": []', '"results": [RESULT]')
    result = (
        '{"object": "organization.costs.result", "amount": {"value": 0.8958740000000000123, "currency": "usd"},'
        ' "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_1", "api_key_id": null,'
        ' "quantity": 1234.5, "quantity_unit": "1000_tokens"}'
    )
    body = json.dumps(openai_page({"object": "X"})).replace('{"object": "X"}', result)
    [cost] = events(raw("openai", "costs", body))
    assert cost.cost_usd == Decimal("0.8958740000000000123")
    assert cost.quantity == Decimal("1234.5") and cost.quantity_unit == "1000_tokens"
    assert cost.window_start == datetime(2024, 11, 1, tzinfo=UTC)


def test_openai_units_and_searches() -> None:
    images = {
        "object": "organization.usage.images.result",
        "images": 7,
        "num_model_requests": 3,
        "size": "1024x1024",
        "source": "image.generation",
        "model": "gpt-image-1",
        "project_id": None,
        "user_id": None,
        "api_key_id": None,
    }
    [e] = events(raw("openai", "images", openai_page(images)))
    assert isinstance(e, UsageEvent) and e.usage_type == "images"
    assert e.units == {"images": 7} and e.requests == 3 and e.input_tokens == 0
    assert e.dimensions == {"size": "1024x1024", "source": "image.generation"}
    web = {
        "object": "organization.usage.web_searches.result",
        "num_model_requests": 4,
        "num_requests": 9,
        "context_level": "high",
    }
    [w] = events(raw("openai", "web_search_calls", openai_page(web)))
    assert (w.requests, w.web_search_requests, w.dimensions) == (4, 9, {"context_level": "high"})
    emb = {
        "object": "organization.usage.embeddings.result",
        "input_tokens": 50,
        "num_model_requests": 2,
    }
    [m] = events(raw("openai", "embeddings", openai_page(emb)))
    assert (m.input_tokens, m.input_uncached_tokens, m.output_tokens) == (50, 50, 0)
    vs = {
        "object": "organization.usage.vector_stores.result",
        "usage_bytes": 1024,
        "project_id": "proj_1",
    }
    [v] = events(raw("openai", "vector_stores", openai_page(vs)))
    assert v.units == {"usage_bytes": 1024} and v.requests is None and v.project_id == "proj_1"
    fs = {
        "object": "organization.usage.file_searches.result",
        "num_requests": 5,
        "vector_store_id": "vs_1",
    }
    [f] = events(raw("openai", "file_search_calls", openai_page(fs)))
    assert f.requests == 5 and f.dimensions == {"vector_store_id": "vs_1"}


def test_openai_result_of_another_endpoint_is_refused() -> None:
    emb = {
        "object": "organization.usage.embeddings.result",
        "input_tokens": 50,
        "num_model_requests": 2,
    }
    assert "object" in dead(raw("openai", "moderations", openai_page(emb)))


@pytest.mark.parametrize("bad", ["10.5", '"10"', "1e3"])
def test_token_counts_must_be_json_integers(bad: str) -> None:
    body = json.dumps(openai_page({"object": "X"})).replace(
        '{"object": "X"}',
        f'{{"object": "organization.usage.embeddings.result", "input_tokens": {bad}, "num_model_requests": 2}}',
    )
    assert "input_tokens" in dead(raw("openai", "embeddings", body))


CLAUDE_CODE = {
    "actor": {"type": "user_actor", "email_address": "dev@example.com"},
    "core_metrics": {
        "num_sessions": 3,
        "lines_of_code": {"added": 120, "removed": 20},
        "commits_by_claude_code": 2,
        "pull_requests_by_claude_code": 1,
    },
    "customer_type": "api",
    "subscription_type": None,
    "date": "2025-09-01T00:00:00Z",
    "is_remote": False,
    "organization_id": "org-uuid",
    "terminal_type": "vscode",
    "model_breakdown": [
        {
            "model": "claude-sonnet-4-5",
            "tokens": {"input": 100, "output": 50, "cache_read": 10, "cache_creation": 5},
            "estimated_cost": {"amount": 12.345, "currency": "USD"},
        }
    ],
    "tool_actions": {"edit_tool": {"accepted": 5, "rejected": 1}},
    "something_new": True,
}


def test_claude_code_record_is_its_own_kind_with_cost_in_dollars() -> None:
    page = {"data": [CLAUDE_CODE], "has_more": False, "next_page": None}
    [e] = events(raw("anthropic", "claude_code", page))
    assert isinstance(e, ClaudeCodeEvent)
    assert (e.actor_type, e.actor_id, e.terminal_type) == (
        "user_actor",
        "dev@example.com",
        "vscode",
    )
    assert (e.num_sessions, e.lines_added, e.commits, e.pull_requests) == (3, 120, 2, 1)
    assert e.models[0].estimated_cost_usd == Decimal("0.12345")
    assert e.tool_actions == {"edit_tool": {"accepted": 5, "rejected": 1}}


def test_api_actor_is_identified_by_key_name() -> None:
    record = dict(CLAUDE_CODE, actor={"type": "api_actor", "api_key_name": "ci-key"})
    [e] = events(raw("anthropic", "claude_code", {"data": [record], "has_more": False}))
    assert e.actor_id == "ci-key"
    nameless = dict(CLAUDE_CODE, actor={"type": "api_actor"})
    assert "without" in dead(
        raw("anthropic", "claude_code", {"data": [nameless], "has_more": False})
    )


def test_nan_is_not_money() -> None:
    body = json.dumps(openai_page({"object": "X"})).replace(
        '{"object": "X"}',
        '{"object": "organization.costs.result", "amount": {"value": NaN, "currency": "usd"}}',
    )
    assert "not JSON" in dead(raw("openai", "costs", body))
