"""The Spend dashboard (PostgreSQL): what was spent, on what, and how sure we are of it.

Panels read only the views of migration 0007 (`spend_usage`, `spend_costs`,
`spend_movers(from, to)`), which hold the accounting rules: one bucket width per day,
reported and estimated money kept apart, the cache partition. So every query here is a
filter on `window_start` (Grafana's time range, which prunes partitions), the provider
and source variables, and a GROUP BY.

`source` is a single choice on purpose: an API fetch and a console export of the same
usage are separate rows, and adding them would count that usage twice.
"""

from __future__ import annotations

from typing import get_args

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.models.dashboard import Dashboard, VariableOption

from usage_common import Provider, Source

from .datasources import POSTGRES
from .panels import Section, SqlPanel, build_dashboard
from .spend_queries import (
    ESTIMATED,
    HIT_RATIO,
    MODEL,
    PARTITION,
    REPORTED,
    UNPRICED,
    WHERE,
    cost_by,
    daily,
    movers,
    stat,
)

__all__ = ["SECTIONS", "SQL_PANELS", "UID", "spend_dashboard"]

UID = "usage-spend"

TOTALS = Section(
    "Totals",
    (
        stat(
            "Reported cost",
            "The providers' cost reports in the range: the money of record.",
            f"SELECT sum(cost_usd) AS reported_cost_usd FROM spend_costs"
            f" WHERE basis = 'reported' AND {WHERE}",
            "reported_cost_usd",
            "currencyUSD",
        ),
        stat(
            "Estimated cost",
            "Usage priced from the price table; rows without a price are not in it.",
            f"SELECT sum(cost_usd) AS estimated_cost_usd FROM spend_costs"
            f" WHERE basis = 'estimated' AND {WHERE}",
            "estimated_cost_usd",
            "currencyUSD",
        ),
        stat(
            "Input tokens",
            "Uncached + cache read + cache write.",
            f"SELECT sum(input_tokens) AS input_tokens FROM spend_usage WHERE {WHERE}",
            "input_tokens",
            "short",
        ),
        stat(
            "Output tokens",
            "Output tokens of every usage type.",
            f"SELECT sum(output_tokens) AS output_tokens FROM spend_usage WHERE {WHERE}",
            "output_tokens",
            "short",
        ),
        stat(
            "Cache hit ratio",
            "Cache-read input tokens over all input tokens.",
            f"SELECT {HIT_RATIO} AS cache_hit_ratio FROM spend_usage WHERE {WHERE}",
            "cache_hit_ratio",
            "percentunit",
        ),
        stat(
            "Usage rows without a price",
            "Rows whose model or unit the price table does not know: their cost is null,"
            " so the estimate is short by exactly these.",
            f"SELECT count(*) FILTER (WHERE unpriced) AS rows_without_price FROM spend_usage"
            f" WHERE {WHERE}",
            "rows_without_price",
            "short",
        ),
    ),
)

COST = Section(
    "Cost",
    (
        daily(
            "Reported cost per day by provider",
            "Cost report lines per UTC day.",
            "spend_costs",
            "provider",
            ("sum(cost_usd)", "reported_cost_usd"),
            "currencyUSD",
            only="basis = 'reported'",
        ),
        daily(
            "Reported and estimated cost per day",
            "The two bases side by side; they are never added together.",
            "spend_costs",
            "basis",
            ("sum(cost_usd)", "cost_usd"),
            "currencyUSD",
            only="basis <> 'unpriced'",
        ),
        SqlPanel(
            "Reported vs estimated by day and provider",
            "Difference = reported - estimated, where both exist; `usage-pipeline reconcile`"
            " explains a difference line by line.",
            "table",
            f"SELECT day, provider, {REPORTED} AS reported_cost_usd,"
            f" {ESTIMATED} AS estimated_cost_usd,"
            f" {REPORTED} - {ESTIMATED} AS difference_usd,"
            f" {UNPRICED} AS rows_without_price FROM spend_costs WHERE {WHERE}"
            " GROUP BY 1, 2 ORDER BY 1 DESC, 2",
            (
                "day",
                "provider",
                "reported_cost_usd",
                "estimated_cost_usd",
                "difference_usd",
                "rows_without_price",
            ),
            width=24,
        ),
        daily(
            "Estimated cost per day by model",
            "Usage rows priced from the price table.",
            "spend_costs",
            MODEL,
            ("sum(cost_usd)", "estimated_cost_usd"),
            "currencyUSD",
            only="basis = 'estimated'",
        ),
        daily(
            "Reported cost per day by project / workspace",
            "Cost report lines per project (OpenAI) or workspace (Anthropic; empty is the"
            " default workspace).",
            "spend_costs",
            "concat_ws(' ', provider, coalesce(project_id, '(default)'))",
            ("sum(cost_usd)", "reported_cost_usd"),
            "currencyUSD",
            only="basis = 'reported'",
        ),
        cost_by("Cost and tokens by model", "Per provider and model.", "provider", "model"),
        cost_by(
            "Cost and tokens by project / workspace",
            "Per organization and project (OpenAI) or workspace (Anthropic).",
            "provider",
            "organization_id",
            "project_id",
        ),
        cost_by(
            "Cost and tokens by API key",
            "Per API key id (empty: usage not made with a key, or not grouped by key).",
            "provider",
            "api_key_id",
        ),
    ),
)

