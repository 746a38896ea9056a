"""`usage-pipeline import-csv`: console CSV exports through the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from usage_normalizer.console_csv import DEFAULT_CHUNK_ROWS

from .cli_support import CsvKindOption, ProviderOption, err, fail, load_settings, run_async
from .csv_import import ImportArgs, ImportRefused, run_import

__all__ = ["register"]


def import_csv(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV files exported from the provider console", show_default=False),
    ],
    provider: Annotated[
        ProviderOption, typer.Option("--provider", help="whose console exported the files")
    ],
    kind: Annotated[CsvKindOption, typer.Option("--kind", help="usage export or cost export")],
    organization_id: Annotated[
        str | None,
        typer.Option(
            "--organization-id",
            help="tenant stored with the rows (default: USAGE_<PROVIDER>_ORGANIZATION_ID)",
        ),
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="rows per message on the raw topic")
    ] = DEFAULT_CHUNK_ROWS,
) -> None:
    """Import console CSV exports: every file is checked first; a bad one stops them all.

    Importing the same file again changes nothing. Exit code 2: a file was refused
    (nothing was published); 1: the pipeline failed or dead-lettered a chunk.
    """
    settings = load_settings()
    args = ImportArgs(
        provider="anthropic" if provider is ProviderOption.anthropic else "openai",
        kind="usage" if kind is CsvKindOption.usage else "cost",
        files=files,
        organization_id=organization_id,
        chunk_rows=chunk_rows,
    )

    def stderr(line: str) -> None:
        typer.echo(line, err=True)

    try:
        result = run_async(run_import(settings, args, say=stderr, progress=stderr))
    except ImportRefused as exc:
        fail(f"{exc}; nothing was imported", 2)
    for line in result.lines():
        typer.echo(line)
    if result.failed:
        dead = sum(result.tally.dead_letters.values())
        err(f"{dead} chunk(s) were dead-lettered to {settings.topic_dlq}")
        for reason in result.dead_letter_reasons[:5]:
            err(f"  {reason}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("import-csv")(import_csv)
