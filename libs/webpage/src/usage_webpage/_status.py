"""The ingestion sections: freshness per provider and the last ingestion runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._data import RUNS_SHOWN, PageData
from ._format import age, esc, number, when
from ._table import Column, table

__all__ = ["freshness_section", "runs_section"]


def freshness_section(page: PageData) -> str:
    rows = (
        [
            esc(f.provider),
            esc("cost reports" if f.kind == "cost" else f.kind),
            esc(when(f.complete_until)),
            esc(age(f.complete_until, page.generated_at)),
            esc(when(f.last_fetched_at)),
        ]
        for f in page.freshness
    )
    return "".join(
        [
            '<section id="freshness" aria-labelledby="freshness-h"><h2 id="freshness-h">'
            "Freshness</h2>",
            "<p>Complete until: the end of the newest bucket that had closed when it was"
            " fetched (no later fetch can add usage to it). Over the whole database, not"
            " only the window above.</p>",
            table(
                "table-freshness",
                "Freshness per provider and kind of data",
                [
                    Column("Provider"),
                    Column("Data"),
                    Column("Complete until"),
                    Column("Age"),
                    Column("Last fetched"),
                ],
                rows,
            ),
            "</section>",
        ]
    )


def _seconds(run: dict[str, Any]) -> str:
    finished: datetime | None = run["finished_at"]
    if finished is None:
        return "-"
    return f"{(finished - run['started_at']).total_seconds():.1f}"


def _outcome(run: dict[str, Any]) -> str:
    outcome = str(run["outcome"])
    css = "bad" if outcome == "error" else "ok" if outcome == "ok" else "other"
    return f'<span class="{css}">{esc(outcome)}</span>'


def _run_cells(run: dict[str, Any]) -> list[str]:
    errors = ", ".join(f"{code}×{n}" for code, n in sorted(run["errors_by_code"].items()))
    window = f"{when(run['window_start'])} – {when(run['window_end'])}"
    return [
        esc(when(run["started_at"])),
        esc(run["credential_id"]),
        esc(f"{run['provider']}/{run['endpoint']}"),
        esc(window),
        esc(run["trigger"]),
        esc(number(run["pages"])),
        esc(number(run["records"])),
        esc(number(run["requests"])),
        esc(number(run["retries"])),
        esc(number(run["rate_limited"])),
        esc(errors or "-"),
        esc(_seconds(run)),
        _outcome(run),
        esc(run["error"] or ""),
    ]


def runs_section(page: PageData) -> str:
    failed = sum(1 for r in page.runs if r["outcome"] == "error")
    summary = (
        f"<p>{len(page.runs)} most recent runs, newest first; <strong>{failed} failed</strong>.</p>"
        if failed
        else f"<p>{len(page.runs)} most recent runs, newest first; none failed.</p>"
    )
    numeric = ("Pages", "Records", "Requests", "Retries", "429s", "Seconds")
    labels = (
        "Started", "Credential", "Endpoint", "Window", "Trigger", "Pages", "Records",
        "Requests", "Retries", "429s", "Errors by HTTP code", "Seconds", "Outcome", "Error",
    )  # fmt: skip
    return "".join(
        [
            '<section id="runs" aria-labelledby="runs-h"><h2 id="runs-h">Last ingestion runs</h2>',
            summary,
            table(
                "table-runs",
                f"The last {RUNS_SHOWN} ingestion runs (usage-pipeline runs)",
                [
                    Column(label, numeric=label in numeric, wrap=label == "Error")
                    for label in labels
                ],
                (_run_cells(r) for r in reversed(page.runs)),
            ),
            "</section>",
        ]
    )
