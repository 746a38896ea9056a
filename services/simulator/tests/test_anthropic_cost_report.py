"""The fake Anthropic cost report, exercised over real HTTP."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from usage_simulator import billing_rates, expected_cost_usd
from usage_simulator.pricing import ANTHROPIC_TOKEN_PRICES

Get = Callable[..., Awaitable[httpx.Response]]
PATH = "/v1/organizations/cost_report"
MESSAGES = "/v1/organizations/usage_report/messages"
DAY = datetime(2026, 2, 10, tzinfo=UTC)
BETA = {
    "x-api-key": "sk-ant-admin01-test-key",
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "fast-mode-2026-02-01",
}
LINE_FIELDS = ("model", "token_type", "service_tier", "context_window", "inference_geo")


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def get(anthropic_path_get: Callable[[str], Get]) -> Get:
    return anthropic_path_get(PATH)


async def all_buckets(get: Get, params: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        response = await get({**params, "page": page} if page else params, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "has_more", "next_page"}
        buckets.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            return buckets
        page = body["next_page"]


def rows(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for bucket in buckets for row in bucket["results"]]


def dollars(results: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(row["amount"]) for row in results), Decimal(0)) / 100


def assert_error(response: httpx.Response, status: int, mentions: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error"
    assert mentions in body["error"]["message"]


async def test_auth_and_version_are_checked(get: Get) -> None:
    params = {"starting_at": iso(DAY)}
    assert_error(await get(params, headers={"anthropic-version": "2023-06-01"}), 401, "x-api-key")
    assert_error(
        await get(params, headers={"x-api-key": "sk-ant-admin01-test-key"}), 400, "version"
    )


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "starting_at"),
        ({"starting_at": "2026-02-10"}, "starting_at"),
        ({"starting_at": iso(DAY), "bucket_width": "1h"}, "bucket_width"),
        ({"starting_at": iso(DAY), "bucket_width": "1m"}, "bucket_width"),
        ({"starting_at": iso(DAY), "limit": 32}, "limit"),
        ({"starting_at": iso(DAY), "limit": 0}, "limit"),
        ({"starting_at": iso(DAY), "group_by[]": "model"}, "group_by"),
        ({"starting_at": iso(DAY), "group_by[]": "api_key_id"}, "group_by"),
        ({"starting_at": iso(DAY), "ending_at": iso(DAY)}, "ending_at"),
        ({"starting_at": iso(DAY), "page": "page_bm9wZS4x"}, "page"),
    ],
)
async def test_bad_parameters_are_400(get: Get, params: dict[str, Any], param: str) -> None:
    assert_error(await get(params), 400, param)


async def test_limit_defaults_to_7_and_allows_31(get: Get) -> None:
    body = (await get({"starting_at": iso(DAY - timedelta(days=10))})).json()
    assert len(body["data"]) == 7
    assert body["has_more"] is True
    body = (await get({"starting_at": iso(DAY - timedelta(days=40)), "limit": 31})).json()
    assert len(body["data"]) == 31
    assert all(
        b["ending_at"] == iso(datetime.fromisoformat(b["starting_at"]) + timedelta(days=1))
        for b in body["data"]
    )


async def test_amounts_are_cent_strings_that_sum_to_expected_cost(get: Get) -> None:
    end = DAY + timedelta(days=9)
    window = {"starting_at": iso(DAY), "ending_at": iso(end), "limit": 2}
    for group_by in ([], ["workspace_id"], ["description"], ["workspace_id", "description"]):
        results = rows(await all_buckets(get, {**window, "group_by[]": group_by}))
        assert all(isinstance(row["amount"], str) for row in results)
        assert all(row["currency"] == "USD" for row in results)
        assert dollars(results) == expected_cost_usd("anthropic", DAY, end, 42), group_by
    amounts = [Decimal(row["amount"]) for row in results]
    assert any(amount % 1 for amount in amounts), "fractional cents occur"
    assert all("e" not in row["amount"].lower() for row in results)


async def test_ungrouped_results_have_every_field_null(get: Get) -> None:
    buckets = await all_buckets(
        get, {"starting_at": iso(DAY), "ending_at": iso(DAY + timedelta(days=7))}
    )
    assert all(len(bucket["results"]) <= 1 for bucket in buckets)
    for row in rows(buckets):
        assert set(row) == {
            "amount",
            "currency",
            "cost_type",
            "description",
            *LINE_FIELDS,
            "workspace_id",
        }
        assert all(
            row[f] is None for f in ("cost_type", "description", *LINE_FIELDS, "workspace_id")
        )


async def test_workspace_grouping_reports_the_default_workspace_as_null(get: Get) -> None:
    results = rows(
        await all_buckets(
            get,
            {
                "starting_at": iso(DAY),
                "ending_at": iso(DAY + timedelta(days=7)),
                "group_by[]": "workspace_id",
            },
        )
    )
    workspaces = {row["workspace_id"] for row in results}
    assert None in workspaces
    assert "wrkspc_01SimProdWorkspace00001" in workspaces
    assert all(row["description"] is None for row in results)


async def test_description_grouping_fills_line_fields_only_for_tokens(get: Get) -> None:
    results = rows(
        await all_buckets(
            get,
            {
                "starting_at": iso(DAY),
                "ending_at": iso(DAY + timedelta(days=7)),
                "group_by[]": "description",
            },
        )
    )
    kinds = {row["cost_type"] for row in results}
    assert kinds == {"tokens", "web_search", "code_execution"}
    for row in results:
        assert row["description"]
        assert row["workspace_id"] is None
        if row["cost_type"] == "tokens":
            assert all(row[f] is not None for f in LINE_FIELDS), row
            assert row["service_tier"] in {"standard", "batch"}
            assert row["description"].startswith("Claude ")
        else:
            assert all(row[f] is None for f in LINE_FIELDS), row
    descriptions = {row["description"] for row in results}
    assert {"Code Execution Usage", "Web Search Usage"} <= descriptions
    assert "Claude Sonnet 4.5 Batch Usage - Input Tokens" in descriptions
    assert "Claude Sonnet 4.5 Usage - Output Tokens, Long Context" in descriptions
    token_types = {row["token_type"] for row in results} - {None}
    assert token_types == {
        "uncached_input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation.ephemeral_1h_input_tokens",
        "cache_creation.ephemeral_5m_input_tokens",
    }
    assert {row["context_window"] for row in results} == {None, "0-200k", "200k-1M"}
    assert "speed" not in results[0]


async def test_speed_is_reported_only_with_the_fast_mode_beta(get: Get) -> None:
    params = {"starting_at": iso(DAY), "group_by[]": "description"}
    results = rows((await get(params, headers=BETA)).json()["data"])
    assert {row["speed"] for row in results} >= {"standard", "fast"}
    assert any(row["description"].endswith(", Fast Mode") for row in results)


async def test_token_cost_lines_are_the_usage_times_the_price(
    get: Get, anthropic_path_get: Callable[[str], Get]
) -> None:
    messages = anthropic_path_get(MESSAGES)
    end = DAY + timedelta(days=3)
    group_by = ["model", "service_tier", "context_window", "speed", "inference_geo"]
    usage = await all_buckets(
        messages,
        {"starting_at": iso(DAY), "ending_at": iso(end), "group_by[]": group_by},
        headers=BETA,
    )
    costs = await all_buckets(
        get,
        {"starting_at": iso(DAY), "ending_at": iso(end), "group_by[]": "description"},
        headers=BETA,
    )
    served: defaultdict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for bucket in costs:
        for row in bucket["results"]:
            if row["cost_type"] == "tokens":
                key = (bucket["starting_at"], *(row[f] for f in (*LINE_FIELDS, "speed")))
                served[key] += Decimal(row["amount"])
    expected: defaultdict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for bucket in usage:
        day = datetime.fromisoformat(bucket["starting_at"]).date()
        for row in bucket["results"]:
            if row["service_tier"] == "priority":
                continue
            rates = billing_rates(
                "anthropic",
                row["model"],
                day,
                batch=row["service_tier"] == "batch",
                fast=row["speed"] == "fast",
            )
            tokens = {
                "uncached_input_tokens": row["uncached_input_tokens"],
                "output_tokens": row["output_tokens"],
                "cache_read_input_tokens": row["cache_read_input_tokens"],
                "cache_creation.ephemeral_5m_input_tokens": row["cache_creation"][
                    "ephemeral_5m_input_tokens"
                ],
                "cache_creation.ephemeral_1h_input_tokens": row["cache_creation"][
                    "ephemeral_1h_input_tokens"
                ],
            }
            for token_type, count in tokens.items():
                if not count:
                    continue
                rate = rates.per_unit(
                    ANTHROPIC_TOKEN_PRICES[token_type],
                    long_context=row["context_window"] == "200k-1M",
                )
                assert rate is not None
                key = (
                    bucket["starting_at"],
                    row["model"],
                    token_type,
                    row["service_tier"],
                    row["context_window"],
                    row["inference_geo"],
                    row["speed"],
                )
                expected[key] += count * rate * 100
    assert served == expected
    assert len(served) > 30


async def test_priority_usage_is_served_but_not_billed(
    get: Get, anthropic_path_get: Callable[[str], Get]
) -> None:
    window = {"starting_at": iso(DAY), "ending_at": iso(DAY + timedelta(days=7))}
    usage = rows(
        await all_buckets(anthropic_path_get(MESSAGES), {**window, "service_tiers[]": "priority"})
    )
    assert sum(row["output_tokens"] for row in usage) > 0
    costs = rows(await all_buckets(get, {**window, "group_by[]": "description"}))
    assert all(row["service_tier"] != "priority" for row in costs)
    assert not any("priority" in row["description"].lower() for row in costs)


async def test_the_bucket_in_progress_stops_at_now(get: Get, now: datetime) -> None:
    today = now.replace(hour=0, minute=0)
    body = (await get({"starting_at": iso(today - timedelta(days=1))})).json()
    assert [b["starting_at"] for b in body["data"]] == [iso(today - timedelta(days=1)), iso(today)]
    assert body["has_more"] is False
    assert dollars(rows(body["data"])) == expected_cost_usd(
        "anthropic", today - timedelta(days=1), now, 42
    )


async def test_amounts_survive_a_json_round_trip_exactly(get: Get) -> None:
    response = await get({"starting_at": iso(DAY), "group_by[]": "description"})
    body = json.loads(response.text, parse_float=Decimal)
    assert dollars(rows(body["data"])) == expected_cost_usd(
        "anthropic", DAY, DAY + timedelta(days=7), 42
    )
