"""`usage-pipeline`: the one user command. Thin: options -> settings -> one function."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from datetime import datetime, timedelta
from typing import Annotated

import asyncpg
import typer

from usage_common import UsagePipelineError, parse_instant, utc_now
from usage_simulator import SimulatorConfig, SimulatorServer
from usage_transport import ReadinessCheck, create_ops_app, serve_ops
from usage_writer import apply_migrations

from .cli_support import err, load_settings
from .database import database_url
from .pipeline import Pipeline
from .services import ServiceName, run_service, stop_on_signals

__all__ = ["app", "main"]

app = typer.Typer(
    name="usage-pipeline",
    help="Ingest LLM usage and cost from provider admin APIs into PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        err(f"{option}: {exc}")
        raise typer.Exit(2) from None


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every URL at INFO; URLs hold no secrets, but the noise hides real problems.
    for noisy in ("httpx", "aiokafka", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _run(coro: object) -> None:
    """Run a coroutine; known errors become one red line and exit code 1."""
    try:
        asyncio.run(coro)  # type: ignore[arg-type]
    except UsagePipelineError as exc:
        err(str(exc))
        raise typer.Exit(1) from None
    except (OSError, asyncpg.PostgresError) as exc:
        err(f"{type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None


Since = Annotated[
    str | None, typer.Option("--since", help="UTC date or timestamp; window start (inclusive)")
]
Until = Annotated[
    str | None, typer.Option("--until", help="UTC date or timestamp; window end (exclusive)")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="log progress to stderr")]


@app.command()
def up(
    simulate: Annotated[
        bool, typer.Option("--simulate", help="serve provider APIs from the built-in simulator")
    ] = False,
    once: Annotated[
        bool, typer.Option("--once", help="one fetch cycle, drain, print a summary, exit")
    ] = False,
    since: Since = None,
    until: Until = None,
    verbose: Verbose = False,
) -> None:
    """Run fetcher, normalizer and writer in one process."""
    _setup_logging(verbose)
    settings = load_settings()
    start, end = _instant(since, "--since"), _instant(until, "--until")
    if (start or end) and not once:
        err("--since/--until need --once (the polling mode always fetches the trailing window)")
        raise typer.Exit(2)
    end = end or utc_now()
    start = start or end - timedelta(hours=settings.lookback_hours)
    if start >= end:
        err(f"--since {start.isoformat()} is not before --until {end.isoformat()}")
        raise typer.Exit(2)

    async def main() -> None:
        progress = (lambda line: typer.echo(line, err=True)) if once else None
        async with Pipeline(
            settings, simulate=simulate, say=typer.echo, progress=progress
        ) as pipeline:
            if once:
                tally = await pipeline.run_once(start, end)
                for line in tally.lines():
                    typer.echo(line)
                if tally.failed:
                    raise typer.Exit(1)
                return
            checks: dict[str, ReadinessCheck] = {}
            if pipeline.storage:
                checks["postgres"] = pipeline.storage.ping
            ops = create_ops_app(checks)
            async with serve_ops(ops, settings.ops_host, settings.ops_port) as port:
                typer.echo(f"serving /metrics /healthz /readyz on port {port}; Ctrl-C stops")
                await pipeline.run_forever(stop_on_signals())
            typer.echo("stopped")

    _run(main())


@app.command()
def migrate(verbose: Verbose = False) -> None:
    """Apply pending SQL migrations to USAGE_DATABASE_URL (or the embedded database)."""
    _setup_logging(verbose)
    settings = load_settings()

    async def main() -> None:
        async with database_url(settings) as url:
            applied = await apply_migrations(url)
        if applied:
            for m in applied:
                typer.echo(f"applied {m.version:04d}_{m.name}")
        else:
            typer.echo("schema is up to date")

    _run(main())


@app.command()
def simulate(
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8787,
    host: Annotated[
        str, typer.Option("--host", help="address to bind; 0.0.0.0 inside a container")
    ] = "127.0.0.1",
    seed: Annotated[int, typer.Option("--seed", help="data seed")] = 42,
) -> None:
    """Run the provider simulator alone (Anthropic and OpenAI admin usage APIs)."""
    _setup_logging(True)
    config = SimulatorConfig(seed=seed)

    async def main() -> None:
        stop = stop_on_signals()
        async with SimulatorServer(config, host=host, port=port) as sim:
            typer.echo(
                f"Anthropic base URL {sim.anthropic_base_url}  key {config.anthropic_admin_key}"
            )
            typer.echo(f"OpenAI base URL    {sim.openai_base_url}  key {config.openai_admin_key}")
            typer.echo(f"seed {seed}; Ctrl-C stops")
            await stop.wait()

    _run(main())


@app.command()
def service(
    name: Annotated[ServiceName, typer.Argument(help="fetcher, normalizer or writer")],
    verbose: Verbose = True,
) -> None:
    """Run one stage as a long-running process on Kafka (for Kubernetes)."""
    _setup_logging(verbose)
    settings = load_settings()
    _run(run_service(name, settings))


# Commands that live in their own modules; each module exposes `register(app)`.
for _module in ("normalize_command", "import_command", "report_command", "reconcile_command"):
    importlib.import_module(f".{_module}", __package__).register(app)


def main() -> None:
    app()
