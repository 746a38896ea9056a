"""`usage-pipeline dlq list | show ID | redrive`: the dead letters kept in PostgreSQL.

The writer's archive stores every dead letter in `dead_letters` in both modes, so these
commands read one table everywhere; `redrive` (redrive.py) sends them back after a fix.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import typer

from usage_common import Settings
from usage_writer import Archive, StoredDeadLetter

from .cli_support import (
    FormatOption,
    Since,
    Verbose,
    fail,
    instant,
    load_settings,
    run_async,
    setup_logging,
)
from .database import database_url
from .redrive import run_redrive

__all__ = ["register"]

dlq_app = typer.Typer(help="Dead letters: list, show, redrive after a fix.", no_args_is_help=True)


def _as_json(letter: StoredDeadLetter, *, original: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": letter.id,
        "dead_lettered_at": letter.dead_lettered_at.isoformat(),
        "redriven_at": letter.redriven_at.isoformat() if letter.redriven_at else None,
        "stage": letter.stage,
        "provider": letter.provider,
        "endpoint": letter.endpoint,
        "page_id": letter.page_id,
        "reason": letter.reason,
        "errors": letter.errors,
        "source_topic": letter.source_topic,
    }
    if original:
        try:
            out["original"] = json.loads(letter.original)
        except ValueError:
            out["original_b64"] = base64.b64encode(letter.original).decode()
    return out


async def _letters(settings: Settings, letter_id: int | None) -> list[StoredDeadLetter]:
    async with database_url(settings) as url:
        archive = await Archive.connect(url)
        try:
            if letter_id is None:
                return await archive.dead_letters()
            found = await archive.dead_letter(letter_id)
            return [found] if found else []
        finally:
            await archive.close()


@dlq_app.command("list")
def list_letters(
    fmt: Annotated[
        FormatOption, typer.Option("--format", help="table or json")
    ] = FormatOption.table,
) -> None:
    """Every dead letter, oldest first."""
    setup_logging(False)
    letters = run_async(_letters(load_settings(), None))
    if fmt is FormatOption.json:
        typer.echo(json.dumps([_as_json(x, original=False) for x in letters], indent=2))
        return
    typer.echo(
        f"{'ID':>6}  {'DEAD-LETTERED AT':<20} {'STAGE':<10} {'WHERE':<24} {'REDRIVEN':<9} REASON"
    )
    for x in letters:
        where = f"{x.provider or '?'} {x.endpoint or ''}".strip()
        typer.echo(
            f"{x.id:>6}  {x.dead_lettered_at:%Y-%m-%dT%H:%M:%SZ} {x.stage:<10} {where:<24}"
            f" {'yes' if x.redriven_at else 'no':<9} {x.reason}"
        )
    typer.echo(f"{len(letters)} dead letter(s)")


@dlq_app.command("show")
def show(letter_id: Annotated[int, typer.Argument(metavar="ID", help="from `dlq list`")]) -> None:
    """One dead letter as JSON, with its validation errors and the original message."""
    setup_logging(False)
    found = run_async(_letters(load_settings(), letter_id))
    if not found:
        fail(f"no dead letter with id {letter_id}", 2)
    typer.echo(json.dumps(_as_json(found[0], original=True), indent=2))


@dlq_app.command("redrive")
def redrive(
    since: Since = None,
    verbose: Verbose = False,
) -> None:
    """Send dead letters not yet redriven (dead-lettered since --since) back through the
    current stages. Exit 1 when one is dead-lettered again (one-process mode)."""
    setup_logging(verbose)
    settings = load_settings()
    start = instant(since, "--since")

    def stderr(line: str) -> None:
        typer.echo(line, err=True)

    result = run_async(run_redrive(settings, start, say=stderr, progress=stderr))
    for line in result.lines():
        typer.echo(line)
    if result.tally.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(dlq_app, name="dlq")
