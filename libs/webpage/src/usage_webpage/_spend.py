"""The spend and token sections: per day, per model, the cache partition, cost sources.

Each section is a heading, its charts (`_svg`) and the table with the same numbers. The
tables are `report`'s rows as the ledger returned them (`--by provider,day`, `--by
provider,model`, `--by provider`), in its order, with every value exact; only the charts
pick (the top models) or add (tokens per day per provider).

Definitions used here and nowhere else:
- cache hit ratio = cache read tokens / input tokens (input is uncached + cache read +
  cache write, so this is the share of input served from the cache);
- cache write without a TTL = cache write - 5m - 1h (providers that do not split it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ._data import PageData
from ._format import data, esc, money, number
from ._svg import Chart, Number, Series, bars, columns, figure, shares
from ._table import Column, table

__all__ = ["cache_section", "models_section", "per_day_section", "sources_section"]

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


def _cost(value: Decimal | None) -> str:
    return data(value, money(value))


def _count(value: int) -> str:
    return data(value, number(value))


def _model(row: dict[str, Any]) -> str:
    return f"{row['provider']} · {row['model'] or '(no model)'}"


def _usd(value: Number) -> str:
    return money(Decimal(value))


def _tokens(value: Number) -> str:
    return f"{number(int(value))} tokens"


def _usage_cells(row: dict[str, Any]) -> list[str]:
    return [
        *(_count(row[m]) for m, _ in _MEASURES),
        _cost(row["cost_usd"]),
        _count(row["rows_without_cost"]),
    ]


_USAGE_COLUMNS = [
    *(Column(label, numeric=True) for _, label in _MEASURES),
    Column("Estimated cost", numeric=True),
    Column("Rows without a price", numeric=True),
]


def _providers(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({r["provider"] for r in rows})


def per_day_section(page: PageData) -> str:
    days = _days(page.since, page.until)
    providers = _providers(page.by_day)
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
        _usd,
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
        _tokens,
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
        _usd,
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
        _tokens,
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


_PARTS: tuple[tuple[str, str], ...] = (
    ("Uncached", "input_uncached_tokens"),
    ("Cache read", "input_cache_read_tokens"),
    ("Cache write 5m", "input_cache_write_5m_tokens"),
    ("Cache write 1h", "input_cache_write_1h_tokens"),
)


def _unsplit(row: dict[str, Any]) -> int:
    split: int = row["input_cache_write_5m_tokens"] + row["input_cache_write_1h_tokens"]
    written: int = row["input_cache_write_tokens"]
    return written - split


def _hit_ratio(row: dict[str, Any]) -> str:
    if not row["input_tokens"]:
        return data(None, "-")
    ratio = Decimal(row["input_cache_read_tokens"]) / Decimal(row["input_tokens"])
    return data(ratio, f"{ratio * 100:.1f}%")


def cache_section(page: PageData) -> str:
    rows_in = page.by_provider
    series = (
        *(Series(label, tuple(r[column] for r in rows_in)) for label, column in _PARTS),
        Series("Cache write, TTL not split", tuple(_unsplit(r) for r in rows_in)),
    )
    chart = Chart(
        "chart-cache",
        "Input tokens by cache tier, by provider",
        "One bar per provider split into shares of its input tokens: uncached, cache read,"
        " cache write with a 5 minute and a 1 hour TTL, and cache write whose TTL the"
        " provider did not split.",
        tuple(r["provider"] for r in rows_in),
        series,
        _tokens,
        "table-cache",
    )
    rows = (
        [
            esc(r["provider"]),
            _count(r["input_tokens"]),
            *(_count(r[c]) for _, c in _PARTS),
            _count(_unsplit(r)),
            _hit_ratio(r),
        ]
        for r in rows_in
    )
    return "".join(
        [
            '<section id="cache" aria-labelledby="cache-h"><h2 id="cache-h">Cache partition</h2>',
            "<p>Input tokens = uncached + cache read + cache write. Hit ratio = cache read"
            " / input.</p>",
            figure(chart, shares(chart)),
            table(
                "table-cache",
                "Input tokens by cache tier per provider (report --by provider)",
                [
                    Column("Provider"),
                    Column("Input", numeric=True),
                    *(Column(label, numeric=True) for label, _ in _PARTS),
                    Column("Cache write, TTL not split", numeric=True),
                    Column("Cache hit ratio", numeric=True),
                ],
                rows,
            ),
            "</section>",
        ]
    )


def _total(values: Iterable[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def sources_section(page: PageData) -> str:
    providers = sorted(set(_providers(page.by_provider)) | set(_providers(page.reported)))
    estimated = {
        p: _total(r["cost_usd"] for r in page.by_provider if r["provider"] == p) for p in providers
    }
    reported = {
        p: _total(r["cost_usd"] for r in page.reported if r["provider"] == p) for p in providers
    }
    chart = Chart(
        "chart-sources",
        "Reported and estimated cost, by provider",
        "Pairs of horizontal bars per provider: the estimate (usage × price) and the cost"
        " the provider reported.",
        tuple(providers),
        (
            Series("Estimated (usage × price)", tuple(estimated[p] or 0 for p in providers)),
            Series("Reported (cost reports)", tuple(reported[p] or 0 for p in providers)),
        ),
        _usd,
        "table-sources",
        money=True,
    )
    unpriced = {
        p: sum(r["rows_without_cost"] for r in page.by_provider if r["provider"] == p)
        for p in providers
    }
    totals = (
        [esc(p), _cost(estimated[p]), _cost(reported[p]), _count(unpriced[p])] for p in providers
    )
    est_day = {(r["provider"], r["day"]): r["cost_usd"] for r in page.by_day}
    rep_day = {(r["provider"], r["day"]): r["cost_usd"] for r in page.reported}
    keys = sorted(set(est_day) | set(rep_day))
    per_day = (
        [esc(p), esc(d), _cost(est_day.get((p, d))), _cost(rep_day.get((p, d)))] for p, d in keys
    )
    return "".join(
        [
            '<section id="sources" aria-labelledby="sources-h"><h2 id="sources-h">'
            "Reported and estimated cost</h2>",
            "<p>Reported cost comes from the providers' cost reports and is the money of"
            " record; estimated cost is usage × the price in force. They cover different"
            " things (cost reports include items no token price covers): "
            "<code>usage-pipeline reconcile</code> compares them line by line.</p>",
            figure(chart, bars(chart, stacked=False)),
            table(
                "table-sources",
                "Cost by source per provider",
                [
                    Column("Provider"),
                    Column("Estimated cost", numeric=True),
                    Column("Reported cost", numeric=True),
                    Column("Rows without a price", numeric=True),
                ],
                totals,
            ),
            table(
                "table-sources-day",
                "Cost by source per provider and UTC day",
                [
                    Column("Provider"),
                    Column("Day"),
                    Column("Estimated cost", numeric=True),
                    Column("Reported cost", numeric=True),
                ],
                per_day,
            ),
            "</section>",
        ]
    )
