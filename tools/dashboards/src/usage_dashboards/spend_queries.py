"""The SQL of the Spend dashboard's panels: the filter every panel applies, the money and
ratio expressions, and constructors for the panel shapes that repeat.

Each constructor returns a `SqlPanel` whose `columns` are exactly the query's result
columns (the tests run every query and compare).
"""

from __future__ import annotations

from .panels import SqlPanel

__all__ = [
    "ESTIMATED",
    "HIT_RATIO",
    "MODEL",
    "PARTITION",
    "REPORTED",
    "UNPRICED",
    "WHERE",
    "cost_by",
    "daily",
    "movers",
    "stat",
]

WHERE = "$__timeFilter(window_start) AND provider IN ($provider) AND source = '$source'"
REPORTED = "sum(cost_usd) FILTER (WHERE basis = 'reported')"
ESTIMATED = "sum(cost_usd) FILTER (WHERE basis = 'estimated')"
UNPRICED = "count(*) FILTER (WHERE basis = 'unpriced')"
HIT_RATIO = "sum(input_cache_read_tokens)::numeric / nullif(sum(input_tokens), 0)"
MODEL = "concat_ws(' ', provider, coalesce(model, '(no model)'))"
PARTITION = (
    "input_uncached_tokens",
    "input_cache_read_tokens",
    "input_cache_write_5m_tokens",
    "input_cache_write_1h_tokens",
    "input_cache_write_unsplit_tokens",
)


def stat(title: str, description: str, sql: str, column: str, unit: str) -> SqlPanel:
    return SqlPanel(title, description, "stat", sql, (column,), unit=unit, width=4, height=4)


def daily(
    title: str,
    description: str,
    view: str,
    series: str,
    value: tuple[str, str],
    unit: str,
    only: str = "",
) -> SqlPanel:
    """A time series per UTC day: `series` names the lines, `value` is (expression,
    column), `only` an extra condition on the rows."""
    expression, column = value
    where = f"{only} AND {WHERE}" if only else WHERE
    sql = (
        f"SELECT day AS time, {series} AS metric, {expression} AS {column} FROM {view}"
        f" WHERE {where} GROUP BY 1, 2 ORDER BY 1"
    )
    return SqlPanel(title, description, "timeseries", sql, ("time", "metric", column), unit)


def cost_by(title: str, description: str, *keys: str) -> SqlPanel:
    """Tokens and both kinds of money per `keys`, largest estimate first."""
    group = ", ".join(str(i) for i in range(1, len(keys) + 1))
    sql = (
        f"SELECT {', '.join(keys)}, sum(input_tokens) AS input_tokens,"
        f" sum(output_tokens) AS output_tokens, {REPORTED} AS reported_cost_usd,"
        f" {ESTIMATED} AS estimated_cost_usd, {UNPRICED} AS rows_without_price"
        f" FROM spend_costs WHERE {WHERE} GROUP BY {group}"
        " ORDER BY estimated_cost_usd DESC NULLS LAST, reported_cost_usd DESC NULLS LAST"
    )
    columns = (
        *keys,
        "input_tokens",
        "output_tokens",
        "reported_cost_usd",
        "estimated_cost_usd",
        "rows_without_price",
    )
    return SqlPanel(title, description, "table", sql, columns, width=24)


def movers(title: str, dimension: str, key: str) -> SqlPanel:
    columns = (
        "provider",
        "organization_id",
        key,
        "previous_cost_usd",
        "current_cost_usd",
        "cost_change_usd",
        "previous_tokens",
        "current_tokens",
        "token_change",
    )
    sql = (
        f"SELECT provider, organization_id, key AS {key}, previous_cost_usd, current_cost_usd,"
        " cost_change_usd, previous_tokens, current_tokens, token_change"
        " FROM spend_movers($__timeFrom(), $__timeTo())"
        f" WHERE dimension = '{dimension}' AND provider IN ($provider) AND source = '$source'"
        " ORDER BY abs(cost_change_usd) DESC, abs(token_change) DESC LIMIT 10"
    )
    description = (
        "Estimated cost and total tokens in the selected range against the range of the"
        " same length just before it; the largest changes first."
    )
    return SqlPanel(title, description, "table", sql, columns)
