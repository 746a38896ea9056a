"""The query side of the usage pipeline: what PostgreSQL holds, summed and checked.

- report (`_report_query`, `_report_render`): token and cost totals, grouped by the
  dimensions asked for.

It reads `usage_events` and `cost_events` and never writes them. It imports usage_common,
asyncpg and the stdlib only: the CLI (or a web page) parses, calls one function here and
prints.
"""

from ._report_query import REPORT_DIMENSIONS, ReportQuery, fetch_report, run_report
from ._report_render import render_report_json, render_report_table
from ._widths import refuse_mixed_widths

__all__ = [
    "REPORT_DIMENSIONS",
    "ReportQuery",
    "fetch_report",
    "refuse_mixed_widths",
    "render_report_json",
    "render_report_table",
    "run_report",
]
