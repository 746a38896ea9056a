"""`usage-pipeline report`: token and cost totals from PostgreSQL.

Thin: options -> `ReportQuery` -> `usage_ledger.run_report` -> table or JSON. Exit codes:
2 bad options; 1 the database could not be reached or queried, or the selection mixes
bucket widths.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import asyncpg
import typer

from usage_common import Settings, UsagePipelineError
from usage_ledger import ReportQuery, render_report_json, render_report_table, run_report

from .cli_support import FormatOption, Since, Until, err, instant, load_settings, setup_logging
from .database import database_url

__all__ = ["register"]


async def _print_report(
    settings: Settings, query: ReportQuery, keys: tuple[str, ...], fmt: FormatOption
) -> None:
    async with database_url(settings) as url:
        rows = await run_report(url, query)
    json = fmt is FormatOption.json
    typer.echo(render_report_json(rows) if json else render_report_table(rows, keys))


def report(
    since: Since = None,
    until: Until = None,
    by: Annotated[
        str, typer.Option("--by", help="comma-separated: provider,model,day,project,api_key,...")
    ] = "provider",
    bucket_width: Annotated[
        str | None, typer.Option("--bucket-width", help="only rows of this width (1m|1h|1d)")
    ] = None,
    fmt: Annotated[
        FormatOption, typer.Option("--format", help="table or json")
    ] = FormatOption.table,
) -> None:
    """Token and cost totals from PostgreSQL."""
    setup_logging(False)
    settings = load_settings()
    keys = tuple(b.strip() for b in by.split(",") if b.strip())
    try:
        query = ReportQuery(
            instant(since, "--since"), instant(until, "--until"), keys, bucket_width
        )
    except UsagePipelineError as exc:
        err(str(exc))
        raise typer.Exit(2) from None
    try:
        asyncio.run(_print_report(settings, query, keys, fmt))
    except UsagePipelineError as exc:
        err(str(exc))
        raise typer.Exit(1) from None
    except (OSError, asyncpg.PostgresError) as exc:
        err(f"{type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command()(report)
