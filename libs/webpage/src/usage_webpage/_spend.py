"""The spend and token sections per day and per model.

Each section is a heading, its charts (`_svg`) and the table with the same numbers. The
tables are `report`'s rows as the ledger returned them (`--by provider,day`, `--by
provider,model`), in its order, with every value exact; only the charts pick (the top
models) or add (tokens per day per provider). `_cache` and `_sources` are the other two
sections built from `report`'s rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ._data import PageData
from ._format import Number, cost_cell, count_cell, esc, provider_names, token_text, usd_text
from ._svg import Chart, Series, bars, columns, figure
from ._table import Column, table

__all__ = ["models_section", "per_day_section"]

TOP_MODELS = 15

_MEASURES: tuple[tuple[str, str], ...] = (
    ("input_tokens", "Input"),
    ("input_uncached_tokens", "Uncached"),
    ("input_cache_read_tokens", "Cache read"),
    ("input_cache_write_tokens", "Cache write"),
    ("output_tokens", "Output"),
    ("requests", "Requests"),
)


def _days(since: datetime, until: datetime) -> list[str]:
    day, last = since.date(), (until - timedelta(microseconds=1)).date()
    out = []
    while day <= last:
        out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def _model(row: dict[str, Any]) -> str:
    return f"{row['provider']} · {row['model'] or '(no model)'}"


def _usage_cells(row: dict[str, Any]) -> list[str]:
    return [
        *(count_cell(row[m]) for m, _ in _MEASURES),
        cost_cell(row["cost_usd"]),
        count_cell(row["rows_without_cost"]),
    ]


_USAGE_COLUMNS = [
    *(Column(label, numeric=True) for _, label in _MEASURES),
    Column("Estimated cost", numeric=True),
    Column("Rows without a price", numeric=True),
]


def per_day_section(page: PageData) -> str:
    days = _days(page.since, page.until)
    providers = provider_names(page.by_day)
    cells = {(r["provider"], r["day"]): r for r in page.by_day}

    def measure(provider: str, name: str) -> tuple[Number, ...]:
        return tuple(
            (cells[(provider, d)][name] or 0) if (provider, d) in cells else 0 for d in days
        )

    labels = tuple(d[5:] for d in days)
    spend = Chart(
        "chart-spend-day",
        "Estimated cost per day, by provider",
        "Stacked columns, one per UTC day: each provider's estimated cost (usage × price).",
        tuple(days),
        tuple(Series(p, measure(p, "cost_usd")) for p in providers),
        usd_text,
        "table-day",
        money=True,
        labels=labels,
    )
    # Inputs first, so each provider's input keeps its colour from the spend chart.
    token_series = tuple(
        Series(f"{p} {kind}", measure(p, column))
        for kind, column in (("input", "input_tokens"), ("output", "output_tokens"))
        for p in providers
    )
    tokens = Chart(
        "chart-tokens-day",
        "Input and output tokens per day, by provider",
        "Stacked columns, one per UTC day: input and output tokens of each provider.",
        tuple(days),
        token_series,
        token_text,
        "table-day",
        labels=labels,
    )
    rows = ([esc(r["provider"]), esc(r["day"]), *_usage_cells(r)] for r in page.by_day)
    return "".join(
        [
            '<section id="per-day" aria-labelledby="per-day-h"><h2 id="per-day-h">'
            "Spend and tokens per day</h2>",
            figure(spend, columns(spend)),
            figure(tokens, columns(tokens)),
            table(
                "table-day",
                "Usage per provider and UTC day (report --by provider,day)",
                [Column("Provider"), Column("Day"), *_USAGE_COLUMNS],
                rows,
            ),
            "</section>",
        ]
    )


def models_section(page: PageData) -> str:
    by_cost = sorted(page.by_model, key=lambda r: r["cost_usd"] or 0, reverse=True)
    top = by_cost[:TOP_MODELS]
    spend = Chart(
        "chart-spend-model",
        f"Estimated cost by model (top {TOP_MODELS})",
        "Horizontal bars, one per provider and model, largest estimated cost first.",
        tuple(_model(r) for r in top),
        (Series("Estimated cost", tuple(r["cost_usd"] or 0 for r in top)),),
        usd_text,
        "table-model",
        money=True,
    )
    by_tokens = sorted(
        page.by_model, key=lambda r: r["input_tokens"] + r["output_tokens"], reverse=True
    )[:TOP_MODELS]
    token_series = (
        Series("Input tokens", tuple(r["input_tokens"] for r in by_tokens)),
        Series("Output tokens", tuple(r["output_tokens"] for r in by_tokens)),
    )
    tokens = Chart(
        "chart-tokens-model",
        f"Input and output tokens by model (top {TOP_MODELS})",
        "Horizontal stacked bars, one per provider and model, most tokens first.",
        tuple(_model(r) for r in by_tokens),
        token_series,
        token_text,
        "table-model",
    )
    rows = ([esc(r["provider"]), esc(r["model"] or "-"), *_usage_cells(r)] for r in page.by_model)
    return "".join(
        [
            '<section id="models" aria-labelledby="models-h"><h2 id="models-h">By model</h2>',
            figure(spend, bars(spend)),
            figure(tokens, bars(tokens)),
            table(
                "table-model",
                "Usage per provider and model (report --by provider,model)",
                [Column("Provider"), Column("Model"), *_USAGE_COLUMNS],
                rows,
            ),
            "</section>",
        ]
    )
