"""The fake OpenAI costs endpoint, exercised over real HTTP."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from usage_simulator import billing_rates, expected_cost_usd
from usage_simulator.costs import OPENAI_LINE_LABELS
from usage_simulator.pricing import OPENAI_TOKEN_PRICES

Get = Callable[..., Awaitable[httpx.Response]]
DAY = datetime(2026, 2, 10, tzinfo=UTC)
NULLABLE = ("line_item", "project_id", "api_key_id", "quantity", "quantity_unit")


def unix(at: datetime) -> int:
    return int(at.timestamp())


@pytest.fixture
def get(openai_path_get: Callable[[str], Get]) -> Get:
    return openai_path_get("/organization/costs")


def decode(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = json.loads(response.text, parse_float=Decimal)
    return body


async def all_buckets(get: Get, params: dict[str, Any]) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        body = decode(await get({**params, "page": page} if page else params))
        assert body["object"] == "page"
        buckets.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            return buckets
        page = body["next_page"]


def results(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for bucket in buckets for row in bucket["results"]]


def total(rows: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(row["amount"]["value"]) for row in rows), Decimal(0))


def assert_error(response: httpx.Response, status: int, param: str | None) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param


async def test_auth_is_required(get: Get) -> None:
    assert_error(await get({"start_time": unix(DAY)}, headers={}), 401, None)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "start_time"),
        ({"start_time": unix(DAY), "bucket_width": "1h"}, "bucket_width"),
        ({"start_time": unix(DAY), "limit": 181}, "limit"),
        ({"start_time": unix(DAY), "limit": 0}, "limit"),
        ({"start_time": unix(DAY), "group_by": "model"}, "group_by[]"),
        ({"start_time": unix(DAY), "group_by": "user_id"}, "group_by[]"),
        ({"start_time": unix(DAY), "end_time": unix(DAY)}, "end_time"),
    ],
)
async def test_bad_parameters_are_400(get: Get, params: dict[str, Any], param: str) -> None:
    assert_error(await get(params), 400, param)


async def test_limit_defaults_to_7_and_allows_180(get: Get) -> None:
    body = decode(await get({"start_time": unix(DAY - timedelta(days=20))}))
    assert len(body["data"]) == 7
    assert body["has_more"] is True
    body = decode(await get({"start_time": unix(DAY - timedelta(days=200)), "limit": 180}))
    assert len(body["data"]) == 180
    assert all(b["end_time"] - b["start_time"] == 86_400 for b in body["data"])


async def test_values_are_exact_dollar_numbers_that_sum_to_expected_cost(get: Get) -> None:
    end = DAY + timedelta(days=10)
    window = {"start_time": unix(DAY), "end_time": unix(end), "limit": 3}
    expected = expected_cost_usd("openai", DAY, end, 42)
    for group_by in ([], ["project_id"], ["line_item"], ["api_key_id", "line_item", "project_id"]):
        rows = results(await all_buckets(get, {**window, "group_by": group_by}))
        assert all(row["object"] == "organization.costs.result" for row in rows)
        assert all(row["amount"]["currency"] == "usd" for row in rows)
        assert all(isinstance(row["amount"]["value"], Decimal | int) for row in rows)
        assert total(rows) == expected, group_by


async def test_numbers_are_written_plainly_with_at_most_ten_decimals(get: Get) -> None:
    response = await get({"start_time": unix(DAY), "group_by": ["line_item", "project_id"]})
    values = re.findall(r'"value":([^,}]+)', response.text)
    assert values
    for text in values:
        assert re.fullmatch(r"\d+(\.\d{1,10})?", text), text
    assert any(len(text.partition(".")[2]) > 6 for text in values), "sub-micro-dollar amounts"


async def test_null_rules(get: Get) -> None:
    plain = results(decode(await get({"start_time": unix(DAY)}))["data"])
    assert plain
    assert all(row[field] is None for row in plain for field in NULLABLE)
    by_project = results(
        decode(await get({"start_time": unix(DAY), "group_by": "project_id"}))["data"]
    )
    assert all(row["project_id"] for row in by_project)
    assert all(row[f] is None for row in by_project for f in NULLABLE if f != "project_id")
    by_key = results(decode(await get({"start_time": unix(DAY), "group_by": "api_key_id"}))["data"])
    keys = {row["api_key_id"] for row in by_key}
    assert None in keys, "code interpreter sessions have no key"
    assert len(keys) > 2
    by_item = results(decode(await get({"start_time": unix(DAY), "group_by": "line_item"}))["data"])
    assert all(row["quantity"] and row["quantity_unit"] for row in by_item)
    assert {row["quantity_unit"] for row in by_item} == {
        "tokens",
        "characters",
        "duration_seconds",
        "images",
        "calls",
        "sessions",
    }
    assert all(row["project_id"] is None for row in by_item)
    assert "gpt-4o-2024-08-06, input" in {row["line_item"] for row in by_item}


async def test_filters_keep_only_matching_costs(get: Get) -> None:
    window = {"start_time": unix(DAY), "end_time": unix(DAY + timedelta(days=7))}
    everything = results(
        await all_buckets(get, {**window, "group_by": ["project_id", "api_key_id"]})
    )
    project = "proj_SimBatchJobs000000002"
    kept = results(
        await all_buckets(get, {**window, "project_ids": project, "group_by": "project_id"})
    )
    assert {row["project_id"] for row in kept} == {project}
    assert total(kept) == total([r for r in everything if r["project_id"] == project])
    key = "key_SimWebAlice0001"
    kept = results(
        await all_buckets(get, {**window, "api_key_ids[]": key, "group_by": "api_key_id"})
    )
    assert {row["api_key_id"] for row in kept} == {key}
    assert total(kept) == total([r for r in everything if r["api_key_id"] == key])


async def test_token_line_items_are_the_usage_times_the_price(
    get: Get, openai_path_get: Callable[[str], Get]
) -> None:
    end = DAY + timedelta(days=3)
    window = {"start_time": unix(DAY), "end_time": unix(end)}
    usage = await all_buckets(
        openai_path_get("/organization/usage/completions"),
        {**window, "group_by": ["model", "batch"]},
    )
    costs = await all_buckets(get, {**window, "group_by": "line_item"})
    served: defaultdict[tuple[int, str], Decimal] = defaultdict(Decimal)
    quantities: Counter[tuple[int, str]] = Counter()
    for bucket in costs:
        for row in bucket["results"]:
            served[(bucket["start_time"], row["line_item"])] += Decimal(row["amount"]["value"])
            quantities[(bucket["start_time"], row["line_item"])] += row["quantity"]
    checked = 0
    for bucket in usage:
        day = datetime.fromtimestamp(bucket["start_time"], UTC).date()
        for row in bucket["results"]:
            rates = billing_rates("openai", row["model"], day, batch=row["batch"])
            for metric, label in OPENAI_LINE_LABELS.items():
                item = f"{row['model']}, {'batch ' if row['batch'] else ''}{label}"
                rate = rates.per_unit(OPENAI_TOKEN_PRICES[metric])
                assert rate is not None
                key = (bucket["start_time"], item)
                assert quantities[key] == row[metric], key
                assert served[key] == row[metric] * rate, key
                checked += bool(row[metric])
    assert checked > 40
