"""What every command shares: one red error line, settings refused with the variable name,
logging, the options and option choices more than one command takes."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import ValidationError

from usage_common import Settings, parse_instant

__all__ = [
    "CsvKindOption",
    "FormatOption",
    "ProviderOption",
    "Since",
    "Until",
    "err",
    "instant",
    "load_settings",
    "setup_logging",
]

Since = Annotated[
    str | None, typer.Option("--since", help="UTC date or timestamp; window start (inclusive)")
]
Until = Annotated[
    str | None, typer.Option("--until", help="UTC date or timestamp; window end (exclusive)")
]


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


def load_settings() -> Settings:
    """Settings from the environment; an invalid value exits 2 naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "USAGE_" + str(first["loc"][0]).upper() if first["loc"] else "USAGE_*"
        err(f"invalid configuration {name}: {first['msg']}")
        raise typer.Exit(2) from None


def instant(value: str | None, option: str) -> datetime | None:
    """An optional --since/--until; one that cannot be read exits 2 naming its option."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        err(f"{option}: {exc}")
        raise typer.Exit(2) from None


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every URL at INFO; URLs hold no secrets, but the noise hides real problems.
    for noisy in ("httpx", "aiokafka", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
