"""The fake OpenAI completions usage endpoint, exercised over real HTTP."""

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
TOTALS = (
    "input_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "output_tokens",
    "num_model_requests",
)
DIMENSIONS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")


def unix(at: datetime) -> int:
    return int(at.timestamp())


def totals(buckets: list[dict[str, Any]]) -> dict[str, int]:
    summed: Counter[str] = Counter()
    for bucket in buckets:
        for row in bucket["results"]:
            for name in TOTALS:
                summed[name] += row[name]
    return dict(summed)


def rows_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [row for bucket in response.json()["data"] for row in bucket["results"]]


async def all_buckets(get: Get, params: dict[str, Any]) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        response = await get({**params, "page": page} if page else params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "page"
        buckets.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            return buckets
        page = body["next_page"]


def assert_error(
    response: httpx.Response, status: int, param: str | None, code: str | None
) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code
    if param is not None:
        assert param in error["message"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer sk-admin-wrong"}, {"authorization": "Basic sk-admin-test-key"}],
)
async def test_bad_or_missing_key_is_401_with_openai_error_body(
    openai_get: Get, headers: dict[str, str]
) -> None:
    response = await openai_get({"start_time": unix(DAY)}, headers=headers)
    assert_error(response, 401, None, "invalid_api_key")
    assert "sk-admin" not in response.text


@pytest.mark.parametrize(("width", "maximum"), [("1d", 31), ("1h", 168), ("1m", 1440)])
async def test_limit_above_max_or_below_one_is_400_and_max_is_served(
    openai_get: Get, width: str, maximum: int
) -> None:
    start = unix(WEEK - timedelta(days=40))
    for bad in (maximum + 1, 0, -1):
        response = await openai_get({"start_time": start, "bucket_width": width, "limit": bad})
        assert_error(response, 400, "limit", None)
    response = await openai_get({"start_time": start, "bucket_width": width, "limit": maximum})
    assert len(response.json()["data"]) == maximum


@pytest.mark.parametrize(("width", "default"), [("1d", 7), ("1h", 24), ("1m", 60)])
async def test_default_limit_per_width(openai_get: Get, width: str, default: int) -> None:
    body = (await openai_get({"start_time": unix(WEEK), "bucket_width": width})).json()
    assert len(body["data"]) == default
    assert body["has_more"] is True
    assert all(bucket["object"] == "bucket" for bucket in body["data"])


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "start_time"),
        ({"start_time": "2026-02-10"}, "start_time"),
        ({"start_time": unix(DAY), "end_time": unix(DAY)}, "end_time"),
        ({"start_time": unix(DAY), "bucket_width": "1w"}, "bucket_width"),
        ({"start_time": unix(DAY), "group_by": "workspace_id"}, "group_by[]"),
        ({"start_time": unix(DAY), "batch": "maybe"}, "batch"),
        ({"start_time": unix(DAY), "page": "page_!!"}, "page"),
    ],
)
async def test_bad_parameters_are_400_naming_the_parameter(
    openai_get: Get, params: dict[str, Any], param: str
) -> None:
    assert_error(await openai_get(params), 400, param, None)


async def test_pagination_yields_every_bucket_once_including_empty_ones(openai_get: Get) -> None:
    end = DAY + timedelta(days=2)
    buckets = await all_buckets(
        openai_get,
        {"start_time": unix(DAY), "end_time": unix(end), "bucket_width": "1h", "limit": 5},
    )
    assert [b["start_time"] for b in buckets] == [unix(DAY) + 3600 * h for h in range(48)]
    assert all(b["end_time"] == b["start_time"] + 3600 for b in buckets)
    assert any(b["results"] == [] for b in buckets)
    assert totals(buckets) == expected_totals("openai", DAY, end, 42)


async def test_start_time_snaps_down_to_the_bucket(openai_get: Get) -> None:
    body = (await openai_get({"start_time": unix(DAY) + 5000, "bucket_width": "1d"})).json()
    assert body["data"][0]["start_time"] == unix(DAY)


async def test_day_equals_sum_of_hours_equals_sum_of_minutes(openai_get: Get) -> None:
    window = {"start_time": unix(DAY), "end_time": unix(DAY + timedelta(days=1))}
    grouped = {"group_by[]": ["model", "batch"]}
    day = await all_buckets(openai_get, {**window, **grouped, "bucket_width": "1d"})
    hours = await all_buckets(openai_get, {**window, **grouped, "bucket_width": "1h"})
    minutes = await all_buckets(
        openai_get, {**window, **grouped, "bucket_width": "1m", "limit": 1440}
    )
    assert (len(day), len(hours), len(minutes)) == (1, 24, 1440)
    assert totals(day) == totals(hours) == totals(minutes)


