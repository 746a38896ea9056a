"""What every command shares: one red error line, errors mapped to exit codes in one place,
settings refused with the variable name, logging, the options and option choices more than
one command takes."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, NoReturn, TypeVar

import asyncpg
import typer
from pydantic import ValidationError

from usage_common import (
    ConfigError,
    InvalidPayloadError,
    Settings,
    UsagePipelineError,
    configure_logging,
    parse_instant,
)
from usage_embedded_pg import EmbeddedPostgresError

__all__ = [
    "CsvKindOption",
    "ExitCodes",
    "FormatOption",
    "ProviderOption",
    "Since",
    "Until",
    "Verbose",
    "err",
    "fail",
    "instant",
    "load_settings",
    "run_async",
    "setup_logging",
]

T = TypeVar("T")

Since = Annotated[
    str | None, typer.Option("--since", help="UTC date or timestamp; window start (inclusive)")
]
Until = Annotated[
    str | None, typer.Option("--until", help="UTC date or timestamp; window end (exclusive)")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="log progress to stderr")]


class ProviderOption(StrEnum):
    anthropic = "anthropic"
    openai = "openai"


class FormatOption(StrEnum):
    table = "table"
    json = "json"


class CsvKindOption(StrEnum):
    usage = "usage"
    cost = "cost"


def err(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


def fail(message: str, code: int) -> NoReturn:
    """One red line, then exit with `code`."""
    err(message)
    raise typer.Exit(code)


@dataclass(frozen=True, slots=True)
class ExitCodes:
    """Exit code per kind of failure. Bad input: a `ConfigError` or `InvalidPayloadError`
    (fix the command or the configuration); failed: any other error of ours; unreachable:
    the operating system or PostgreSQL failed underneath (`OSError`, asyncpg, the embedded
    server), whose line starts with `unreachable_prefix`."""

    bad_input: int = 2
    failed: int = 1
    unreachable: int = 1
    unreachable_prefix: str = ""


def run_async(coro: Coroutine[Any, Any, T], codes: ExitCodes = ExitCodes()) -> T:
    """Run a command's coroutine; a known error becomes one red line and its exit code."""
    try:
        return asyncio.run(coro)
    except (ConfigError, InvalidPayloadError) as exc:
        fail(str(exc), codes.bad_input)
    except UsagePipelineError as exc:
        fail(str(exc), codes.failed)
    except (OSError, asyncpg.PostgresError, EmbeddedPostgresError) as exc:
        fail(f"{codes.unreachable_prefix}{type(exc).__name__}: {exc}", codes.unreachable)


def load_settings() -> Settings:
    """Settings from the environment; an invalid value exits 2 naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "USAGE_" + str(first["loc"][0]).upper() if first["loc"] else "USAGE_*"
        fail(f"invalid configuration {name}: {first['msg']}", 2)


def instant(value: str | None, option: str) -> datetime | None:
    """An optional --since/--until; one that cannot be read exits 2 naming its option."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        fail(f"{option}: {exc}", 2)


def setup_logging(verbose: bool, *, service: bool = False) -> None:
    """Log lines at INFO with --verbose, else WARNING, in `USAGE_LOG_FORMAT`. A service
    logs JSON lines (by default) to stdout, what Kubernetes collects, and prints nothing
    else there; every other command logs text (by default) to stderr, because its stdout
    is its output (a report, JSON)."""
    fmt = load_settings().log_format or ("json" if service else "text")
    level = logging.INFO if verbose else logging.WARNING
    configure_logging(fmt, level, sys.stdout if service else sys.stderr)
    # httpx logs every URL at INFO; URLs hold no secrets, but the noise hides real problems.
    for noisy in ("httpx", "aiokafka", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
