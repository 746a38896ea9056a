"""`usage-pipeline report`: token and cost totals from PostgreSQL.

Thin: options -> `ReportQuery` -> `usage_ledger.run_report` -> table or JSON. Exit codes:
2 bad options, or a selection that mixes bucket widths; 1 the database could not be reached
or queried.
"""

from __future__ import annotations

from typing import Annotated

import typer

from usage_common import Settings, UsagePipelineError
from usage_ledger import ReportQuery, render_report_json, render_report_table, run_report

from .cli_support import (
    FormatOption,
    Since,
    Until,
    fail,
    instant,
    load_settings,
    run_async,
    setup_logging,
)
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
        fail(str(exc), 2)
    run_async(_print_report(settings, query, keys, fmt))


def register(app: typer.Typer) -> None:
    app.command()(report)
