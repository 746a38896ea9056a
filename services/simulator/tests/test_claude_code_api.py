"""The fake Claude Code Analytics report, exercised over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from usage_simulator import billing_rates, expected_claude_code
from usage_simulator.claude_code import claude_code_records

Get = Callable[..., Awaitable[httpx.Response]]
PATH = "/v1/organizations/usage_report/claude_code"
DAY = date(2026, 2, 10)


@pytest.fixture
def get(anthropic_path_get: Callable[[str], Get]) -> Get:
    return anthropic_path_get(PATH)


async def all_records(get: Get, params: dict[str, Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        response = await get({**params, "page": page} if page else params)
        assert response.status_code == 200, response.text
        body = json.loads(response.text, parse_float=Decimal)
        assert set(body) == {"data", "has_more", "next_page"}
        records.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            return records
        page = body["next_page"]


def assert_error(response: httpx.Response, status: int, mentions: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["type"] == "error"
    assert mentions in response.json()["error"]["message"]


async def test_auth_is_checked(get: Get) -> None:
    response = await get(
        {"starting_at": DAY.isoformat()}, headers={"anthropic-version": "2023-06-01"}
    )
    assert_error(response, 401, "x-api-key")


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "starting_at"),
        ({"starting_at": "2026-02-10T00:00:00Z"}, "starting_at"),
        ({"starting_at": "2026-02-30"}, "starting_at"),
        ({"starting_at": "2026-02-10", "limit": 0}, "limit"),
        ({"starting_at": "2026-02-10", "limit": 1001}, "limit"),
        ({"starting_at": "2026-02-10", "limit": "lots"}, "limit"),
        ({"starting_at": "2026-02-10", "page": "page_garbage"}, "page"),
    ],
)
async def test_bad_parameters_are_400(get: Get, params: dict[str, Any], param: str) -> None:
    assert_error(await get(params), 400, param)


async def test_record_shape(get: Get) -> None:
    body = (await get({"starting_at": DAY.isoformat(), "limit": 1000})).json()
    assert body["data"]
    kinds = set()
    for record in body["data"]:
        assert set(record) == {
            "actor",
            "core_metrics",
            "customer_type",
            "subscription_type",
            "date",
            "is_remote",
            "organization_id",
            "terminal_type",
            "model_breakdown",
            "tool_actions",
        }
        actor = record["actor"]
        kinds.add(actor["type"])
        if actor["type"] == "user_actor":
            assert set(actor) == {"type", "email_address"}
            assert record["customer_type"] == "subscription"
            assert record["subscription_type"] in {"enterprise", "team"}
        else:
            assert set(actor) == {"type", "api_key_name"}
            assert actor["api_key_name"].startswith("claude_code_key_")
            assert record["customer_type"] == "api"
            assert record["subscription_type"] is None
        assert record["date"] == "2026-02-10T00:00:00Z"
        core = record["core_metrics"]
        assert set(core) == {
            "num_sessions",
            "lines_of_code",
            "commits_by_claude_code",
            "pull_requests_by_claude_code",
        }
        assert set(core["lines_of_code"]) == {"added", "removed"}
        assert isinstance(record["is_remote"], bool)
        for usage in record["model_breakdown"]:
            assert set(usage["tokens"]) == {"input", "output", "cache_read", "cache_creation"}
            assert usage["estimated_cost"]["currency"] == "USD"
            assert isinstance(usage["estimated_cost"]["amount"], int | float)
        assert set(record["tool_actions"]) == {
            "edit_tool",
            "multi_edit_tool",
            "write_tool",
            "notebook_edit_tool",
        }
    assert kinds == {"user_actor", "api_actor"}


async def test_paging_one_record_at_a_time_matches_expected_totals(get: Get) -> None:
    served = await all_records(get, {"starting_at": DAY.isoformat(), "limit": 1})
    everything = await all_records(get, {"starting_at": DAY.isoformat()})
    assert served == everything
    totals = expected_claude_code(DAY, DAY + timedelta(days=1), 42)
    assert len(served) == totals.records > 1
    assert sum(r["core_metrics"]["num_sessions"] for r in served) == totals.num_sessions
    assert sum(r["core_metrics"]["lines_of_code"]["added"] for r in served) == totals.lines_added
    usages = [u for r in served for u in r["model_breakdown"]]
    assert sum(u["tokens"]["input"] for u in usages) == totals.input_tokens
    assert sum(u["tokens"]["cache_read"] for u in usages) == totals.cache_read_tokens
    cost = sum((u["estimated_cost"]["amount"] for u in usages), Decimal(0))
    assert cost == totals.estimated_cost_cents


async def test_estimated_cost_is_tokens_times_the_standard_price_in_cents(get: Get) -> None:
    records = await all_records(get, {"starting_at": DAY.isoformat()})
    for record in records:
        for usage in record["model_breakdown"]:
            rates = billing_rates("anthropic", usage["model"], DAY)
            tokens = usage["tokens"]
            usd = (
                tokens["input"] * (rates.per_unit(("input_mtok",)) or 0)
                + tokens["output"] * (rates.per_unit(("output_mtok",)) or 0)
                + tokens["cache_read"] * (rates.per_unit(("cache_read_mtok",)) or 0)
                + tokens["cache_creation"] * (rates.per_unit(("cache_write_mtok",)) or 0)
            )
            assert usage["estimated_cost"]["amount"] == usd * 100


async def test_a_cursor_belongs_to_its_day(get: Get) -> None:
    first = (await get({"starting_at": DAY.isoformat(), "limit": 1})).json()
    cursor = first["next_page"]
    assert cursor.startswith("page_")
    other = await get({"starting_at": "2026-02-11", "limit": 1, "page": cursor})
    assert_error(other, 400, "page")


async def test_days_are_served_once_they_have_ended(get: Get, now: datetime) -> None:
    today = now.astimezone(UTC).date()
    assert (await get({"starting_at": today.isoformat()})).json()["data"] == []
    future = today + timedelta(days=3)
    assert (await get({"starting_at": future.isoformat()})).json()["data"] == []
    yesterday = today - timedelta(days=1)
    records = (await get({"starting_at": yesterday.isoformat()})).json()["data"]
    assert len(records) == len(claude_code_records(yesterday, 42))


def test_records_are_deterministic_and_seed_dependent() -> None:
    week = [claude_code_records(DAY + timedelta(days=n), 42) for n in range(7)]
    assert week == [claude_code_records(DAY + timedelta(days=n), 42) for n in range(7)]
    assert week != [claude_code_records(DAY + timedelta(days=n), 43) for n in range(7)]
    assert any(len(day) < 5 for day in week), "not every actor works every day"
