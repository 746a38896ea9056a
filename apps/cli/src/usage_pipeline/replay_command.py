"""`usage-pipeline replay`: raw pages through the current normalizer again (see replay.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from usage_normalizer.replay import ReplaySelection

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
from .replay import run_replay

__all__ = ["register"]


def replay(
    since: Since = None,
    until: Until = None,
    provider: Annotated[
        ProviderOption | None, typer.Option("--provider", help="only this provider's pages")
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Kafka: return once the writer service applied the events"),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Send the raw pages whose usage window overlaps [since, until) (default: all) through
    the current normalizer. Safe beside live ingestion: newer rows are never overwritten.

    On Kafka it reads the raw topic (no consumer group) and publishes events for the writer
    service; in the one-process mode it reads the raw_pages table. Exit 1 when a replayed
    page was dead-lettered (one-process mode), 2 bad options."""
    setup_logging(verbose)
    settings = load_settings()
    start, end = instant(since, "--since"), instant(until, "--until")
    if start and end and start >= end:
        fail(f"--since {start.isoformat()} is not before --until {end.isoformat()}", 2)
    selection = ReplaySelection(start, end, provider.value if provider else None)

    def stderr(line: str) -> None:
        typer.echo(line, err=True)

    result = run_async(run_replay(settings, selection, say=stderr, progress=stderr, wait=wait))
    for line in result.lines():
        typer.echo(line)
    if result.tally.failed or result.progress.dead_letters:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(replay)
