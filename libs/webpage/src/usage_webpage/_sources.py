"""The reported vs estimated cost section: the cost reports' money (`fetch_reported_cost`)
beside `report`'s estimate, per provider and per provider and day."""

from __future__ import annotations

from ._data import PageData
from ._format import cost_cell, count_cell, esc, provider_names, total, usd_text
from ._svg import Chart, Series, bars, figure
from ._table import Column, table

__all__ = ["sources_section"]


def sources_section(page: PageData) -> str:
    providers = sorted(set(provider_names(page.by_provider)) | set(provider_names(page.reported)))
    estimated = {
        p: total(r["cost_usd"] for r in page.by_provider if r["provider"] == p) for p in providers
    }
    reported = {
        p: total(r["cost_usd"] for r in page.reported if r["provider"] == p) for p in providers
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
        usd_text,
        "table-sources",
        money=True,
    )
    unpriced = {
        p: sum(r["rows_without_cost"] for r in page.by_provider if r["provider"] == p)
        for p in providers
    }
    totals = (
        [esc(p), cost_cell(estimated[p]), cost_cell(reported[p]), count_cell(unpriced[p])]
        for p in providers
    )
    est_day = {(r["provider"], r["day"]): r["cost_usd"] for r in page.by_day}
    rep_day = {(r["provider"], r["day"]): r["cost_usd"] for r in page.reported}
    keys = sorted(set(est_day) | set(rep_day))
    per_day = (
        [esc(p), esc(d), cost_cell(est_day.get((p, d))), cost_cell(rep_day.get((p, d)))]
        for p, d in keys
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
