"""Fault injection and request stats, the controls fetcher retry tests rely on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from usage_simulator import ConfigError, FaultPlan, SimulatorConfig, SimulatorServer
from usage_simulator.faults import FaultInjector

START = {"starting_at": "2026-02-10T00:00:00Z"}
OPENAI_START = {"start_time": int(datetime(2026, 2, 10, tzinfo=UTC).timestamp())}

Getters = Callable[[SimulatorServer], tuple[Any, Any]]


async def test_429_with_retry_after_then_success(
    fresh_sim: SimulatorServer, client: httpx.AsyncClient, getters: Getters
) -> None:
    anthropic_get, _ = getters(fresh_sim)
    armed = await client.post(
        f"{fresh_sim.base_url}/_sim/faults", json={"fail_next": 2, "status": 429, "retry_after": 1}
    )
    assert armed.status_code == 200

    for _ in range(2):
        response = await anthropic_get(START)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        body = response.json()
        assert body["type"] == "error"
        assert body["error"]["type"] == "rate_limit_error"
        assert body["request_id"].startswith("req_")
    assert (await anthropic_get(START)).status_code == 200

    stats = (await client.get(f"{fresh_sim.base_url}/_sim/stats")).json()
    assert stats["anthropic"] == {"total": 3, "by_status": {"200": 1, "429": 2}}
    assert stats["openai"] == {"total": 0, "by_status": {}}


@pytest.mark.parametrize(
    ("status", "anthropic_type", "openai_type"),
    [
        (500, "api_error", "server_error"),
        (503, "api_error", "server_error"),
        (529, "overloaded_error", "server_error"),
        (429, "rate_limit_error", "requests"),
    ],
)
async def test_each_provider_answers_faults_in_its_own_error_shape(
    fresh_sim: SimulatorServer,
    client: httpx.AsyncClient,
    getters: Getters,
    status: int,
    anthropic_type: str,
    openai_type: str,
) -> None:
    anthropic_get, openai_get = getters(fresh_sim)
    await client.post(f"{fresh_sim.base_url}/_sim/faults", json={"fail_next": 2, "status": status})

    anthropic = await anthropic_get(START)
    assert anthropic.status_code == status
    assert anthropic.json()["error"]["type"] == anthropic_type
    assert "retry-after" not in anthropic.headers

    openai = await openai_get(OPENAI_START)
    assert openai.status_code == status
    assert set(openai.json()["error"]) == {"message", "type", "param", "code"}
    assert openai.json()["error"]["type"] == openai_type

    assert (await openai_get(OPENAI_START)).status_code == 200


async def test_fault_plan_can_target_one_endpoint(
    fresh_sim: SimulatorServer, client: httpx.AsyncClient, getters: Getters
) -> None:
    anthropic_get, openai_get = getters(fresh_sim)
    await client.post(
        f"{fresh_sim.base_url}/_sim/faults",
        json={"fail_next": 1, "status": 503, "endpoint": "openai"},
    )
    assert (await anthropic_get(START)).status_code == 200
    assert (await openai_get(OPENAI_START)).status_code == 503
    assert (await openai_get(OPENAI_START)).status_code == 200


async def test_fault_plan_from_config_applies_from_the_first_request(
    client: httpx.AsyncClient, getters: Getters, make_config: Callable[..., SimulatorConfig]
) -> None:
    config = make_config(faults=FaultPlan(fail_next=1, status=429, retry_after=0))
    async with SimulatorServer(config) as sim:
        _, openai_get = getters(sim)
        first = await openai_get(OPENAI_START)
        assert first.status_code == 429
        assert first.headers["retry-after"] == "0"
        assert first.json()["error"]["code"] == "rate_limit_exceeded"
        assert (await openai_get(OPENAI_START)).status_code == 200


async def test_faults_and_stats_can_be_read_and_cleared(
    fresh_sim: SimulatorServer, client: httpx.AsyncClient, getters: Getters
) -> None:
    anthropic_get, _ = getters(fresh_sim)
    base = fresh_sim.base_url
    await client.post(f"{base}/_sim/faults", json={"fail_next": 5, "status": 500})
    assert (await client.get(f"{base}/_sim/faults")).json()["fail_next"] == 5
    assert (await client.delete(f"{base}/_sim/faults")).json()["fail_next"] == 0
    assert (await anthropic_get(START)).status_code == 200
    assert (await client.get(f"{base}/_sim/stats")).json()["anthropic"]["total"] == 1
    assert (await client.delete(f"{base}/_sim/stats")).json()["anthropic"]["total"] == 0


async def test_auth_failures_and_bad_requests_are_counted(
    fresh_sim: SimulatorServer, client: httpx.AsyncClient, getters: Getters
) -> None:
    _, openai_get = getters(fresh_sim)
    await openai_get(OPENAI_START, headers={})
    await openai_get({})
    stats = (await client.get(f"{fresh_sim.base_url}/_sim/stats")).json()
    assert stats["openai"]["by_status"] == {"400": 1, "401": 1}


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"fail_next": -1},
        {"fail_next": 1, "status": 404},
        {"fail_next": True},
        {"fail_next": 1, "retry_after": "soon"},
        {"fail_next": 1, "endpoint": "gemini"},
        {"fail_next": 1, "colour": "red"},
    ],
)
async def test_invalid_fault_plans_are_400(
    fresh_sim: SimulatorServer, client: httpx.AsyncClient, body: Any
) -> None:
    response = await client.post(f"{fresh_sim.base_url}/_sim/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_non_json_fault_body_is_400(
    fresh_sim: SimulatorServer, client: httpx.AsyncClient
) -> None:
    response = await client.post(f"{fresh_sim.base_url}/_sim/faults", content=b"{nope")
    assert response.status_code == 400


def test_injector_counts_down_and_then_stops() -> None:
    injector = FaultInjector(FaultPlan(fail_next=2, status=503, endpoint="anthropic"))
    assert injector.take("openai") is None
    assert injector.take("anthropic") is not None
    assert injector.take("anthropic") is not None
    assert injector.take("anthropic") is None
    assert injector.plan.fail_next == 0


def test_fault_plan_validates_at_construction() -> None:
    with pytest.raises(ConfigError):
        FaultPlan(fail_next=1, status=418)


@pytest.mark.parametrize(
    ("path", "provider", "params"),
    [
        ("/v1/organizations/cost_report", "anthropic", START),
        ("/v1/organizations/usage_report/claude_code", "anthropic", {"starting_at": "2026-02-10"}),
        ("/v1/organization/costs", "openai", OPENAI_START),
        ("/v1/organization/usage/embeddings", "openai", OPENAI_START),
        ("/v1/organization/usage/web_search_calls", "openai", OPENAI_START),
    ],
)
async def test_faults_and_stats_cover_every_endpoint(
    fresh_sim: SimulatorServer,
    client: httpx.AsyncClient,
    path: str,
    provider: str,
    params: dict[str, Any],
) -> None:
    base = fresh_sim.base_url
    await client.post(f"{base}/_sim/faults", json={"fail_next": 1, "status": 503, "retry_after": 2})
    headers = (
        {"x-api-key": "sk-ant-admin01-test-key", "anthropic-version": "2023-06-01"}
        if provider == "anthropic"
        else {"authorization": "Bearer sk-admin-test-key"}
    )
    failed = await client.get(base + path, params=params, headers=headers)
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "2"
    assert (await client.get(base + path, params=params, headers=headers)).status_code == 200
    assert (await client.get(base + path, params=params)).status_code == 401
    stats = (await client.get(f"{base}/_sim/stats")).json()
    assert stats[provider] == {"total": 3, "by_status": {"200": 1, "401": 1, "503": 1}}
