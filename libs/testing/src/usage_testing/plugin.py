"""pytest plugin: real Kafka and PostgreSQL for tests, marked, and strict in CI.

Registered for the whole workspace through the ``pytest11`` entry point of usage-testing.

- Tests using ``kafka_bootstrap`` get ``@pytest.mark.kafka``; tests using
  ``postgres_server_url`` or ``database_url`` get ``@pytest.mark.postgres``, so
  ``pytest -m "not kafka and not postgres"`` is the quick loop.
- ``promtool`` and ``prometheus_binary`` are the paths of Debian's ``prometheus`` package
  tools; without them a test is skipped (failed under ``USAGE_REQUIRE_INFRA=1``).
- When a server is unavailable, its tests are skipped with a message saying how to provide
  one. With ``USAGE_REQUIRE_INFRA=1`` (CI) a skipped kafka/postgres test fails instead; only
  an explicit ``skip``/``skipif`` marker on the test itself is still honoured.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, suppress
from urllib.parse import urlsplit, urlunsplit

import pytest

from ._infra import REQUIRE_INFRA_ENV, InfraUnavailable, Provided, env_value
from ._kafka import provide_kafka
from ._postgres import create_database, drop_database, provide_postgres, run_sync, with_database

__all__ = [
    "database_url",
    "kafka_bootstrap",
    "postgres_server_url",
    "prometheus_binary",
    "promtool",
    "unique_suffix",
]

_KAFKA_FIXTURES = frozenset({"kafka_bootstrap"})
_POSTGRES_FIXTURES = frozenset({"postgres_server_url", "database_url"})
_INFRA_MARKERS = ("kafka", "postgres")
_PROVIDED = pytest.StashKey[dict[str, Provided]]()


def _strict() -> bool:
    return env_value(REQUIRE_INFRA_ENV) not in (None, "0")


def pytest_configure(config: pytest.Config) -> None:
    # Declared here too so that the plugin works outside this workspace's pyproject.
    config.addinivalue_line("markers", "kafka: needs a real Kafka broker")
    config.addinivalue_line("markers", "postgres: needs a real PostgreSQL server")
    config.stash[_PROVIDED] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the markers must be on the items before `-m` deselects by them.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & _KAFKA_FIXTURES and item.get_closest_marker("kafka") is None:
            item.add_marker(pytest.mark.kafka)
        if names & _POSTGRES_FIXTURES and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and _strict()
        and any(item.get_closest_marker(name) for name in _INFRA_MARKERS)
        and not any(item.get_closest_marker(name) for name in ("skip", "skipif"))
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"{REQUIRE_INFRA_ENV}=1: tests needing Kafka/PostgreSQL must not skip: {reason}"
        )
    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    # Says which server the run used and how long it took to get it (CI logs, slow runs).
    for name, provided in config.stash.get(_PROVIDED, {}).items():
        terminalreporter.write_line(
            f"usage_testing: {name} at {_redact(provided.address)} from {provided.source}, "
            f"ready in {provided.seconds:.1f} s"
        )


def _redact(address: str) -> str:
    parts = urlsplit(address)
    if parts.password is None:
        return address
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _provided_or_skip(provide: Callable[[], Provided]) -> Provided:
    """``provide()``, or skip (fail when strict) with its instructions if it cannot."""
    try:
        return provide()
    except InfraUnavailable as exc:
        message = str(exc)
    # Outside the except block, so the report is not a chain of two exceptions.
    if _strict():
        pytest.fail(f"{REQUIRE_INFRA_ENV}=1: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def kafka_bootstrap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Bootstrap address (``host:port``) of a real Kafka broker, shared by the session."""
    with ExitStack() as stack:
        provided = _provided_or_skip(
            lambda: provide_kafka(stack, tmp_path_factory.mktemp("kafka"), request.config.rootpath)
        )
        request.config.stash[_PROVIDED]["kafka"] = provided
        yield provided.address


@pytest.fixture(scope="session")
def postgres_server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a real PostgreSQL server's ``postgres`` database, as a user that may create
    databases; shared by the session. Tests normally want ``database_url`` instead."""
    with ExitStack() as stack:
        provided = _provided_or_skip(lambda: provide_postgres(stack))
        request.config.stash[_PROVIDED]["postgres"] = provided
        yield provided.address


@pytest.fixture
def database_url(postgres_server_url: str, unique_suffix: str) -> Iterator[str]:
    """URL of a new, empty database for this test alone; dropped afterwards."""
    name = f"test_{unique_suffix}"
    run_sync(create_database(postgres_server_url, name))
    yield with_database(postgres_server_url, name)
    # Best effort: a server that is already gone has taken its databases with it.
    with suppress(Exception):
        run_sync(drop_database(postgres_server_url, name))


@pytest.fixture
def unique_suffix() -> str:
    """A random 12-character hex string for unique topic names, group ids and databases."""
    return uuid.uuid4().hex[:12]


PROMETHEUS_HINT = "apt-get install prometheus (Debian's package, as .ci/run does)"


def _binary_or_skip(name: str) -> str:
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not on PATH: {PROMETHEUS_HINT}"
    if _strict():
        pytest.fail(f"{REQUIRE_INFRA_ENV}=1: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def promtool() -> str:
    """Path of ``promtool``: checks metrics text and alert rules, runs rule unit tests."""
    return _binary_or_skip("promtool")


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    """Path of the ``prometheus`` server binary, to scrape a running pipeline."""
    return _binary_or_skip("prometheus")
