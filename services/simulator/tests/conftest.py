"""Fixtures: a real simulator on 127.0.0.1 with a frozen clock, and clients for both APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from usage_simulator import SimulatorConfig, SimulatorServer

NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
ANTHROPIC_KEY = "sk-ant-admin01-test-key"
OPENAI_KEY = "sk-admin-test-key"
ANTHROPIC_PATH = "/v1/organizations/usage_report/messages"
OPENAI_PATH = "/organization/usage/completions"

Get = Callable[..., Awaitable[httpx.Response]]


def make_config(**overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {
        "seed": 42,
        "anthropic_admin_key": ANTHROPIC_KEY,
        "openai_admin_key": OPENAI_KEY,
        "clock": lambda: NOW,
    }
    values.update(overrides)
    return SimulatorConfig(**values)


@pytest.fixture(scope="session")
async def sim() -> AsyncIterator[SimulatorServer]:
    """Shared read-only server; tests that change faults or stats start their own."""
    async with SimulatorServer(make_config()) as server:
        yield server


@pytest.fixture
async def fresh_sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(make_config()) as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


def anthropic_getter(
    client: httpx.AsyncClient, server: SimulatorServer, path: str = ANTHROPIC_PATH
) -> Get:
    async def get(
        params: Any = None, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}
        if headers is not None:
            sent = headers
        return await client.get(
            server.anthropic_base_url + path, params=params, headers=sent, **kwargs
        )

    return get


def openai_getter(
    client: httpx.AsyncClient, server: SimulatorServer, path: str = OPENAI_PATH
) -> Get:
    async def get(
        params: Any = None, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = {"authorization": f"Bearer {OPENAI_KEY}"} if headers is None else headers
        return await client.get(
            server.openai_base_url + path, params=params, headers=sent, **kwargs
        )

    return get


@pytest.fixture
def now() -> datetime:
    """The frozen time every test server reports unless a test brings its own clock."""
    return NOW


@pytest.fixture(name="make_config")
def make_config_fixture() -> Callable[..., SimulatorConfig]:
    return make_config


@pytest.fixture
def anthropic_get(client: httpx.AsyncClient, sim: SimulatorServer) -> Get:
    return anthropic_getter(client, sim)


@pytest.fixture
def openai_get(client: httpx.AsyncClient, sim: SimulatorServer) -> Get:
    return openai_getter(client, sim)


@pytest.fixture
def anthropic_path_get(client: httpx.AsyncClient, sim: SimulatorServer) -> Callable[[str], Get]:
    """Getter for any Anthropic path (e.g. "/v1/organizations/cost_report") on `sim`."""
    return lambda path: anthropic_getter(client, sim, path)


@pytest.fixture
def openai_path_get(client: httpx.AsyncClient, sim: SimulatorServer) -> Callable[[str], Get]:
    """Getter for any OpenAI path below /v1 (e.g. "/organization/costs") on `sim`."""
    return lambda path: openai_getter(client, sim, path)


@pytest.fixture
def getters(client: httpx.AsyncClient) -> Callable[[SimulatorServer], tuple[Get, Get]]:
    """(anthropic_get, openai_get) bound to a server the test started itself."""

    def bind(server: SimulatorServer) -> tuple[Get, Get]:
        return anthropic_getter(client, server), openai_getter(client, server)

    return bind
