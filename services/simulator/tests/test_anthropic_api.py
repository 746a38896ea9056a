"""The fake Anthropic usage endpoint, exercised over real HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from usage_simulator import expected_row_count, expected_totals

Get = Callable[..., Awaitable[httpx.Response]]

WEEK = datetime(2026, 2, 2, tzinfo=UTC)
DAY = datetime(2026, 2, 10, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def totals(buckets: list[dict[str, Any]]) -> dict[str, int]:
    summed: Counter[str] = Counter()
    for bucket in buckets:
        for row in bucket["results"]:
            summed["uncached_input_tokens"] += row["uncached_input_tokens"]
            summed["cache_read_input_tokens"] += row["cache_read_input_tokens"]
            summed["cache_write_5m"] += row["cache_creation"]["ephemeral_5m_input_tokens"]
            summed["cache_write_1h"] += row["cache_creation"]["ephemeral_1h_input_tokens"]
            summed["output_tokens"] += row["output_tokens"]
            summed["web_search_requests"] += row["server_tool_use"]["web_search_requests"]
    return dict(summed)


async def all_buckets(get: Get, params: dict[str, Any]) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        response = await get({**params, "page": page} if page else params)
        assert response.status_code == 200, response.text
        body = response.json()
        buckets.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            return buckets
        page = body["next_page"]
        assert isinstance(page, str)


def assert_error(response: httpx.Response, status: int, kind: str, mentions: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == kind
    assert mentions in body["error"]["message"]
    assert body["request_id"].startswith("req_")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"anthropic-version": "2023-06-01"}, "x-api-key header is required"),
        ({"x-api-key": "sk-ant-admin01-wrong", "anthropic-version": "2023-06-01"}, "invalid"),
    ],
)
async def test_bad_or_missing_key_is_401_with_anthropic_error_body(
    anthropic_get: Get, headers: dict[str, str], message: str
) -> None:
    response = await anthropic_get({"starting_at": iso(DAY)}, headers=headers)
    assert_error(response, 401, "authentication_error", message)
    assert "sk-ant" not in response.text


async def test_missing_anthropic_version_is_400(anthropic_get: Get) -> None:
    response = await anthropic_get(
        {"starting_at": iso(DAY)}, headers={"x-api-key": "sk-ant-admin01-test-key"}
    )
    assert_error(response, 400, "invalid_request_error", "anthropic-version")


@pytest.mark.parametrize(("width", "maximum"), [("1d", 31), ("1h", 168), ("1m", 1440)])
async def test_limit_above_max_or_below_one_is_400_and_max_is_served(
    anthropic_get: Get, width: str, maximum: int
) -> None:
    start = iso(WEEK - timedelta(days=40))
    for bad in (maximum + 1, 0):
        response = await anthropic_get({"starting_at": start, "bucket_width": width, "limit": bad})
        assert_error(response, 400, "invalid_request_error", "limit")
    response = await anthropic_get({"starting_at": start, "bucket_width": width, "limit": maximum})
    assert response.status_code == 200
    assert len(response.json()["data"]) == maximum


@pytest.mark.parametrize(("width", "default"), [("1d", 7), ("1h", 24), ("1m", 60)])
async def test_default_limit_per_width(anthropic_get: Get, width: str, default: int) -> None:
    response = await anthropic_get({"starting_at": iso(WEEK), "bucket_width": width})
    body = response.json()
    assert len(body["data"]) == default
    assert body["has_more"] is True
    assert body["next_page"].startswith("page_")


async def test_default_bucket_width_is_one_day_snapped_to_midnight(anthropic_get: Get) -> None:
    response = await anthropic_get({"starting_at": "2026-02-10T15:42:10+02:00"})
    first = response.json()["data"][0]
    assert first["starting_at"] == "2026-02-10T00:00:00Z"
    assert first["ending_at"] == "2026-02-11T00:00:00Z"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "starting_at"),
        ({"starting_at": "2026-02-10"}, "starting_at"),
        ({"starting_at": "2026-02-10T00:00:00"}, "starting_at"),
        ({"starting_at": iso(DAY), "ending_at": iso(DAY)}, "ending_at"),
        ({"starting_at": iso(DAY), "bucket_width": "2h"}, "bucket_width"),
        ({"starting_at": iso(DAY), "limit": "many"}, "limit"),
        ({"starting_at": iso(DAY), "group_by[]": "project_id"}, "group_by"),
        ({"starting_at": iso(DAY), "group_by[]": "speed"}, "anthropic-beta"),
        ({"starting_at": iso(DAY), "speeds[]": "fast"}, "speeds"),
        ({"starting_at": iso(DAY), "service_tiers[]": "gold"}, "service_tiers"),
        ({"starting_at": iso(DAY), "context_window[]": "1M+"}, "context_window"),
        ({"starting_at": iso(DAY), "inference_geos[]": "eu"}, "inference_geos"),
        ({"starting_at": iso(DAY), "page": "page_bm90LW91cnM="}, "page"),
        ({"starting_at": iso(DAY), "page": "garbage"}, "page"),
    ],
)
async def test_bad_parameters_are_400_naming_the_parameter(
    anthropic_get: Get, params: dict[str, str], param: str
) -> None:
    response = await anthropic_get(params)
    assert_error(response, 400, "invalid_request_error", param)


async def test_pagination_yields_every_bucket_once_including_empty_ones(
    anthropic_get: Get,
) -> None:
    params = {
        "starting_at": iso(DAY),
        "ending_at": iso(DAY + timedelta(days=3)),
        "bucket_width": "1h",
        "limit": 7,
    }
    buckets = await all_buckets(anthropic_get, params)
    starts = [bucket["starting_at"] for bucket in buckets]
    assert starts == [iso(DAY + timedelta(hours=h)) for h in range(72)]
    assert all(b["ending_at"] == iso(DAY + timedelta(hours=h + 1)) for h, b in enumerate(buckets))
    assert any(bucket["results"] == [] for bucket in buckets)
    assert totals(buckets) == expected_totals("anthropic", DAY, DAY + timedelta(days=3), 42)


async def test_cursor_from_another_query_is_rejected(anthropic_get: Get) -> None:
    first = await anthropic_get({"starting_at": iso(WEEK), "bucket_width": "1h"})
    cursor = first.json()["next_page"]
    other = await anthropic_get(
        {"starting_at": iso(WEEK), "bucket_width": "1h", "group_by[]": "model", "page": cursor}
    )
    assert_error(other, 400, "invalid_request_error", "page")


async def test_day_equals_sum_of_hours_equals_sum_of_minutes(anthropic_get: Get) -> None:
    window = {"starting_at": iso(DAY), "ending_at": iso(DAY + timedelta(days=1))}
    grouped = {"group_by[]": ["model", "workspace_id"]}
    day = await all_buckets(anthropic_get, {**window, **grouped, "bucket_width": "1d"})
    hours = await all_buckets(anthropic_get, {**window, **grouped, "bucket_width": "1h"})
    minutes = await all_buckets(
        anthropic_get, {**window, **grouped, "bucket_width": "1m", "limit": 1440}
    )
    assert (len(day), len(hours), len(minutes)) == (1, 24, 1440)
    assert totals(day) == totals(hours) == totals(minutes)
    assert totals(day) == expected_totals("anthropic", DAY, DAY + timedelta(days=1), 42)


async def test_week_totals_equal_expected_totals(anthropic_get: Get) -> None:
    end = WEEK + timedelta(days=7)
    buckets = await all_buckets(anthropic_get, {"starting_at": iso(WEEK), "ending_at": iso(end)})
    assert len(buckets) == 7
    assert totals(buckets) == expected_totals("anthropic", WEEK, end, 42)


async def test_ungrouped_results_have_all_dimensions_null(anthropic_get: Get) -> None:
    response = await anthropic_get({"starting_at": iso(WEEK)})
    rows = [row for bucket in response.json()["data"] for row in bucket["results"]]
    assert rows
    for row in rows:
        assert all(
            row[name] is None
            for name in (
                "account_id",
                "api_key_id",
                "workspace_id",
                "service_account_id",
                "model",
                "service_tier",
                "context_window",
                "inference_geo",
            )
        )
        assert "speed" not in row
    per_bucket = [len(bucket["results"]) for bucket in response.json()["data"]]
    assert set(per_bucket) <= {0, 1}


async def test_grouping_applies_the_provider_null_rules(anthropic_get: Get) -> None:
    response = await anthropic_get(
        {
            "starting_at": iso(WEEK),
            "group_by[]": ["api_key_id", "workspace_id", "inference_geo", "model"],
        }
    )
    rows = [row for bucket in response.json()["data"] for row in bucket["results"]]
    assert None in {row["api_key_id"] for row in rows}, "Console usage has no key"
    assert any(row["api_key_id"] for row in rows)
    assert None in {row["workspace_id"] for row in rows}, "default workspace is null"
    assert any(row["workspace_id"] for row in rows)
    geos = {row["model"]: row["inference_geo"] for row in rows if row["inference_geo"]}
    assert geos["claude-3-5-haiku-20241022"] == "not_available"
    assert all(row["service_tier"] is None and row["context_window"] is None for row in rows)


async def test_row_count_matches_expected_row_count(anthropic_get: Get) -> None:
    end = DAY + timedelta(days=2)
    group_by = ["model", "service_tier"]
    buckets = await all_buckets(
        anthropic_get,
        {
            "starting_at": iso(DAY),
            "ending_at": iso(end),
            "bucket_width": "1h",
            "group_by[]": group_by,
        },
    )
    rows = sum(len(bucket["results"]) for bucket in buckets)
    assert rows == expected_row_count(
        "anthropic", DAY, end, 42, bucket_width="1h", group_by=group_by
    )


async def test_filters_keep_only_matching_usage(anthropic_get: Get) -> None:
    window = {"starting_at": iso(WEEK), "ending_at": iso(WEEK + timedelta(days=7))}
    grouped = await anthropic_get({**window, "group_by[]": "inference_geo"})
    filtered = await anthropic_get(
        {**window, "inference_geos[]": "not_available", "group_by[]": "model"}
    )
    geo_rows = [
        row
        for bucket in grouped.json()["data"]
        for row in bucket["results"]
        if row["inference_geo"] == "not_available"
    ]
    model_rows = [row for bucket in filtered.json()["data"] for row in bucket["results"]]
    assert {row["model"] for row in model_rows} == {"claude-3-5-haiku-20241022"}
    assert sum(r["output_tokens"] for r in model_rows) == sum(r["output_tokens"] for r in geo_rows)

    batch = await anthropic_get(
        {
            **window,
            "service_tiers[]": "batch",
            "models[]": "claude-haiku-4-5",
            "group_by[]": ["service_tier", "model"],
        }
    )
    pairs = {(r["service_tier"], r["model"]) for b in batch.json()["data"] for r in b["results"]}
    assert pairs == {("batch", "claude-haiku-4-5")}


async def test_speed_needs_the_fast_mode_beta_header(anthropic_get: Get) -> None:
    headers = {
        "x-api-key": "sk-ant-admin01-test-key",
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "some-other-beta, fast-mode-2026-02-01",
    }
    response = await anthropic_get(
        {"starting_at": iso(WEEK), "group_by[]": "speed"}, headers=headers
    )
    assert response.status_code == 200
    rows = [row for bucket in response.json()["data"] for row in bucket["results"]]
    assert {row["speed"] for row in rows} == {"standard", "fast"}
    ungrouped = await anthropic_get({"starting_at": iso(WEEK)}, headers=headers)
    rows = [row for bucket in ungrouped.json()["data"] for row in bucket["results"]]
    assert rows
    assert all(row["speed"] is None for row in rows)


async def test_no_bucket_starts_at_or_after_now(anthropic_get: Get, now: datetime) -> None:
    today = now.replace(hour=0, minute=0)
    response = await anthropic_get({"starting_at": iso(today), "bucket_width": "1h"})
    body = response.json()
    assert [b["starting_at"] for b in body["data"]] == [
        iso(today + timedelta(hours=h)) for h in range(now.hour + 1)
    ]
    assert body["has_more"] is False
    assert totals(body["data"]) == expected_totals("anthropic", today, now, 42)

    future = await anthropic_get({"starting_at": iso(now + timedelta(days=1))})
    assert future.json() == {"data": [], "has_more": False, "next_page": None}


BETA_HEADERS = {
    "x-api-key": "sk-ant-admin01-test-key",
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "fast-mode-2026-02-01",
}
DIMENSIONS = (
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "account_id",
    "service_account_id",
    "speed",
)
# Filter parameter -> the group_by field it filters on.
FILTERS = {
    "api_key_ids[]": "api_key_id",
    "workspace_ids[]": "workspace_id",
    "models[]": "model",
    "service_tiers[]": "service_tier",
    "context_window[]": "context_window",
    "inference_geos[]": "inference_geo",
    "speeds[]": "speed",
    "account_ids[]": "account_id",
    "service_account_ids[]": "service_account_id",
}


@pytest.mark.parametrize("dimension", DIMENSIONS)
async def test_every_group_by_value_splits_usage_and_keeps_the_totals(
    anthropic_get: Get, dimension: str
) -> None:
    window = {"starting_at": iso(WEEK), "ending_at": iso(WEEK + timedelta(days=7))}
    buckets = await all_buckets(
        lambda p: anthropic_get(p, headers=BETA_HEADERS), {**window, "group_by[]": dimension}
    )
    rows = [row for bucket in buckets for row in bucket["results"]]
    values = {row[dimension] for row in rows}
    assert len(values) >= 2, values
    others = set(DIMENSIONS) - {dimension}
    assert all(row[name] is None for row in rows for name in others)
    assert totals(buckets) == expected_totals("anthropic", WEEK, WEEK + timedelta(days=7), 42)


@pytest.mark.parametrize("param", FILTERS)
async def test_every_filter_keeps_only_matching_usage(anthropic_get: Get, param: str) -> None:
    dimension = FILTERS[param]
    window = {"starting_at": iso(WEEK), "ending_at": iso(WEEK + timedelta(days=7))}

    def get(params: dict[str, Any]) -> Awaitable[httpx.Response]:
        return anthropic_get(params, headers=BETA_HEADERS)

    grouped = await all_buckets(get, {**window, "group_by[]": dimension})
    rows = [row for bucket in grouped for row in bucket["results"]]
    value = next(
        row[dimension] for row in sorted(rows, key=lambda r: -r["output_tokens"]) if row[dimension]
    )
    kept = await all_buckets(get, {**window, param: value, "group_by[]": dimension})
    kept_rows = [row for bucket in kept for row in bucket["results"]]
    assert {row[dimension] for row in kept_rows} == {value}
    assert sum(r["output_tokens"] for r in kept_rows) == sum(
        r["output_tokens"] for r in rows if r[dimension] == value
    )
    assert sum(r["output_tokens"] for r in kept_rows) < sum(r["output_tokens"] for r in rows)


async def test_filters_combine_and_accept_several_values(anthropic_get: Get) -> None:
    window = {"starting_at": iso(WEEK), "ending_at": iso(WEEK + timedelta(days=7))}
    rows = [
        row
        for bucket in await all_buckets(
            anthropic_get,
            {
                **window,
                "models[]": ["claude-sonnet-4-5", "claude-haiku-4-5"],
                "service_tiers[]": ["batch", "priority"],
                "group_by[]": ["model", "service_tier"],
            },
        )
        for row in bucket["results"]
    ]
    assert {(r["model"], r["service_tier"]) for r in rows} == {
        ("claude-sonnet-4-5", "batch"),
        ("claude-haiku-4-5", "batch"),
        ("claude-sonnet-4-5", "priority"),
    }
