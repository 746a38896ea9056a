"""The query side of the usage pipeline: what PostgreSQL holds, summed and checked.

- report (`_report_query`, `_report_render`): token and cost totals, grouped by the
  dimensions asked for.
- reported cost (`_cost_query`): the cost reports' money, grouped by the same names.
- freshness (`_freshness`): per provider and kind of data, the end of the newest complete
  bucket.
- reconcile (`_reconcile`, whose docstring gives the checks and the execution order):
  our numbers against the provider's, per UTC day: the estimated cost against the
  reported cost it covers, and the database against a console CSV export. Its parts:
  `_selection` (what is read), `_queries` (the SQL), `_rules` and `_split` (which
  reported cost an estimate covers), `_console_csv` (the export's side), `_comparison`
  and `_tolerance` (lines and statuses), `_reconcile_render` (table and JSON).

It reads `usage_events` and `cost_events` and never writes them. It imports usage_common,
asyncpg and the stdlib only (ruff bans the rest): a console export is read by the
`CsvReader` the caller passes. The CLI (or a web page) parses, calls one function here
and prints.
"""

from ._comparison import Line, compare
from ._console_csv import COMPARED_TOKEN_MEASURES, CsvData, CsvReader, csv_totals, read_csv
from ._cost_query import COST_DIMENSIONS, fetch_reported_cost
from ._freshness import Freshness, fetch_freshness
from ._reconcile import Reconciliation, cost_totals, reconcile, run_reconcile
from ._reconcile_render import render_reconciliation_json, render_reconciliation_table
from ._report_query import REPORT_DIMENSIONS, ReportQuery, fetch_report, run_report
from ._report_render import render_report_json, render_report_table
from ._rows import ReportedCost, Unpriced, UsageGroup
from ._rules import model_key
from ._selection import ReconcileQuery
from ._split import CostSplit, SetAside, split_reported
from ._tolerance import Tolerance
from ._types import Check, CsvKind, Key, Number, Status
from ._widths import refuse_mixed_widths

__all__ = [
    "COMPARED_TOKEN_MEASURES",
    "COST_DIMENSIONS",
    "REPORT_DIMENSIONS",
    "Check",
    "CostSplit",
    "CsvData",
    "CsvKind",
    "CsvReader",
    "Freshness",
    "Key",
    "Line",
    "Number",
    "ReconcileQuery",
    "Reconciliation",
    "ReportQuery",
    "ReportedCost",
    "SetAside",
    "Status",
    "Tolerance",
    "Unpriced",
    "UsageGroup",
    "compare",
    "cost_totals",
    "csv_totals",
    "fetch_freshness",
    "fetch_report",
    "fetch_reported_cost",
    "model_key",
    "read_csv",
    "reconcile",
    "refuse_mixed_widths",
    "render_reconciliation_json",
    "render_reconciliation_table",
    "render_report_json",
    "render_report_table",
    "run_reconcile",
    "run_report",
    "split_reported",
]
