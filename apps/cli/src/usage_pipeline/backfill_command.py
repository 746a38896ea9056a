"""`usage-pipeline backfill`: a fixed window in the fewest requests, resumable.

Thin: options -> `Pipeline.backfill` -> a progress bar on stderr and a summary. Running the
same command again after a kill continues from the last completed page.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import Annotated

import typer

from usage_common import ConfigError, Settings
from usage_fetcher import BackfillProgress, Credential, EndpointReport, endpoints_from_settings

from .cli_support import (
    ProviderOption,
    Verbose,
    fail,
    instant,
    load_settings,
    run_async,
    setup_logging,
)
from .pipeline import Pipeline

__all__ = ["progress_line", "register", "select"]

_BAR = 24


def progress_line(p: BackfillProgress, now: float) -> str:
    filled = _BAR * p.done // max(p.total, 1)
    eta = p.eta_seconds(now)
    eta_text = "--:--" if eta is None else time.strftime("%H:%M:%S", time.gmtime(eta))
    failed = f"  {p.failed} failed" if p.failed else ""
    resumed = f"  ({p.skipped} done before)" if p.skipped else ""
    return (
        f"[{'#' * filled}{'.' * (_BAR - filled)}] {p.done}/{p.total} chunks"
        f"  {p.pages} pages  ETA {eta_text}{failed}{resumed}"
    )


def select(
    credentials: list[Credential],
    endpoints: dict[str, list[str]],
    provider: str | None,
    endpoint: str | None,
    credential: str | None,
) -> tuple[list[Credential], dict[str, list[str]]]:
    """The credentials and endpoints a backfill covers; a selection matching nothing is
    a `ConfigError` naming what exists."""
    chosen = [
        c
        for c in credentials
        if (provider is None or c.provider == provider)
        and (credential is None or c.credential_id == credential)
    ]
    if not chosen:
        names = ", ".join(c.credential_id for c in credentials) or "none"
        raise ConfigError(f"no credential matches the selection (configured: {names})")
    if endpoint is not None:
        known = {p: e for p, e in endpoints.items() if endpoint in e}
        if not any(c.provider in known for c in chosen):
            raise ConfigError(f"no selected credential has an endpoint {endpoint!r}")
        endpoints = {p: [endpoint] for p in known}
        chosen = [c for c in chosen if c.provider in known]
    return chosen, endpoints


async def _backfill(
    settings: Settings,
    since: datetime,
    until: datetime,
    provider: str | None,
    endpoint: str | None,
    credential: str | None,
    dry_run: bool,
) -> tuple[list[EndpointReport], list[str]]:
    tty = sys.stderr.isatty()

    def show(p: BackfillProgress) -> None:
        line = progress_line(p, time.monotonic())
        sys.stderr.write(f"\r{line}" if tty else f"{line}\n")
        sys.stderr.flush()

    say = lambda line: print(line, file=sys.stderr)  # noqa: E731
    async with Pipeline(settings, say=say, dry_run=dry_run) as pipeline:
        credentials, endpoints = select(
            await pipeline.credentials(),
            endpoints_from_settings(settings),
            provider,
            endpoint,
            credential,
        )
        reports = await pipeline.backfill(since, until, credentials, endpoints, show)
    if tty:
        sys.stderr.write("\n")
    return reports, pipeline.tally.lines()


def backfill(
    since: Annotated[str, typer.Option("--since", help="UTC date or timestamp (inclusive)")],
    until: Annotated[str, typer.Option("--until", help="UTC date or timestamp (exclusive)")],
    provider: Annotated[
        ProviderOption | None, typer.Option("--provider", help="only this provider")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="only this endpoint (e.g. messages, costs)")
    ] = None,
    credential: Annotated[
        str | None, typer.Option("--credential", help="only this credential (by name)")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="fetch and normalize, write nothing, say what would be written"
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Fetch [since, until) in the fewest requests each endpoint allows, within the request
    budget, with a progress bar; the same command again continues after a kill.

    With --dry-run nothing is written (no rows, no progress: a dry run starts from the
    beginning every time) and the summary says what would be inserted or updated.
    Exit 0 done; 1 some chunk failed (run it again to retry only those); 2 bad input."""
    setup_logging(verbose)
    settings = load_settings()
    start, end = instant(since, "--since"), instant(until, "--until")
    assert start is not None and end is not None
    if start >= end:
        fail(f"--since {start.isoformat()} is not before --until {end.isoformat()}", 2)
    chosen = provider.value if provider else None
    reports, summary = run_async(
        _backfill(settings, start, end, chosen, endpoint, credential, dry_run)
    )
    for line in summary:
        typer.echo(line)
    pages = sum(r.pages for r in reports)
    failed = [r for r in reports if r.error]
    typer.echo(f"backfill: {len(reports)} chunk(s) fetched now, {pages} page(s)")
    for r in failed:
        typer.echo(f"failed      {r.credential_id} {r.provider}/{r.endpoint}: {r.error}")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(backfill)
