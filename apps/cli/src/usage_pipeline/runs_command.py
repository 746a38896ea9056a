"""`usage-pipeline runs`: the last ingestion runs, one line per credential x endpoint fetch."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from usage_common import Settings
from usage_fetcher import FetchState

from .cli_support import FormatOption, load_settings, run_async, setup_logging
from .database import database_url

__all__ = ["register", "render_runs_table"]

_COLUMNS = (
    "id", "started", "trigger", "credential", "endpoint", "window", "pages", "records",
    "requests", "retries", "429s", "errors", "seconds", "outcome",
)  # fmt: skip


async def _runs(settings: Settings, last: int) -> list[dict[str, Any]]:
    async with database_url(settings) as url:
        state = await FetchState.connect(url)
        try:
            return await state.runs(last)
        finally:
            await state.close()


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def _cells(run: dict[str, Any]) -> list[str]:
    finished = run["finished_at"]
    seconds = f"{(finished - run['started_at']).total_seconds():.1f}" if finished else "-"
    errors = ",".join(f"{code}x{n}" for code, n in sorted(run["errors_by_code"].items()))
    return [
        str(run["id"]),
        _when(run["started_at"]),
        run["trigger"],
        run["credential_id"],
        f"{run['provider']}/{run['endpoint']}",
        f"{_when(run['window_start'])}..{_when(run['window_end'])}",
        str(run["pages"]),
        str(run["records"]),
        str(run["requests"]),
        str(run["retries"]),
        str(run["rate_limited"]),
        errors or "-",
        seconds,
        run["outcome"] + (f": {run['error']}" if run["error"] else ""),
    ]


def render_runs_table(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "no ingestion runs recorded yet"
    rows = [list(_COLUMNS), *(_cells(r) for r in runs)]
    # The outcome (last) may carry a long error: it is not padded.
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS) - 1)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]) for r in rows
    )


def _json(runs: list[dict[str, Any]]) -> str:
    def plain(value: object) -> object:
        return value.isoformat() if isinstance(value, datetime) else value

    return json.dumps([{k: plain(v) for k, v in r.items()} for r in runs], indent=2)


def runs(
    last: Annotated[int, typer.Option("--last", min=1, help="how many runs, newest last")] = 20,
    fmt: Annotated[FormatOption, typer.Option("--format", help="table or json")] = (
        FormatOption.table
    ),
) -> None:
    """The last ingestion runs: window, pages, records, requests, retries, 429s, errors
    by code, duration and outcome of every credential x endpoint fetch."""
    setup_logging(False)
    found = run_async(_runs(load_settings(), last))
    typer.echo(_json(found) if fmt is FormatOption.json else render_runs_table(found))


def register(app: typer.Typer) -> None:
    app.command()(runs)
