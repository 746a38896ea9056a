"""`reconcile`: our numbers against the provider's, per UTC day.

Checks, each a list of `Line`s (`_comparison`):

- ``cost`` (always): the ESTIMATED cost of usage (sum of `usage_events.cost_usd` where
  `cost_source = 'estimated'`, `source = 'admin_api'`) against the part of the REPORTED
  cost (`cost_events`, `source = 'admin_api'`: the cost endpoints, the money of record)
  that an estimate covers, for one provider. One line per UTC day of `window_start`; and
  one line per day x project (OpenAI project / Anthropic workspace) on the days where both
  sides carry project ids, i.e. where both were fetched grouped by project. A null project
  id on such a day is a project of its own (Anthropic's default workspace). Which reported
  cost an estimate covers is decided per line (`_rules`, `_split`): the rest is listed as
  not estimable, never compared.
- ``tokens`` (``--against-csv`` with a usage export): token totals of the database
  (`source = 'admin_api'`, the usage types found in the file) against the console CSV, per
  day and per token measure (`_console_csv`).
- ``csv_cost`` (``--against-csv`` with a cost export): reported cost in the database
  against the CSV's, per day (and project, as above).

Statuses (`_comparison`) and tolerance (`_tolerance`): a line is INCOMPLETE when its
estimate cannot be checked, else DIFF when its difference passes the tolerance, else OK.
The exit code is 0 when every line is OK, 1 when any is DIFF or INCOMPLETE.

Unpriced usage. Usage rows whose cost is null (a model or usage type the price table does
not cover) are counted per day and project, listed by usage type and model, and shown in
the line's ``unpriced`` column, but do not change its status on their own: their reported
cost, if any, is not estimable unless priced rows of the same model share the scope, in
which case their money shows up as a DIFF.

Selection (`_selection`): one provider, rows whose `window_start` is in [since, until),
optionally one organization and one usage bucket width. As in `report`, the same usage
stored at two bucket widths would be counted twice, so a selection holding several widths
for one usage type is refused (pass a bucket width); cost reports are daily. Bounds that
are not midnight UTC cut their day, noted in the result. A console export covers one
organization: with several in the database, a CSV comparison needs one to be chosen.

Execution (`reconcile`): refuse the selection (widths, organizations) -> usage per day x
project x type x model, with the estimate -> reported cost per line -> split it ->
compare the cost -> with a CSV, sum both sides and compare them. It only reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg

from ._comparison import Line, compare
from ._console_csv import COMPARED_TOKEN_MEASURES, CsvData, csv_totals
from ._queries import check_selection, ensure_tables, reported_lines, token_totals, usage_groups
from ._rows import ReportedCost, Unpriced, add_amount, count_unpriced
from ._selection import ReconcileQuery
from ._split import SetAside, split_reported
from ._tolerance import Tolerance
from ._types import MONEY, Check, CsvKind, Key, Number, Status

__all__ = ["Reconciliation", "cost_totals", "reconcile", "run_reconcile"]


@dataclass(frozen=True)
class Reconciliation:
    """Every line of every check, the unpriced usage behind them, and notes."""

    query: ReconcileQuery
    tolerance: Tolerance
    lines: tuple[Line, ...]
    unpriced: tuple[Unpriced, ...] = ()
    csv_kind: CsvKind | None = None
    notes: tuple[str, ...] = field(default=())
    not_estimable: tuple[SetAside, ...] = ()
    incomplete: tuple[SetAside, ...] = ()

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

    @property
    def status(self) -> Status:
        """DIFF when any line is a DIFF, else INCOMPLETE when any is, else OK."""
        if any(line.status == "DIFF" for line in self.lines):
            return "DIFF"
        return "INCOMPLETE" if any(line.incomplete for line in self.lines) else "OK"

    @property
    def exit_code(self) -> int:
        """0: every line OK; 1: some difference passes the tolerance, or some estimate
        cannot be checked (INCOMPLETE)."""
        return 0 if self.ok else 1


def cost_totals(result: Reconciliation) -> dict[str, Decimal]:
    """Sums of the cost check's day lines: estimated, comparable, not estimable and
    reported (= comparable + not estimable: every reported dollar)."""
    days = [ln for ln in result.lines if ln.check == "cost" and not ln.per_project]
    estimated = sum((Decimal(ln.left) for ln in days), Decimal(0))
    comparable = sum((Decimal(ln.right) for ln in days), Decimal(0))
    aside = sum((ln.not_estimable or Decimal(0) for ln in days), Decimal(0))
    return {
        "estimated": estimated,
        "comparable": comparable,
        "not_estimable": aside,
        "reported": comparable + aside,
    }


def _reported_totals(reported: Iterable[ReportedCost]) -> dict[Key, dict[str, Number]]:
    totals: dict[Key, Decimal] = {}
    for cost in reported:
        add_amount(totals, (cost.day, cost.project_id), cost.cost_usd)
    return {k: {MONEY: v} for k, v in totals.items()}


async def reconcile(
    conn: asyncpg.Connection,
    query: ReconcileQuery,
    tolerance: Tolerance,
    csv: CsvData | None = None,
) -> Reconciliation:
    """Run the checks (see the module docstring). Raises ConfigError for a selection that
    cannot be reconciled and InvalidPayloadError for a CSV of another provider."""
    await check_selection(conn, query, csv=csv is not None)
    notes = query.notes()
    groups, estimated = await usage_groups(conn, query)
    unpriced_rows, unpriced = count_unpriced(groups)
    reported = await reported_lines(conn, query)
    split = split_reported(query.provider, groups, reported)
    lines = compare(
        "cost",
        estimated,
        {k: {MONEY: v} for k, v in split.comparable.items()},
        tolerance,
        measures=(MONEY,),
        unpriced=unpriced_rows,
        not_estimable=split.not_estimable,
        incomplete=split.incomplete_keys,
        project_days=split.project_days,
    )
    if csv is not None:
        sums, usage_types, ids = csv_totals(csv, query)
        if csv.kind == "usage":
            ours = await token_totals(conn, query, usage_types) if usage_types else {}
            check: Check = "tokens"
            measures: tuple[str, ...] = COMPARED_TOKEN_MEASURES
        else:
            ours, check, measures = _reported_totals(reported), "csv_cost", (MONEY,)
        csv_ids = {p for _, p in sums if p is not None}
        matched = ids and csv_ids <= {p for _, p in ours if p is not None}
        if csv_ids and not matched:
            notes.append(
                "the CSV's projects are names or ids unknown to the database: compared per day only"
            )
        lines += compare(check, ours, sums, tolerance, measures=measures, by_project=matched)
    return Reconciliation(
        query,
        tolerance,
        tuple(lines),
        tuple(unpriced),
        csv.kind if csv else None,
        tuple(notes),
        split.not_estimable_lines,
        split.incomplete,
    )


async def run_reconcile(
    url: str, query: ReconcileQuery, tolerance: Tolerance, csv: CsvData | None = None
) -> Reconciliation:
    """Connect to `url`, check the schema is there, reconcile, close.

    Raises ConfigError for a database without the tables or a selection that cannot be
    reconciled, InvalidPayloadError for a CSV of another provider; connection and query
    failures propagate as asyncpg/OS errors.
    """
    conn = await asyncpg.connect(url)
    try:
        await ensure_tables(conn)
        return await reconcile(conn, query, tolerance, csv)
    finally:
        await conn.close()
