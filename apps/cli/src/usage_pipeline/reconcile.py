"""`usage-pipeline reconcile`: our numbers against the provider's, per UTC day.

Checks, each a list of `Line`s:

- ``cost`` (always): the ESTIMATED cost of usage (sum of `usage_events.cost_usd` where
  `cost_source = 'estimated'`, `source = 'admin_api'`) against the REPORTED cost (sum of
  `cost_events.cost_usd`, `source = 'admin_api'`: the cost endpoints, the money of
  record), for one provider. One line per UTC day of `window_start`; and one line per day
  x project (OpenAI project / Anthropic workspace) on the days where both sides carry
  project ids, i.e. where both were fetched grouped by project. A null project id on such
  a day is a project of its own (Anthropic's default workspace).
- ``tokens`` (``--against-csv`` with a usage export): token totals of the database
  (`source = 'admin_api'`, the usage types found in the file) against the console CSV, per
  day and per token measure: input, uncached, cache read, cache write (total), output. The
  5m/1h split is not compared: older exports do not split writes. Per project only where
  the CSV's project ids are real ids found in the database; console files name
  workspaces instead (the reader marks such rows with a `*_name` dimension), and a name
  cannot be matched to an id, so those are compared per day only.
- ``csv_cost`` (``--against-csv`` with a cost export): reported cost in the database
  against the CSV's, per day (and project, as above).

Statuses and tolerance. A line is ``DIFF`` when its difference passes the tolerance, else
``OK``. Tokens: |diff| > ``tokens`` (default 0: exact). Money: a line is a DIFF only when
|diff| exceeds BOTH ``usd`` (default $0.01) AND ``pct`` percent (default 1%) of the
reference side; equivalently the allowed difference is max($0.01, 1% of the reference).
The reference (the denominator of diff %) is the right-hand side: reported cost, or the
CSV; when it is 0, any difference above ``usd`` is a DIFF. A side with no rows counts as 0,
so a day with usage but no cost report (or the reverse) is a DIFF unless it is tiny.

Unpriced usage. Usage rows whose cost is null (a model or usage type the price table does
not cover) make that day's estimate incomplete. They are counted per day and project,
listed by usage type and model, and the line is flagged (``unpriced`` > 0), but they do
not change its status on their own: many of them are usage the estimator deliberately does
not price (vector stores, code interpreter, search calls), and failing every such day
would make the check useless. If they matter, the missing money shows up as a DIFF.

Selection: one provider, rows whose `window_start` is in [since, until), optionally one
organization and one usage bucket width. As in `report`, the same usage stored at two
bucket widths would be counted twice, so a selection holding several widths for one usage
type is refused (pass a bucket width); cost reports are daily. Bounds that are not
midnight UTC cut their day, noted in the result. A console export covers one
organization: with several in the database, a CSV comparison needs one to be chosen.

Sums are exact: bigint sums for tokens, numeric for money, Decimal in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, localcontext
from typing import Any, Literal, Protocol

import asyncpg

from usage_common import (
    BucketWidth,
    ConfigError,
    CostEvent,
    InvalidPayloadError,
    Provider,
    UsageEvent,
)

__all__ = [
    "TOKEN_MEASURES",
    "CsvData",
    "CsvKind",
    "CsvReader",
    "Line",
    "ReconcileQuery",
    "Reconciliation",
    "Tolerance",
    "Unpriced",
    "compare",
    "csv_totals",
    "read_csv",
    "reconcile",
    "render_json",
    "render_table",
]

Check = Literal["cost", "tokens", "csv_cost"]
CsvKind = Literal["usage", "cost"]
Key = tuple[date, str | None]
Number = Decimal | int

TOKEN_MEASURES: tuple[str, ...] = (
    "input_tokens",
    "input_uncached_tokens",
    "input_cache_read_tokens",
    "input_cache_write_tokens",
    "output_tokens",
)
_MONEY = "cost_usd"
_NAME_DIMENSIONS = frozenset({"workspace_name", "project_name"})
_DAY_SQL = "(window_start AT TIME ZONE 'UTC')::date"
_PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")
_WIDTHS: tuple[BucketWidth, ...] = ("1m", "1h", "1d")


@dataclass(frozen=True)
class Tolerance:
    """How far apart two numbers may be and still be OK (see the module docstring)."""

    tokens: int = 0
    pct: Decimal = Decimal(1)
    usd: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        if self.tokens < 0:
            raise ConfigError(f"--tolerance-tokens must be >= 0, not {self.tokens}")
        for name, value in (("pct", self.pct), ("usd", self.usd)):
            if not value.is_finite() or value < 0:
                raise ConfigError(f"--tolerance-{name} must be a number >= 0, not {value}")

    def money_within(self, diff: Decimal, reference: Decimal) -> bool:
        """A DIFF only when |diff| exceeds both the dollar and the percent tolerance."""
        size = abs(diff)
        if size <= self.usd:
            return True
        if reference == 0:
            return False
        return size * 100 <= self.pct * abs(reference)

    def tokens_within(self, diff: int) -> bool:
        return abs(diff) <= self.tokens


@dataclass(frozen=True)
class ReconcileQuery:
    """What to reconcile: one provider, [since, until), optionally one org and width."""

    provider: Provider
    since: datetime
    until: datetime
    bucket_width: BucketWidth | None = None
    organization_id: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in _PROVIDERS:
            raise ConfigError(f"unknown provider {self.provider!r}; one of {', '.join(_PROVIDERS)}")
        if self.since >= self.until:
            raise ConfigError(
                f"--since {self.since.isoformat()} is not before --until {self.until.isoformat()}"
            )
        if self.bucket_width is not None and self.bucket_width not in _WIDTHS:
            raise ConfigError(f"--bucket-width must be one of {', '.join(_WIDTHS)}")

    def notes(self) -> list[str]:
        """Warnings about the selection: bounds inside a day compare partial days."""
        out = []
        if self.since.time() != time(0):
            out.append(
                f"--since {self.since.isoformat()} is not midnight UTC: that day's usage is"
                " partial and its cost report (which starts before --since) is left out"
            )
        if self.until.time() != time(0):
            out.append(
                f"--until {self.until.isoformat()} is not midnight UTC: that day's usage is"
                " partial but its whole cost report is in"
            )
        return out


@dataclass(frozen=True)
class Line:
    """One comparison: `left` (ours: estimate / database) against `right` (the reference:
    reported cost / CSV) for one day, or one day x project when `per_project`."""

    check: Check
    day: date
    project_id: str | None
    per_project: bool
    measure: str
    left: Number
    right: Number
    within: bool
    unpriced_rows: int = 0

    @property
    def diff(self) -> Number:
        return self.left - self.right

    @property
    def diff_pct(self) -> Decimal | None:
        """diff as a percent of the reference side; None when the reference is 0."""
        if self.right == 0:
            return None
        with localcontext() as ctx:
            ctx.prec = 80  # a display ratio: wide enough that quantize never overflows
            return (Decimal(self.diff) * 100 / Decimal(self.right)).quantize(Decimal("0.01"))

    @property
    def status(self) -> Literal["OK", "DIFF"]:
        return "OK" if self.within else "DIFF"


@dataclass(frozen=True)
class Unpriced:
    """Usage rows without a cost on one day, by usage type and model."""

    day: date
    project_id: str | None
    usage_type: str
    model: str | None
    rows: int


@dataclass(frozen=True)
class CsvData:
    """A console export, read: its kind and all its events (selected by `csv_totals`)."""

    kind: CsvKind
    events: tuple[UsageEvent | CostEvent, ...]


@dataclass(frozen=True)
class Reconciliation:
    """Every line of every check, the unpriced usage behind them, and notes."""

    query: ReconcileQuery
    tolerance: Tolerance
    lines: tuple[Line, ...]
    unpriced: tuple[Unpriced, ...] = ()
    csv_kind: CsvKind | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(line.within for line in self.lines)

    @property
    def exit_code(self) -> int:
        """0: every line within tolerance; 1: some difference passes it."""
        return 0 if self.ok else 1


class CsvReader(Protocol):
    """`usage_normalizer.console_csv.read_csv_events`; raises InvalidPayloadError."""

    def __call__(
        self,
        provider: str,
        kind: str,
        text: str,
        *,
        organization_id: str,
        fetched_at: datetime,
    ) -> list[UsageEvent | CostEvent]: ...


def read_csv(
    reader: CsvReader,
    provider: Provider,
    text: str,
    *,
    kind: CsvKind | None,
    organization_id: str,
    fetched_at: datetime,
) -> tuple[CsvKind, list[UsageEvent | CostEvent]]:
    """Read an export as `kind`, or, when None, as a usage export and else as a cost export.

    Raises InvalidPayloadError with the reader's message(s) when it is neither.
    """
    kinds: tuple[CsvKind, ...] = (kind,) if kind else ("usage", "cost")
    errors: list[str] = []
    for attempt in kinds:
        try:
            events = reader(
                provider, attempt, text, organization_id=organization_id, fetched_at=fetched_at
            )
        except InvalidPayloadError as exc:
            errors.append(f"as the {provider} {attempt} export: {exc}")
            continue
        return attempt, events
    raise InvalidPayloadError("cannot read the CSV " + "; nor ".join(errors))


def csv_totals(
    data: CsvData, query: ReconcileQuery
) -> tuple[dict[Key, dict[str, Number]], set[str], bool]:
    """Per (day, project) sums of the export's events inside the selection.

    Returns the sums (token measures, or `cost_usd`), the usage types seen, and whether the
    project ids can be matched to the database's (False when any row names its project).
    """
    sums: dict[Key, dict[str, Number]] = {}
    usage_types: set[str] = set()
    ids = True
    for event in data.events:
        if event.provider != query.provider:
            raise InvalidPayloadError(
                f"the CSV holds {event.provider} rows, not {query.provider} rows"
            )
        if not query.since <= event.window_start < query.until:
            continue
        if _NAME_DIMENSIONS & event.dimensions.keys():
            ids = False
        cell = sums.setdefault((event.window_start.date(), event.project_id), {})
        if isinstance(event, UsageEvent):
            usage_types.add(event.usage_type)
            for measure in TOKEN_MEASURES:
                cell[measure] = cell.get(measure, 0) + getattr(event, measure)
        else:
            cell[_MONEY] = cell.get(_MONEY, Decimal(0)) + event.cost_usd
    return sums, usage_types, ids


def compare(
    check: Check,
    left: Mapping[Key, Mapping[str, Number]],
    right: Mapping[Key, Mapping[str, Number]],
    tolerance: Tolerance,
    *,
    measures: Sequence[str],
    by_project: bool = True,
    unpriced: Mapping[Key, int] | None = None,
) -> list[Line]:
    """Lines per day (all projects), then per day x project where both sides have ids.

    `left` and `right` map (day, project_id) to sums per measure; a missing cell is 0.
    """
    unpriced = unpriced or {}
    money = check != "tokens"
    zero: Number = Decimal(0) if money else 0
    lines: list[Line] = []

    def line(day: date, project: str | None, per_project: bool, keys: list[Key]) -> None:
        for measure in measures:
            a = sum((left.get(k, {}).get(measure, zero) for k in keys), zero)
            b = sum((right.get(k, {}).get(measure, zero) for k in keys), zero)
            within = (
                tolerance.money_within(Decimal(a - b), Decimal(b))
                if money
                else tolerance.tokens_within(int(a - b))
            )
            lines.append(
                Line(
                    check,
                    day,
                    project,
                    per_project,
                    measure,
                    a,
                    b,
                    within,
                    sum(unpriced.get(k, 0) for k in keys),
                )
            )

    days = sorted({k[0] for k in (*left, *right, *unpriced)})
    for day in days:
        keys = sorted({k for k in (*left, *right, *unpriced) if k[0] == day}, key=_project_order)
        line(day, None, False, keys)
        if by_project and _has_ids(left, day) and _has_ids(right, day):
            for key in keys:
                line(day, key[1], True, [key])
    return lines


def _has_ids(cells: Iterable[Key], day: date) -> bool:
    return any(d == day and project is not None for d, project in cells)


def _project_order(key: Key) -> tuple[bool, str]:
    return (key[1] is not None, key[1] or "")


# --- database ------------------------------------------------------------------------------


def _where(q: ReconcileQuery, *, usage: bool) -> tuple[str, list[Any]]:
    args: list[Any] = [q.provider, q.since, q.until]
    clauses = ["provider = $1", "source = 'admin_api'", "window_start >= $2", "window_start < $3"]
    if q.organization_id is not None:
        args.append(q.organization_id)
        clauses.append(f"organization_id = ${len(args)}")
    if usage and q.bucket_width is not None:
        args.append(q.bucket_width)
        clauses.append(f"bucket_width = ${len(args)}")
    return " WHERE " + " AND ".join(clauses), args


async def _check_selection(conn: asyncpg.Connection, q: ReconcileQuery, *, csv: bool) -> None:
    """Refuse what would be counted twice: several widths, or several orgs against a CSV."""
    where, args = _where(q, usage=True)
    mixed = await conn.fetch(
        "SELECT usage_type, array_agg(DISTINCT bucket_width ORDER BY bucket_width) AS widths"
        f" FROM usage_events{where} GROUP BY usage_type HAVING count(DISTINCT bucket_width) > 1",
        *args,
    )
    if mixed:
        what = "; ".join(f"{r['usage_type']}: {', '.join(r['widths'])}" for r in mixed)
        raise ConfigError(
            f"the selection holds several bucket widths ({what}); summing them would count"
            " usage twice. Pass --bucket-width 1m|1h|1d."
        )
    cost_where, cost_args = _where(q, usage=False)
    widths = await conn.fetchval(
        f"SELECT array_agg(DISTINCT bucket_width) FROM cost_events{cost_where}", *cost_args
    )
    if widths and len(widths) > 1:
        raise ConfigError(
            f"the cost reports in the selection have several bucket widths ({', '.join(widths)})"
        )
    if csv and q.organization_id is None:
        # Without an organization filter the cost parameters ($1-$3) prefix the usage ones.
        orgs = await conn.fetchval(
            "SELECT count(DISTINCT organization_id) FROM (SELECT organization_id FROM"
            f" usage_events{where} UNION SELECT organization_id FROM cost_events{cost_where}) o",
            *args,
        )
        if orgs > 1:
            raise ConfigError(
                f"the database holds {orgs} {q.provider} organizations in this window and a"
                " console export covers one: pass --organization-id"
            )


async def _estimates(
    conn: asyncpg.Connection, q: ReconcileQuery
) -> tuple[dict[Key, dict[str, Number]], dict[Key, int], list[Unpriced]]:
    where, args = _where(q, usage=True)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id,"
        " sum(cost_usd) FILTER (WHERE cost_source = 'estimated') AS estimated,"
        " count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced"
        f" FROM usage_events{where} GROUP BY 1, 2",
        *args,
    )
    estimated: dict[Key, dict[str, Number]] = {}
    unpriced: dict[Key, int] = {}
    for r in rows:
        key = (r["day"], r["project_id"])
        if r["estimated"] is not None:
            estimated[key] = {_MONEY: r["estimated"]}
        if r["unpriced"]:
            unpriced[key] = r["unpriced"]
    detail = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, usage_type, model, count(*) AS n"
        f" FROM usage_events{where} AND cost_usd IS NULL GROUP BY 1, 2, 3, 4"
        " ORDER BY 1, 2 NULLS FIRST, 3, 4 NULLS FIRST",
        *args,
    )
    listed = [
        Unpriced(r["day"], r["project_id"], r["usage_type"], r["model"], r["n"]) for r in detail
    ]
    return estimated, unpriced, listed


async def _reported(conn: asyncpg.Connection, q: ReconcileQuery) -> dict[Key, dict[str, Number]]:
    where, args = _where(q, usage=False)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, sum(cost_usd) AS amount"
        f" FROM cost_events{where} GROUP BY 1, 2",
        *args,
    )
    return {(r["day"], r["project_id"]): {_MONEY: r["amount"]} for r in rows}


async def _tokens(
    conn: asyncpg.Connection, q: ReconcileQuery, usage_types: set[str]
) -> dict[Key, dict[str, Number]]:
    where, args = _where(q, usage=True)
    args.append(sorted(usage_types))
    sums = ", ".join(f"coalesce(sum({m}), 0)::bigint AS {m}" for m in TOKEN_MEASURES)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, {sums} FROM usage_events{where}"
        f" AND usage_type = ANY(${len(args)}::text[]) GROUP BY 1, 2",
        *args,
    )
    return {(r["day"], r["project_id"]): {m: r[m] for m in TOKEN_MEASURES} for r in rows}


async def reconcile(
    conn: asyncpg.Connection,
    query: ReconcileQuery,
    tolerance: Tolerance,
    csv: CsvData | None = None,
) -> Reconciliation:
    """Run the checks (see the module docstring). Raises ConfigError for a selection that
    cannot be reconciled and InvalidPayloadError for a CSV of another provider."""
    await _check_selection(conn, query, csv=csv is not None)
    notes = query.notes()
    estimated, unpriced_rows, unpriced = await _estimates(conn, query)
    reported = await _reported(conn, query)
    lines = compare(
        "cost",
        estimated,
        reported,
        tolerance,
        measures=(_MONEY,),
        unpriced=unpriced_rows,
    )
    if csv is not None:
        sums, usage_types, ids = csv_totals(csv, query)
        if csv.kind == "usage":
            ours = await _tokens(conn, query, usage_types) if usage_types else {}
            check: Check = "tokens"
            measures: tuple[str, ...] = TOKEN_MEASURES
        else:
            ours, check, measures = reported, "csv_cost", (_MONEY,)
        csv_ids = {p for _, p in sums if p is not None}
        matched = ids and csv_ids <= {p for _, p in ours if p is not None}
        if csv_ids and not matched:
            notes.append(
                "the CSV's projects are names or ids unknown to the database: compared per day only"
            )
        lines += compare(check, ours, sums, tolerance, measures=measures, by_project=matched)
    return Reconciliation(
        query, tolerance, tuple(lines), tuple(unpriced), csv.kind if csv else None, tuple(notes)
    )


# --- rendering -----------------------------------------------------------------------------

_TITLES: dict[Check, tuple[str, str, str]] = {
    "cost": ("cost: estimated (usage x price) vs reported (cost report)", "estimated", "reported"),
    "tokens": ("tokens: database vs console CSV", "database", "csv"),
    "csv_cost": ("cost: reported (cost report) vs console CSV", "reported", "csv"),
}


def _plain(value: Number) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _project_json(line: Line) -> str | None:
    return line.project_id if line.per_project else None


def render_json(result: Reconciliation) -> str:
    """Money as exact decimal strings; one list per check."""
    q, t = result.query, result.tolerance
    out: dict[str, Any] = {
        "provider": q.provider,
        "since": q.since.isoformat(),
        "until": q.until.isoformat(),
        "organization_id": q.organization_id,
        "bucket_width": q.bucket_width,
        "tolerance": {"tokens": t.tokens, "pct": _plain(t.pct), "usd": _plain(t.usd)},
        "status": "OK" if result.ok else "DIFF",
        "notes": list(result.notes),
    }
    checks: list[Check] = ["cost"]
    if result.csv_kind is not None:
        checks.append("tokens" if result.csv_kind == "usage" else "csv_cost")
    for check in checks:
        _, left, right = _TITLES[check]
        rows = []
        for line in result.lines:
            if line.check != check:
                continue
            pct = line.diff_pct
            row: dict[str, Any] = {
                "day": line.day.isoformat(),
                "scope": "project" if line.per_project else "day",
                "project_id": _project_json(line),
            }
            if check == "tokens":
                row["measure"] = line.measure
            row |= {
                left: _plain(line.left) if check != "tokens" else line.left,
                right: _plain(line.right) if check != "tokens" else line.right,
                "diff": _plain(line.diff) if check != "tokens" else line.diff,
                "diff_pct": None if pct is None else _plain(pct),
                "status": line.status,
            }
            if check == "cost":
                row["unpriced_rows"] = line.unpriced_rows
                row["incomplete"] = line.unpriced_rows > 0
            rows.append(row)
        out[check] = rows
    out["unpriced"] = [
        {
            "day": u.day.isoformat(),
            "project_id": u.project_id,
            "usage_type": u.usage_type,
            "model": u.model,
            "rows": u.rows,
        }
        for u in result.unpriced
    ]
    return json.dumps(out, indent=2)


def _cells(line: Line) -> list[str]:
    tokens = line.check == "tokens"
    pct = line.diff_pct
    cells = [line.day.isoformat(), (line.project_id or "(none)") if line.per_project else "(all)"]
    if tokens:
        cells.append(line.measure.removesuffix("_tokens"))
    number = "," if tokens else ",.4f"  # display only: JSON has the exact values
    cells += [
        format(line.left, number),
        format(line.right, number),
        format(line.diff, "+" + number),
        "-" if pct is None else f"{pct:+}%",
        line.status,
    ]
    if line.check == "cost":
        cells.append(f"{line.unpriced_rows:,}" if line.unpriced_rows else "")
    return cells


def _table(header: list[str], body: list[list[str]], text_columns: int) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i < text_columns else v.rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return [fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in body)]


def render_table(result: Reconciliation) -> str:
    """Aligned columns per check, the unpriced usage, the notes and a one-line verdict."""
    q, t = result.query, result.tolerance
    out = [
        f"{q.provider} {q.since.isoformat()} .. {q.until.isoformat()} (UTC, end exclusive)"
        + (f", organization {q.organization_id}" if q.organization_id else "")
    ]
    for check, (title, left, right) in _TITLES.items():
        lines = [line for line in result.lines if line.check == check]
        if check != "cost" and not lines:
            continue
        out += ["", title]
        if not lines:
            out.append("  no usage or cost rows in the selection")
            continue
        header = ["day", "project"]
        if check == "tokens":
            header.append("measure")
        header += [left, right, "diff", "diff %", "status"]
        if check == "cost":
            header.append("unpriced")
        out += _table(header, [_cells(line) for line in lines], 3 if check == "tokens" else 2)
    if result.unpriced:
        out += ["", "usage rows without a cost (the estimate of their day is incomplete):"]
        body = [
            [
                u.day.isoformat(),
                u.project_id or "(none)",
                u.usage_type,
                u.model or "-",
                f"{u.rows:,}",
            ]
            for u in result.unpriced
        ]
        out += _table(["day", "project", "usage_type", "model", "rows"], body, 4)
    out += ["", *(f"note: {n}" for n in result.notes)] if result.notes else []
    failed = sum(1 for line in result.lines if not line.within)
    verdict = (
        "OK: every line within tolerance"
        if result.ok
        else f"DIFF: {failed} of {len(result.lines)} lines outside tolerance"
    )
    out += [
        "",
        f"tolerance: tokens {t.tokens}; money max(${t.usd}, {t.pct}% of the reference)",
        verdict,
    ]
    return "\n".join(out)
