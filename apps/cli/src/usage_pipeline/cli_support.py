"""What every command shares: one red error line, settings refused with the variable name,
the option choices more than one command takes."""

from __future__ import annotations

from enum import StrEnum

import typer
from pydantic import ValidationError

from usage_common import Settings

__all__ = ["CsvKindOption", "FormatOption", "ProviderOption", "err", "load_settings"]


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
