"""`usage-pipeline service NAME`: one stage as a long-running process on Kafka."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli_support import Verbose, load_settings, run_async, setup_logging
from .services import ServiceName, run_service

__all__ = ["register"]


def service(
    name: Annotated[ServiceName, typer.Argument(help="fetcher, normalizer or writer")],
    verbose: Verbose = True,
) -> None:
    """Run one stage as a long-running process on Kafka (for Kubernetes). Logs are JSON
    lines on stdout unless USAGE_LOG_FORMAT=text."""
    setup_logging(verbose, service=True)
    run_async(run_service(name, load_settings()))


def register(app: typer.Typer) -> None:
    app.command()(service)
