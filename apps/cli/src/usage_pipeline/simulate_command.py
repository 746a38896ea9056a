"""`usage-pipeline simulate`: the provider simulator alone, in the foreground."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli_support import run_async, setup_logging
from .signals import stop_on_signals
from .simulated import serve_simulator

__all__ = ["register"]


def simulate(
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8787,
    host: Annotated[
        str, typer.Option("--host", help="address to bind; 0.0.0.0 inside a container")
    ] = "127.0.0.1",
    seed: Annotated[int, typer.Option("--seed", help="data seed")] = 42,
) -> None:
    """Run the provider simulator alone (Anthropic and OpenAI admin usage APIs)."""
    setup_logging(True)
    run_async(serve_simulator(host, port, seed, stop_on_signals, typer.echo))


def register(app: typer.Typer) -> None:
    app.command()(simulate)
