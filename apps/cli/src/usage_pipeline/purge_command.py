"""`usage-pipeline purge`: delete one provider's stored rows in a window, after confirmation.

Thin: options -> `PurgeSelection` -> `usage_writer.run_purge`, which owns the order (count,
show the plan, ask, delete in one transaction, report) -> lines. Exit codes: 0 deleted, or
nothing selected; 1 declined at the prompt, or the database failed; 2 bad options, an
unknown credential, or no terminal to ask on and no `--yes`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer

from usage_common import ConfigError, Settings, utc_now
from usage_writer import PurgePlan, Purger, PurgeResult, PurgeSelection, run_purge

from .cli_support import (
    ProviderOption,
    Since,
    Until,
    Verbose,
    fail,
    instant,
    load_settings,
    run_async,
    setup_logging,
)
from .database import database_url

__all__ = ["register"]


class SourceOption(StrEnum):
    admin_api = "admin_api"
    console_csv = "console_csv"


def _plan_lines(plan: PurgePlan) -> list[str]:
    lines = [f"purge {plan.selection.describe()}:"]
    lines += [f"  {table:<18} {n:>8} row(s)" for table, n in plan.rows.items()]
    return lines


def _confirmer(yes: bool) -> Callable[[PurgePlan], Awaitable[bool]]:
    async def confirm(plan: PurgePlan) -> bool:
        for line in _plan_lines(plan):
            typer.echo(line)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise ConfigError(f"no terminal to confirm on: pass --yes to delete {plan.total} rows")
        question = f"Delete these {plan.total} rows?"
        return await asyncio.to_thread(typer.confirm, question, default=False)

    return confirm


async def _purge(
    settings: Settings, selection: PurgeSelection, credential: str | None, yes: bool
) -> PurgeResult:
    async with database_url(settings) as url:
        purger = await Purger.connect(url)
        try:
            if credential is not None:
                organization = await purger.credential_organization(
                    settings, selection.provider, credential
                )
                selection = dataclasses.replace(selection, organization_id=organization)
            return await run_purge(purger, selection, _confirmer(yes))
        finally:
            await purger.close()


def purge(
    provider: Annotated[ProviderOption, typer.Option("--provider", help="whose rows")],
    since: Since = None,
    until: Until = None,
    source: Annotated[
        SourceOption | None, typer.Option("--source", help="only this source (default: both)")
    ] = None,
    credential: Annotated[
        str | None,
        typer.Option("--credential", help="only the organization of this credential"),
    ] = None,
    organization_id: Annotated[
        str | None, typer.Option("--organization-id", help="only this organization")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    verbose: Verbose = False,
) -> None:
    """Delete stored usage, cost and Claude Code rows of one provider in [since, until).

    Shows the rows per table, asks (or --yes), deletes them in one transaction and prints
    what it deleted. Re-fetch or re-import the range afterwards to restore it."""
    setup_logging(verbose)
    settings = load_settings()
    start, end = instant(since, "--since"), instant(until, "--until")
    if start is None or end is None:
        fail("--since and --until are required: a purge always names its window", 2)
    if credential is not None and organization_id is not None:
        fail("--credential and --organization-id both name an organization: pass one", 2)
    try:
        selection = PurgeSelection(provider.value, start, end, organization_id=organization_id)
        if source is not None:
            selection = dataclasses.replace(selection, sources=(source.value,))
    except ConfigError as exc:
        fail(str(exc), 2)
    result = run_async(_purge(settings, selection, credential, yes))
    plan = result.plan
    if plan.total == 0:
        typer.echo(f"nothing to purge: no rows for {plan.selection.describe()}")
        return
    if not result.confirmed:
        typer.echo("nothing deleted")
        raise typer.Exit(1)
    for table, (counted, deleted) in result.drifted.items():
        typer.secho(
            f"warning: {table}: counted {counted} row(s) but deleted {deleted}:"
            " a writer changed the range in between",
            fg=typer.colors.YELLOW,
            err=True,
        )
    done = ", ".join(f"{table} {n}" for table, n in result.deleted.items())
    typer.echo(f"deleted {sum(result.deleted.values())} row(s): {done}")
    lookback = utc_now() - timedelta(hours=settings.lookback_hours)
    if end > lookback:
        typer.echo(
            f"note: the range reaches into the trailing {settings.lookback_hours} h that a"
            " polling fetcher re-fetches every cycle; rows there come back by themselves"
        )


def register(app: typer.Typer) -> None:
    app.command()(purge)
