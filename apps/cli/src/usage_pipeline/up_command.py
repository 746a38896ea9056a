"""`usage-pipeline up`: fetcher, normalizer and writer in one process."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from usage_common import utc_now

from .cli_support import (
    Since,
    Until,
    Verbose,
    fail,
    instant,
    load_settings,
    run_async,
    setup_logging,
)
from .pipeline import run_up

__all__ = ["register"]


def up(
    simulate: Annotated[
        bool, typer.Option("--simulate", help="serve provider APIs from the built-in simulator")
    ] = False,
    once: Annotated[
        bool, typer.Option("--once", help="one fetch cycle, drain, print a summary, exit")
    ] = False,
    since: Since = None,
    until: Until = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="with --once: fetch and normalize for real, print what would be inserted or"
            " updated, write nothing (always in-process, never Kafka)",
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Run fetcher, normalizer and writer in one process.

    Without --simulate a provider key must be configured (USAGE_ANTHROPIC_ADMIN_KEY,
    USAGE_OPENAI_ADMIN_KEY, or `credentials add`). --dry-run (with --once) writes nothing
    and always runs in-process, even when USAGE_KAFKA_BOOTSTRAP_SERVERS is set. Exit 0 done;
    1 a fetch failed or a page was dead-lettered; 2 bad options or configuration."""
    setup_logging(verbose)
    settings = load_settings()
    start, end = instant(since, "--since"), instant(until, "--until")
    if (start or end) and not once:
        fail("--since/--until need --once (the polling mode always fetches the trailing window)", 2)
    if dry_run and not once:
        fail("--dry-run needs --once: a dry run is one cycle and a summary", 2)
    window = None
    if once:
        end = end or utc_now()
        start = start or end - timedelta(hours=settings.lookback_hours)
        if start >= end:
            fail(f"--since {start.isoformat()} is not before --until {end.isoformat()}", 2)
        window = (start, end)
    ok = run_async(
        run_up(settings, simulate=simulate, window=window, say=typer.echo, dry_run=dry_run)
    )
    if not ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(up)
