"""Running the simulator: ports, URLs, clean shutdown, determinism, and clock handling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import usage_simulator
from usage_simulator import ConfigError, SimulatorConfig, SimulatorServer, expected_totals

Getters = Callable[[SimulatorServer], tuple[Any, Any]]
START = {"starting_at": "2026-02-01T00:00:00Z", "bucket_width": "1h", "group_by[]": "model"}
OPENAI_START = {"start_time": int(datetime(2026, 2, 1, tzinfo=UTC).timestamp()), "limit": 31}


def test_exports_are_sorted_and_present() -> None:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert usage_simulator.__all__ == sorted(usage_simulator.__all__, key=kind)
    for name in usage_simulator.__all__:
        assert hasattr(usage_simulator, name)


async def test_urls_use_the_picked_port_and_the_server_stops_on_exit(
    client: httpx.AsyncClient, make_config: Callable[..., SimulatorConfig]
) -> None:
    async with SimulatorServer(make_config(), port=0) as sim:
        assert sim.port > 0
        assert sim.anthropic_base_url == f"http://127.0.0.1:{sim.port}"
        assert sim.openai_base_url == f"http://127.0.0.1:{sim.port}/v1"
        health = await client.get(f"{sim.base_url}/_sim/health")
        assert health.json() == {"status": "ok", "seed": 42}
        port = sim.port
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{port}/_sim/health")
    with pytest.raises(RuntimeError):
        _ = sim.port


async def test_same_seed_serves_identical_data_on_two_servers(
    client: httpx.AsyncClient, getters: Getters, make_config: Callable[..., SimulatorConfig]
) -> None:
    bodies = []
    for seed in (7, 7, 8):
        async with SimulatorServer(make_config(seed=seed)) as sim:
            anthropic_get, openai_get = getters(sim)
            anthropic = (await anthropic_get(START)).json()
            openai = (await openai_get(OPENAI_START)).json()
            bodies.append((anthropic, openai))
    assert bodies[0] == bodies[1]
    assert bodies[0][0]["data"] != bodies[2][0]["data"]
    assert bodies[0][1]["data"] != bodies[2][1]["data"]


async def test_bucket_in_progress_grows_as_the_clock_moves(
    getters: Getters, make_config: Callable[..., SimulatorConfig]
) -> None:
    today = datetime(2026, 3, 1, tzinfo=UTC)
    clock = [today + timedelta(hours=12, minutes=30)]
    async with SimulatorServer(make_config(clock=lambda: clock[0])) as sim:
        _, openai_get = getters(sim)
        params = {"start_time": int(today.timestamp()), "bucket_width": "1d"}

        def input_tokens(body: dict[str, Any]) -> int:
            return sum(r["input_tokens"] for b in body["data"] for r in b["results"])

        noon = (await openai_get(params)).json()
        assert len(noon["data"]) == 1
        assert input_tokens(noon) == expected_totals("openai", today, clock[0], 42)["input_tokens"]

        clock[0] = today + timedelta(days=1, minutes=1)
        later = (await openai_get(params)).json()
        assert len(later["data"]) == 2
        whole_day = expected_totals("openai", today, today + timedelta(days=1), 42)
        assert (
            sum(r["input_tokens"] for r in later["data"][0]["results"])
            == (whole_day["input_tokens"])
        )


async def test_logs_never_contain_admin_keys(
    caplog: pytest.LogCaptureFixture,
    getters: Getters,
    make_config: Callable[..., SimulatorConfig],
) -> None:
    config = make_config()
    with caplog.at_level(logging.DEBUG):
        async with SimulatorServer(config) as sim:
            anthropic_get, openai_get = getters(sim)
            await anthropic_get(START)
            await openai_get(OPENAI_START, headers={"authorization": "Bearer sk-admin-wrong"})
    assert caplog.records
    for record in caplog.records:
        message = record.getMessage()
        assert config.anthropic_admin_key not in message
        assert config.openai_admin_key not in message
    assert config.anthropic_admin_key not in repr(config)
    assert config.openai_admin_key not in repr(config)


def test_naive_clock_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        SimulatorConfig(clock=lambda: datetime(2026, 1, 1))


def test_empty_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        SimulatorConfig(openai_admin_key="")
