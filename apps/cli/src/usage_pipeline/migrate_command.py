"""`usage-pipeline migrate`: apply pending SQL migrations (what the Kubernetes Job runs)."""

from __future__ import annotations

import typer

from usage_common import Settings
from usage_schema import apply_migrations

from .cli_support import Verbose, load_settings, run_async, setup_logging
from .database import database_url

__all__ = ["register"]


async def _migrate(settings: Settings) -> list[str]:
    async with database_url(settings) as url:
        applied = await apply_migrations(url)
    return [f"applied {m.version:04d}_{m.name}" for m in applied]


def migrate(verbose: Verbose = False) -> None:
    """Apply pending SQL migrations to USAGE_DATABASE_URL (or the embedded database)."""
    setup_logging(verbose)
    lines = run_async(_migrate(load_settings()))
    typer.echo("\n".join(lines) if lines else "schema is up to date")


def register(app: typer.Typer) -> None:
    app.command()(migrate)
