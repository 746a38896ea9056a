"""Every fake OpenAI usage endpoint, exercised over real HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from usage_simulator import USAGE_ENDPOINTS, expected_row_count, expected_usage_totals
from usage_simulator.datasets import dataset_for

Get = Callable[..., Awaitable[httpx.Response]]
DAY = datetime(2026, 2, 10, tzinfo=UTC)
ENDPOINTS = USAGE_ENDPOINTS["openai"]

OBJECTS = {
    "completions": "organization.usage.completions.result",
    "embeddings": "organization.usage.embeddings.result",
    "moderations": "organization.usage.moderations.result",
    "images": "organization.usage.images.result",
    "audio_speeches": "organization.usage.audio_speeches.result",
    "audio_transcriptions": "organization.usage.audio_transcriptions.result",
    "vector_stores": "organization.usage.vector_stores.result",
    "code_interpreter_sessions": "organization.usage.code_interpreter_sessions.result",
    "file_search_calls": "organization.usage.file_searches.result",
    "web_search_calls": "organization.usage.web_searches.result",
}
GROUP_BY = {
    "completions": {"project_id", "user_id", "api_key_id", "model", "batch", "service_tier"},
    "embeddings": {"project_id", "user_id", "api_key_id", "model"},
    "moderations": {"project_id", "user_id", "api_key_id", "model"},
    "audio_speeches": {"project_id", "user_id", "api_key_id", "model"},
    "audio_transcriptions": {"project_id", "user_id", "api_key_id", "model"},
    "images": {"project_id", "user_id", "api_key_id", "model", "size", "source"},
    "vector_stores": {"project_id"},
    "code_interpreter_sessions": {"project_id"},
    "file_search_calls": {"project_id", "user_id", "api_key_id", "vector_store_id"},
    "web_search_calls": {"project_id", "user_id", "api_key_id", "model", "context_level"},
}
METRICS = {
    "embeddings": {"input_tokens", "num_model_requests"},
    "moderations": {"input_tokens", "num_model_requests"},
    "images": {"images", "num_model_requests"},
    "audio_speeches": {"characters", "num_model_requests"},
    "audio_transcriptions": {"seconds", "num_model_requests"},
    "vector_stores": {"usage_bytes"},
    "code_interpreter_sessions": {"num_sessions"},
    "file_search_calls": {"num_requests"},
    "web_search_calls": {"num_model_requests", "num_requests"},
}
# Filter parameter -> the group_by field it filters on.
FILTERS = {
    "project_ids": "project_id",
    "user_ids": "user_id",
    "api_key_ids": "api_key_id",
    "models": "model",
    "sources": "source",
    "sizes": "size",
    "vector_store_ids": "vector_store_id",
    "context_levels": "context_level",
}


def unix(at: datetime) -> int:
    return int(at.timestamp())


@pytest.fixture
def endpoint_get(openai_path_get: Callable[[str], Get]) -> Callable[[str], Get]:
    return lambda name: openai_path_get(f"/organization/usage/{name}")


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


def results(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for bucket in buckets for row in bucket["results"]]


def assert_error(response: httpx.Response, status: int, param: str | None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param


def test_every_documented_endpoint_is_served() -> None:
    assert set(ENDPOINTS) == set(OBJECTS)
    for name, fields in GROUP_BY.items():
        assert set(dataset_for("openai", name).dimensions) == fields
    for name, metrics in METRICS.items():
        assert set(dataset_for("openai", name).metrics) == metrics


@pytest.mark.parametrize("name", ENDPOINTS)
async def test_auth_is_required(endpoint_get: Callable[[str], Get], name: str) -> None:
    response = await endpoint_get(name)({"start_time": unix(DAY)}, headers={})
    assert_error(response, 401, None)


@pytest.mark.parametrize("name", ENDPOINTS)
async def test_objects_fields_and_null_rules(endpoint_get: Callable[[str], Get], name: str) -> None:
    get = endpoint_get(name)
    plain = results((await get({"start_time": unix(DAY)})).json()["data"])
    assert plain, name
    dims = GROUP_BY[name]
    for row in plain:
        assert row["object"] == OBJECTS[name]
        assert all(row[field] is None for field in dims)
        assert set(row) >= {"object", *dims}
    grouped = results(
        (await get({"start_time": unix(DAY), "group_by[]": sorted(dims)})).json()["data"]
    )
    for field in dims - {"user_id"}:
        assert all(row[field] is not None for row in grouped), field
    if "user_id" in dims:
        service_keys = any(c.dims["user_id"] is None for c in dataset_for("openai", name).combos)
        users = {row["user_id"] for row in grouped}
        assert (None in users) == service_keys, "only a service-account key has no user"


@pytest.mark.parametrize("name", ENDPOINTS)
async def test_paging_totals_equal_expected_usage_totals(
    endpoint_get: Callable[[str], Get], name: str
) -> None:
    end = DAY + timedelta(days=2)
    buckets = await all_buckets(
        endpoint_get(name),
        {"start_time": unix(DAY), "end_time": unix(end), "bucket_width": "1h", "limit": 7},
    )
    assert [b["start_time"] for b in buckets] == [unix(DAY) + 3600 * h for h in range(48)]
    summed: Counter[str] = Counter()
    for row in results(buckets):
        for metric in dataset_for("openai", name).metrics:
            summed[metric] += row[metric]
    assert dict(summed) == expected_usage_totals("openai", name, DAY, end, 42)
    assert any(b["results"] == [] for b in buckets), "quiet hours"


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize(
    ("width", "default", "maximum"), [("1d", 7, 31), ("1h", 24, 168), ("1m", 60, 1440)]
)
async def test_limits_per_bucket_width(
    endpoint_get: Callable[[str], Get], name: str, width: str, default: int, maximum: int
) -> None:
    get = endpoint_get(name)
    start = unix(DAY - timedelta(days=40))
    body = (await get({"start_time": start, "bucket_width": width})).json()
    assert len(body["data"]) == default
    assert body["has_more"] is True
    assert_error(
        await get({"start_time": start, "bucket_width": width, "limit": maximum + 1}), 400, "limit"
    )
    body = (await get({"start_time": start, "bucket_width": width, "limit": maximum})).json()
    assert len(body["data"]) == maximum


@pytest.mark.parametrize("name", ENDPOINTS)
async def test_group_by_outside_the_endpoints_set_is_400(
    endpoint_get: Callable[[str], Get], name: str
) -> None:
    wrong = {
        "workspace_id",
        "batch",
        "size",
        "vector_store_id",
        "context_level",
        "model",
    } - GROUP_BY[name]
    for value in sorted(wrong):
        response = await endpoint_get(name)({"start_time": unix(DAY), "group_by": value})
        assert_error(response, 400, "group_by[]")


@pytest.mark.parametrize("name", ENDPOINTS)
async def test_every_filter_keeps_only_matching_usage(
    endpoint_get: Callable[[str], Get], name: str
) -> None:
    get = endpoint_get(name)
    window = {"start_time": unix(DAY), "end_time": unix(DAY + timedelta(days=7))}
    dims = GROUP_BY[name]
    everything = results(await all_buckets(get, {**window, "group_by[]": sorted(dims)}))
    metric = sorted(METRICS.get(name, {"input_tokens"}))[0]
    checked = 0
    for param, field in FILTERS.items():
        if field not in dims:
            continue
        value = next(row[field] for row in everything if row[field] is not None)
        kept = results(await all_buckets(get, {**window, param: value, "group_by[]": field}))
        assert {row[field] for row in kept} == {value}, param
        expected = sum(row[metric] for row in everything if row[field] == value)
        assert sum(row[metric] for row in kept) == expected
        checked += 1
    assert checked == len(dims & set(FILTERS.values()))


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [
        ("images", "sources", "image.upscale"),
        ("images", "sizes", "4096x4096"),
        ("web_search_calls", "context_levels", "extreme"),
    ],
)
async def test_enumerated_filters_refuse_unknown_values(
    endpoint_get: Callable[[str], Get], name: str, param: str, value: str
) -> None:
    response = await endpoint_get(name)({"start_time": unix(DAY), param: value})
    assert_error(response, 400, f"{param}[]")


async def test_batch_filter_is_completions_only(endpoint_get: Callable[[str], Get]) -> None:
    # Other endpoints ignore it like any unknown parameter: same body with or without.
    get = endpoint_get("embeddings")
    assert (await get({"start_time": unix(DAY), "batch": "true"})).json() == (
        await get({"start_time": unix(DAY)})
    ).json()


async def test_a_cursor_is_valid_only_on_its_endpoint(endpoint_get: Callable[[str], Get]) -> None:
    params = {"start_time": unix(DAY), "bucket_width": "1h"}
    cursor = (await endpoint_get("embeddings")(params)).json()["next_page"]
    assert cursor
    assert (await endpoint_get("embeddings")({**params, "page": cursor})).status_code == 200
    assert_error(await endpoint_get("moderations")({**params, "page": cursor}), 400, "page")


@pytest.mark.parametrize("name", ["images", "web_search_calls", "file_search_calls"])
async def test_row_count_matches_expected_row_count(
    endpoint_get: Callable[[str], Get], name: str
) -> None:
    end = DAY + timedelta(days=3)
    group_by = sorted(GROUP_BY[name])[:2]
    buckets = await all_buckets(
        endpoint_get(name),
        {
            "start_time": unix(DAY),
            "end_time": unix(end),
            "bucket_width": "1h",
            "group_by[]": group_by,
        },
    )
    assert len(results(buckets)) == expected_row_count(
        "openai", DAY, end, 42, bucket_width="1h", group_by=group_by, endpoint=name
    )