async def test_week_totals_equal_expected_totals(openai_get: Get) -> None:
    end = WEEK + timedelta(days=7)
    buckets = await all_buckets(openai_get, {"start_time": unix(WEEK), "end_time": unix(end)})
    assert len(buckets) == 7
    assert totals(buckets) == expected_totals("openai", WEEK, end, 42)


async def test_every_row_obeys_the_token_arithmetic(openai_get: Get) -> None:
    rows = rows_of(
        await openai_get(
            {"start_time": unix(WEEK), "bucket_width": "1h", "limit": 168, "group_by[]": "model"}
        )
    )
    assert rows
    for row in rows:
        assert row["object"] == "organization.usage.completions.result"
        assert row["input_tokens"] == (
            row["input_cached_tokens"]
            + row["input_cache_write_tokens"]
            + row["input_uncached_tokens"]
        )
        assert row["input_uncached_tokens"] == sum(
            row[f"input_{m}_tokens"] for m in ("text", "audio", "image")
        )
        assert row["input_cached_tokens"] == sum(
            row[f"input_cached_{m}_tokens"] for m in ("text", "audio", "image")
        )
        assert row["output_tokens"] == sum(
            row[f"output_{m}_tokens"] for m in ("text", "audio", "image")
        )
    assert any(row["input_audio_tokens"] for row in rows)
    assert any(row["output_image_tokens"] for row in rows)


async def test_group_by_sets_only_grouped_fields(openai_get: Get) -> None:
    rows = rows_of(
        await openai_get({"start_time": unix(WEEK), "group_by": ["project_id", "user_id"]})
    )
    assert None in {row["user_id"] for row in rows}, "service-account key has no user"
    assert all(row["project_id"] for row in rows)
    assert all(row[name] is None for row in rows for name in ("api_key_id", "model", "batch"))
    plain = rows_of(await openai_get({"start_time": unix(WEEK)}))
    assert all(row[name] is None for row in plain for name in DIMENSIONS)


async def test_repeated_and_bracketed_group_by_are_equivalent(openai_get: Get) -> None:
    base = {"start_time": unix(WEEK)}
    bracketed = await openai_get({**base, "group_by[]": ["model", "service_tier"]})
    repeated = await openai_get({**base, "group_by": ["service_tier", "model"]})
    assert bracketed.json() == repeated.json()
    assert {row["service_tier"] for row in rows_of(repeated)} == {"default"}


async def test_filters_keep_only_matching_usage(openai_get: Get) -> None:
    base = {"start_time": unix(WEEK), "group_by[]": ["batch", "project_id"]}
    batch_rows = rows_of(await openai_get({**base, "batch": "true"}))
    assert {row["batch"] for row in batch_rows} == {True}
    online_rows = rows_of(await openai_get({**base, "batch": "false"}))
    assert {row["batch"] for row in online_rows} == {False}
    everything = rows_of(await openai_get(base))
    assert sum(r["input_tokens"] for r in everything) == sum(
        r["input_tokens"] for r in batch_rows + online_rows
    )
    project = rows_of(
        await openai_get(
            {**base, "project_ids[]": "proj_SimResearch00000003", "models[]": "gpt-image-1"}
        )
    )
    assert {row["project_id"] for row in project} == {"proj_SimResearch00000003"}


async def test_row_count_matches_expected_row_count(openai_get: Get) -> None:
    end = DAY + timedelta(days=3)
    group_by = ["api_key_id", "model"]
    buckets = await all_buckets(
        openai_get,
        {
            "start_time": unix(DAY),
            "end_time": unix(end),
            "bucket_width": "1h",
            "group_by[]": group_by,
        },
    )
    rows = sum(len(bucket["results"]) for bucket in buckets)
    assert rows == expected_row_count("openai", DAY, end, 42, bucket_width="1h", group_by=group_by)


async def test_open_ended_query_stops_before_now(openai_get: Get, now: datetime) -> None:
    start = now - timedelta(days=10)
    buckets = await all_buckets(openai_get, {"start_time": unix(start)})
    assert len(buckets) == 11
    assert buckets[-1]["start_time"] <= unix(now) < buckets[-1]["end_time"]