TOKENS = Section(
    "Tokens and cache",
    (
        daily(
            "Tokens per day by provider",
            "Input + output tokens.",
            "spend_usage",
            "provider",
            ("sum(total_tokens)", "total_tokens"),
            "short",
        ),
        daily(
            "Tokens per day by model",
            "Input + output tokens.",
            "spend_usage",
            MODEL,
            ("sum(total_tokens)", "total_tokens"),
            "short",
        ),
        SqlPanel(
            "Input tokens by cache partition per day",
            "Uncached + cache read + cache write (5m, 1h, and what the provider did not"
            " split by TTL) = input tokens.",
            "timeseries",
            f"SELECT day AS time, {', '.join(f'sum({c}) AS {c}' for c in PARTITION)}"
            f" FROM spend_usage WHERE {WHERE} GROUP BY 1 ORDER BY 1",
            ("time", *PARTITION),
            unit="short",
            stacked=True,
        ),
        daily(
            "Cache hit ratio per day",
            "Cache-read input tokens over all input tokens.",
            "spend_usage",
            "provider",
            (HIT_RATIO, "cache_hit_ratio"),
            "percentunit",
        ),
        SqlPanel(
            "Token partition by provider and model",
            "Each column summed over the range; the input columns add up to input tokens.",
            "table",
            f"SELECT provider, model, sum(input_tokens) AS input_tokens,"
            f" {', '.join(f'sum({c}) AS {c}' for c in PARTITION)},"
            " sum(output_tokens) AS output_tokens, sum(requests) AS requests,"
            f" {HIT_RATIO} AS cache_hit_ratio FROM spend_usage WHERE {WHERE}"
            " GROUP BY 1, 2 ORDER BY 3 DESC",
            (
                "provider",
                "model",
                "input_tokens",
                *PARTITION,
                "output_tokens",
                "requests",
                "cache_hit_ratio",
            ),
            width=24,
        ),
    ),
)

MOVERS = Section(
    "Top movers",
    (
        movers("Top movers by model", "model", "model"),
        movers("Top movers by project / workspace", "project", "project_id"),
    ),
)

UNPRICED_SECTION = Section(
    "Without a price",
    (
        SqlPanel(
            "Usage without a price",
            "What the price table does not cover, so that the estimate's gap is known.",
            "table",
            "SELECT provider, usage_type, model, count(*) AS usage_rows,"
            " sum(total_tokens) AS total_tokens, min(window_start) AS first_seen,"
            f" max(window_start) AS last_seen FROM spend_usage WHERE unpriced AND {WHERE}"
            " GROUP BY 1, 2, 3 ORDER BY 4 DESC",
            (
                "provider",
                "usage_type",
                "model",
                "usage_rows",
                "total_tokens",
                "first_seen",
                "last_seen",
            ),
            width=24,
        ),
    ),
)

SECTIONS: tuple[Section, ...] = (TOTALS, COST, TOKENS, MOVERS, UNPRICED_SECTION)
SQL_PANELS: tuple[SqlPanel, ...] = tuple(
    p for s in SECTIONS for p in s.panels if isinstance(p, SqlPanel)
)


def spend_dashboard() -> Dashboard:
    providers = get_args(Provider)
    provider = (
        builders.CustomVariable("provider")
        .label("Provider")
        .values(",".join(sorted(providers)))
        .multi(True)
        .include_all(True)
        .allow_custom_value(False)
        .current(VariableOption(selected=True, text=["All"], value=["$__all"]))
    )
    source = (
        builders.CustomVariable("source")
        .label("Source")
        .description("Rows of one source at a time: the same usage may be in both.")
        .values(",".join(get_args(Source)))
        .allow_custom_value(False)
        .current(VariableOption(selected=True, text="admin_api", value="admin_api"))
    )
    return build_dashboard(
        uid=UID,
        title="Usage pipeline: spend",
        description="Cost and tokens from PostgreSQL: by provider, model, project, API key"
        " and day; the cache partition; reported against estimated cost.",
        datasource=POSTGRES,
        variables=[provider, source],
        sections=SECTIONS,
        time_from="now-30d",
    )
