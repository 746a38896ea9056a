"""`usage-pipeline`: the one user command, a thin shell over the command modules.

Each command module parses its options, calls one function and prints; its `register(app)`
adds it here. Registration order is the order of `--help`.
"""

from __future__ import annotations

import typer

from . import (
    backfill_command,
    credentials_command,
    dashboard_command,
    dlq_command,
    import_command,
    migrate_command,
    normalize_command,
    purge_command,
    reconcile_command,
    replay_command,
    report_command,
    runs_command,
    service_command,
    simulate_command,
    topics_command,
    up_command,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="usage-pipeline",
    help="Ingest LLM usage and cost from provider admin APIs into PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _command in (
    up_command,
    backfill_command,
    migrate_command,
    report_command,
    runs_command,
    dashboard_command,
    simulate_command,
    service_command,
    normalize_command,
    import_command,
    reconcile_command,
    purge_command,
    replay_command,
    dlq_command,
    topics_command,
    credentials_command,
):
    _command.register(app)


def main() -> None:
    app()
