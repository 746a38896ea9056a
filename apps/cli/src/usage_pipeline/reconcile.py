"""`usage-pipeline reconcile`: our numbers against the provider's, per UTC day.

Checks, each a list of `Line`s:

- ``cost`` (always): the ESTIMATED cost of usage (sum of `usage_events.cost_usd` where
  `cost_source = 'estimated'`, `source = 'admin_api'`) against the part of the REPORTED
  cost (`cost_events`, `source = 'admin_api'`: the cost endpoints, the money of record)
  that an estimate covers, for one provider. One line per UTC day of `window_start`; and
  one line per day x project (OpenAI project / Anthropic workspace) on the days where both
  sides carry project ids, i.e. where both were fetched grouped by project. A null project
  id on such a day is a project of its own (Anthropic's default workspace).
- ``tokens`` (``--against-csv`` with a usage export): token totals of the database
  (`source = 'admin_api'`, the usage types found in the file) against the console CSV, per
  day and per token measure: input, uncached, cache read, cache write (total), output. The
  5m/1h split is not compared: older exports do not split writes. Per project only where
  the CSV's project ids are real ids found in the database; console files name
  workspaces instead (the reader marks such rows with a `*_name` dimension), and a name
  cannot be matched to an id, so those are compared per day only.
- ``csv_cost`` (``--against-csv`` with a cost export): reported cost in the database
  against the CSV's, per day (and project, as above).

Comparable and not estimable reported cost. Some cost lines can never have an estimate
(code execution, a model the price library does not know, file search calls...), so the
reported side is split, per day x project, by `split_reported`. The scope of a line is its
day x project on the days compared per project, else its whole day. A reported line is:

- comparable when usage in its scope has a PRICED row (`cost_source = 'estimated'`) of the
  same model and kind. Anthropic token lines (cost type `tokens`) match `messages` rows of
  their `model`; OpenAI lines `"<model>, <label>"` take the model before the first comma
  and the kind from the label: `... input` / `... output` -> token usage (completions,
  embeddings, moderations), `characters` -> audio_speeches, `audio` ->
  audio_transcriptions, `images ...` -> images, `web search tool calls` ->
  web_search_calls. Model ids match loosely: lower case, a trailing `-YYYYMMDD` or
  `-YYYY-MM-DD` dropped on both sides (`claude-3-5-haiku-20241022` = `claude-3-5-haiku`).
- comparable, for an Anthropic `web_search` line (no model), when its scope has priced
  `messages` rows with `web_search_requests > 0`. If the scope ALSO has unpriced rows with
  web searches, the one web-search line holds money of both and cannot be split: the line
  counts as comparable and its day x project is INCOMPLETE. Priority Tier rows do not
  count here: Anthropic bills Priority Tier outside the cost endpoint ("Priority Tier costs
  ... are not included in the cost endpoint"), so their searches are in no cost line (were
  they billed there after all, the line would show a DIFF, not pass silently).
- INCOMPLETE too when the line has no description at all (no cost type / model, no OpenAI
  line item): costs not grouped by description/line item cannot be split; the amount
  counts as comparable.
- otherwise not estimable: listed by day, project and line (model, line item or cost
  type) with the reason ("no price for model X", "code execution has no usage to estimate
  from", ...), shown in its line's ``not estimable`` column and never compared.

Every reported dollar is therefore either compared or listed: comparable + not estimable
= reported, per line and in total.

Statuses and tolerance. A line is ``INCOMPLETE`` when its day x project (any of them, for a
day line) is, whatever its difference: its estimate cannot be checked. Otherwise it is
``DIFF`` when its difference passes the tolerance, else ``OK``. Tokens: |diff| >
``tokens`` (default 0: exact). Money: a line is a DIFF only when |diff| exceeds BOTH
``usd`` (default $0.01) AND ``pct`` percent (default 1%) of the reference side;
equivalently the allowed difference is max($0.01, 1% of the reference). The reference
(the denominator of diff %) is the right-hand side: comparable reported cost, or the CSV;
when it is 0, any difference above ``usd`` is a DIFF. A side with no rows counts as 0, so
a day with priced usage but no comparable cost (or the reverse) is a DIFF unless it is
tiny. The exit code is 0 when every line is OK, 1 when any is DIFF or INCOMPLETE.

Unpriced usage. Usage rows whose cost is null (a model or usage type the price table does
not cover) are counted per day and project, listed by usage type and model, and shown in
the line's ``unpriced`` column, but do not change its status on their own: their reported
cost, if any, is not estimable (see above) unless priced rows of the same model share the
scope, in which case their money shows up as a DIFF.

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
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, localcontext
from typing import Any, Literal, Protocol, TypeVar

import asyncpg

from usage_common import (
    CACHE_WRITE_TTL_MEASURES,
    TOKEN_MEASURES,
    BucketWidth,
    ConfigError,
    CostEvent,
    InvalidPayloadError,
    Provider,
    UsageEvent,
)
from usage_ledger import refuse_mixed_widths

__all__ = [
    "COMPARED_TOKEN_MEASURES",
    "CostSplit",
    "CsvData",
    "CsvKind",
    "CsvReader",
    "Line",
    "ReconcileQuery",
    "Reconciliation",
    "ReportedCost",
    "SetAside",
    "Tolerance",
    "Unpriced",
    "UsageGroup",
    "compare",
    "cost_totals",
    "csv_totals",
    "model_key",
    "read_csv",
    "reconcile",
    "render_json",
    "render_table",
    "split_reported",
]

Check = Literal["cost", "tokens", "csv_cost"]
Status = Literal["OK", "DIFF", "INCOMPLETE"]
CsvKind = Literal["usage", "cost"]
Key = tuple[date, str | None]
Number = Decimal | int
_K = TypeVar("_K")

# Older console exports do not split cache writes by TTL: compare the total write only.
COMPARED_TOKEN_MEASURES: tuple[str, ...] = tuple(
    m for m in TOKEN_MEASURES if m not in CACHE_WRITE_TTL_MEASURES
)
_MONEY = "cost_usd"
_NAME_DIMENSIONS = frozenset({"workspace_name", "project_name"})
_DAY_SQL = "(window_start AT TIME ZONE 'UTC')::date"
_PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")
_WIDTHS: tuple[BucketWidth, ...] = ("1m", "1h", "1d")
_DATED_MODEL = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")
_OPENAI_TOKEN_TYPES = frozenset({"completions", "embeddings", "moderations"})
_ANTHROPIC_TOKEN_TYPES = frozenset({"messages"})
# Usage Anthropic bills outside the cost endpoint: its web searches are in no cost line.
_OUTSIDE_COST_REPORT_TIERS = ("priority",)


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
    not_estimable: Decimal | None = None  # cost lines only: reported, never compared
    incomplete: bool = False  # cost lines only: the estimate cannot be checked

    @property
    def ok(self) -> bool:
        return self.within and not self.incomplete

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
    def status(self) -> Status:
        if self.incomplete:
            return "INCOMPLETE"
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
class UsageGroup:
    """Usage rows of one day x project x usage type x model, counted for the split.

    `priced_searches` / `unpriced_searches`: rows with `web_search_requests > 0`, with /
    without an estimate; the unpriced ones leave out tiers billed outside the cost report.
    """

    day: date
    project_id: str | None
    usage_type: str
    model: str | None
    priced: int = 0
    unpriced: int = 0
    priced_searches: int = 0
    unpriced_searches: int = 0


@dataclass(frozen=True)
class ReportedCost:
    """Reported cost of one line (description / line item) on one day x project."""

    day: date
    project_id: str | None
    cost_usd: Decimal
    model: str | None = None
    cost_type: str | None = None
    line_item: str | None = None


@dataclass(frozen=True)
class SetAside:
    """Reported cost on one day x project and line that is not simply compared: not
    estimable (listed, never compared), or what makes its day x project INCOMPLETE."""

    day: date
    project_id: str | None
    line: str
    reason: str
    cost_usd: Decimal


@dataclass(frozen=True)
class CostSplit:
    """The reported side, split (see the module docstring).

    `comparable` and `not_estimable` sum per (day, project) to the reported cost;
    `project_days` are the days compared per project.
    """

    comparable: dict[Key, Decimal]
    not_estimable: dict[Key, Decimal]
    not_estimable_lines: tuple[SetAside, ...]
    incomplete: tuple[SetAside, ...]
    project_days: frozenset[date]

    @property
    def incomplete_keys(self) -> frozenset[Key]:
        return frozenset((i.day, i.project_id) for i in self.incomplete)


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
            for measure in COMPARED_TOKEN_MEASURES:
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
    not_estimable: Mapping[Key, Decimal] | None = None,
    incomplete: Collection[Key] = (),
    project_days: Collection[date] | None = None,
) -> list[Line]:
    """Lines per day (all projects), then per day x project where both sides have ids
    (or, when given, on `project_days`).

    `left` and `right` map (day, project_id) to sums per measure; a missing cell is 0.
    The cost check also passes the reported cost set aside (`not_estimable`, shown on
    each line, never compared) and the (day, project) cells whose estimate cannot be
    checked (`incomplete`: their lines, and their day's, are INCOMPLETE).
    """
    unpriced = unpriced or {}
    money = check != "tokens"
    zero: Number = Decimal(0) if money else 0
    cells = {*left, *right, *unpriced, *(not_estimable or {}), *incomplete}
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
                    None
                    if not_estimable is None
                    else sum((not_estimable.get(k, Decimal(0)) for k in keys), Decimal(0)),
                    any(k in incomplete for k in keys),
                )
            )

    for day in sorted({k[0] for k in cells}):
        keys = sorted({k for k in cells if k[0] == day}, key=_project_order)
        line(day, None, False, keys)
        if project_days is not None:
            per_project = day in project_days
        else:
            per_project = _has_ids(left, day) and _has_ids(right, day)
        if by_project and per_project:
            for key in keys:
                line(day, key[1], True, [key])
    return lines


def model_key(model: str) -> str:
    """A model id compared loosely: lower case, without a trailing date
    (`-YYYYMMDD` or `-YYYY-MM-DD`), so dated and undated ids of one model match."""
    return _DATED_MODEL.sub("", model.strip().lower())


@dataclass(frozen=True)
class _Rule:
    """How one reported line is matched: by model and usage types, as web search, or not
    at all (`reason` set: not estimable; `unsplit`: INCOMPLETE)."""

    line: str
    model: str | None = None
    usage_types: frozenset[str] = frozenset()
    kind: str | None = None  # for reasons: None for tokens, else e.g. "images"
    web_search: bool = False
    reason: str | None = None
    unsplit: bool = False


def _rule(provider: Provider, cost: ReportedCost) -> _Rule:
    if provider == "anthropic":
        return _anthropic_rule(cost)
    return _openai_rule(cost)


def _anthropic_rule(cost: ReportedCost) -> _Rule:
    cost_type = cost.cost_type
    if cost_type == "web_search":
        return _Rule("web_search", web_search=True)
    if cost.model is not None and cost_type in (None, "tokens"):
        return _Rule(cost.model, cost.model, _ANTHROPIC_TOKEN_TYPES)
    if cost_type is None:
        return _Rule(
            cost.line_item or "(no description)",
            reason="a cost line without a cost type or model cannot be split"
            " (costs not grouped by description)",
            unsplit=True,
        )
    what = cost_type.replace("_", " ")
    if cost_type in ("code_execution", "session_usage"):
        return _Rule(cost_type, reason=f"{what} has no usage to estimate from")
    return _Rule(cost_type, reason=f"cost type {cost_type} is not estimated")


def _openai_rule(cost: ReportedCost) -> _Rule:
    item = cost.line_item
    if item is None:
        return _Rule(
            "(no line item)",
            reason="a cost line without a line item cannot be split"
            " (costs not grouped by line item)",
            unsplit=True,
        )
    if "," not in item:
        return _Rule(item, reason="not model usage: the estimator does not price it")
    model, label = (part.strip() for part in item.split(",", 1))
    label = label.lower().removeprefix("batch ").strip()
    if label.endswith(("input", "output")):
        return _Rule(item, model, _OPENAI_TOKEN_TYPES)
    for test, usage_type in (
        (label == "characters", "audio_speeches"),
        (label == "audio", "audio_transcriptions"),
        (label.startswith("images"), "images"),
        (label == "web search tool calls", "web_search_calls"),
    ):
        if test:
            return _Rule(item, model, frozenset({usage_type}), kind=usage_type)
    return _Rule(item, reason=f"line item kind {label!r} is not one an estimate covers")


def split_reported(
    provider: Provider, usage: Iterable[UsageGroup], reported: Iterable[ReportedCost]
) -> CostSplit:
    """Split reported cost per (day, project) into comparable and not estimable, and find
    the cells whose estimate cannot be checked (see the module docstring)."""
    groups = list(usage)
    costs = list(reported)
    project_days = frozenset(g.day for g in groups if g.project_id is not None) & frozenset(
        c.day for c in costs if c.project_id is not None
    )
    scopes: dict[Key, list[UsageGroup]] = {}
    for g in groups:
        scopes.setdefault((g.day, g.project_id if g.day in project_days else None), []).append(g)

    comparable: dict[Key, Decimal] = {}
    not_estimable: dict[Key, Decimal] = {}
    listed: dict[tuple[Key, str, str], Decimal] = {}
    incomplete: dict[tuple[Key, str, str], Decimal] = {}
    for cost in costs:
        key = (cost.day, cost.project_id)
        scope = scopes.get((cost.day, cost.project_id if cost.day in project_days else None), [])
        rule = _rule(provider, cost)
        if rule.unsplit:
            assert rule.reason is not None
            _add(incomplete, (key, rule.line, rule.reason), cost.cost_usd)
            reason = None  # counted as comparable; its cell is INCOMPLETE
        elif rule.web_search:
            reason, mixed = _web_search_reason(scope)
            if mixed is not None:
                _add(incomplete, (key, rule.line, mixed), cost.cost_usd)
        elif rule.model is not None:
            reason = _model_reason(rule, scope)
        else:
            reason = rule.reason
        if reason is None:
            _add(comparable, key, cost.cost_usd)
        else:
            _add(not_estimable, key, cost.cost_usd)
            _add(listed, (key, rule.line, reason), cost.cost_usd)
    return CostSplit(
        comparable,
        not_estimable,
        _set_aside(listed),
        _set_aside(incomplete),
        project_days,
    )


def _add(sums: dict[_K, Decimal], key: _K, amount: Decimal) -> None:
    sums[key] = sums.get(key, Decimal(0)) + amount


def _model_reason(rule: _Rule, scope: Sequence[UsageGroup]) -> str | None:
    """None when a priced row of the line's model and kind is in scope, else why not."""
    assert rule.model is not None
    wanted = model_key(rule.model)
    same = [
        g
        for g in scope
        if g.usage_type in rule.usage_types and g.model is not None and model_key(g.model) == wanted
    ]
    if any(g.priced for g in same):
        return None
    what = "" if rule.kind is None else f"{rule.kind} of "
    if same:
        return f"no price for {what}model {rule.model}"
    return f"no {rule.kind or 'usage'} rows of model {rule.model}"


def _web_search_reason(scope: Sequence[UsageGroup]) -> tuple[str | None, str | None]:
    """(why the web-search line is not estimable, or None; why it is INCOMPLETE, or None)."""
    messages = [g for g in scope if g.usage_type in _ANTHROPIC_TOKEN_TYPES]
    priced = any(g.priced_searches for g in messages)
    unpriced = sorted({g.model or "(no model)" for g in messages if g.unpriced_searches})
    if priced and unpriced:
        return None, (
            "web searches of priced and unpriced usage share one cost line, which cannot be"
            f" split (unpriced: {', '.join(unpriced)})"
        )
    if priced:
        return None, None
    if unpriced:
        return f"web searches of unpriced usage only ({', '.join(unpriced)})", None
    return "no priced usage with web searches", None


def _set_aside(amounts: Mapping[tuple[Key, str, str], Decimal]) -> tuple[SetAside, ...]:
    items = [SetAside(day, project, line, reason, amount)
             for ((day, project), line, reason), amount in amounts.items()]  # fmt: skip
    return tuple(
        sorted(items, key=lambda a: (a.day, a.project_id is not None, a.project_id or "", a.line))
    )


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
    await refuse_mixed_widths(conn, where, args)
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


async def _usage(
    conn: asyncpg.Connection, q: ReconcileQuery
) -> tuple[list[UsageGroup], dict[Key, dict[str, Number]]]:
    """Usage counted per day x project x usage type x model (in the order the unpriced
    rows are listed), and the estimated cost per (day, project)."""
    where, args = _where(q, usage=True)
    args.append(list(_OUTSIDE_COST_REPORT_TIERS))
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, usage_type, model,"
        " sum(cost_usd) FILTER (WHERE cost_source = 'estimated') AS estimated,"
        " count(*) FILTER (WHERE cost_source = 'estimated') AS priced,"
        " count(*) FILTER (WHERE cost_usd IS NULL) AS unpriced,"
        " count(*) FILTER (WHERE cost_source = 'estimated' AND web_search_requests > 0)"
        " AS priced_searches,"
        " count(*) FILTER (WHERE cost_usd IS NULL AND web_search_requests > 0 AND"
        f" (service_tier IS NULL OR service_tier <> ALL(${len(args)}::text[])))"
        " AS unpriced_searches"
        f" FROM usage_events{where} GROUP BY 1, 2, 3, 4"
        " ORDER BY 1, 2 NULLS FIRST, 3, 4 NULLS FIRST",
        *args,
    )
    groups: list[UsageGroup] = []
    estimated: dict[Key, Decimal] = {}
    for r in rows:
        groups.append(
            UsageGroup(
                r["day"],
                r["project_id"],
                r["usage_type"],
                r["model"],
                r["priced"],
                r["unpriced"],
                r["priced_searches"],
                r["unpriced_searches"],
            )
        )
        if r["estimated"] is not None:
            _add(estimated, (r["day"], r["project_id"]), r["estimated"])
    return groups, {k: {_MONEY: v} for k, v in estimated.items()}


def _unpriced(groups: Iterable[UsageGroup]) -> tuple[dict[Key, int], list[Unpriced]]:
    """Rows without a cost: counted per (day, project), and listed by type and model."""
    counts: dict[Key, int] = {}
    listed: list[Unpriced] = []
    for g in groups:
        if g.unpriced:
            key = (g.day, g.project_id)
            counts[key] = counts.get(key, 0) + g.unpriced
            listed.append(Unpriced(g.day, g.project_id, g.usage_type, g.model, g.unpriced))
    return counts, listed


async def _reported_lines(conn: asyncpg.Connection, q: ReconcileQuery) -> list[ReportedCost]:
    where, args = _where(q, usage=False)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, model, cost_type, line_item,"
        f" sum(cost_usd) AS amount FROM cost_events{where} GROUP BY 1, 2, 3, 4, 5",
        *args,
    )
    return [
        ReportedCost(
            r["day"], r["project_id"], r["amount"], r["model"], r["cost_type"], r["line_item"]
        )
        for r in rows
    ]


def _reported_totals(reported: Iterable[ReportedCost]) -> dict[Key, dict[str, Number]]:
    totals: dict[Key, Decimal] = {}
    for cost in reported:
        _add(totals, (cost.day, cost.project_id), cost.cost_usd)
    return {k: {_MONEY: v} for k, v in totals.items()}


async def _tokens(
    conn: asyncpg.Connection, q: ReconcileQuery, usage_types: set[str]
) -> dict[Key, dict[str, Number]]:
    where, args = _where(q, usage=True)
    args.append(sorted(usage_types))
    sums = ", ".join(f"coalesce(sum({m}), 0)::bigint AS {m}" for m in COMPARED_TOKEN_MEASURES)
    rows = await conn.fetch(
        f"SELECT {_DAY_SQL} AS day, project_id, {sums} FROM usage_events{where}"
        f" AND usage_type = ANY(${len(args)}::text[]) GROUP BY 1, 2",
        *args,
    )
    return {(r["day"], r["project_id"]): {m: r[m] for m in COMPARED_TOKEN_MEASURES} for r in rows}


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
    groups, estimated = await _usage(conn, query)
    unpriced_rows, unpriced = _unpriced(groups)
    reported = await _reported_lines(conn, query)
    split = split_reported(query.provider, groups, reported)
    lines = compare(
        "cost",
        estimated,
        {k: {_MONEY: v} for k, v in split.comparable.items()},
        tolerance,
        measures=(_MONEY,),
        unpriced=unpriced_rows,
        not_estimable=split.not_estimable,
        incomplete=split.incomplete_keys,
        project_days=split.project_days,
    )
    if csv is not None:
        sums, usage_types, ids = csv_totals(csv, query)
        if csv.kind == "usage":
            ours = await _tokens(conn, query, usage_types) if usage_types else {}
            check: Check = "tokens"
            measures: tuple[str, ...] = COMPARED_TOKEN_MEASURES
        else:
            ours, check, measures = _reported_totals(reported), "csv_cost", (_MONEY,)
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


# --- rendering -----------------------------------------------------------------------------

_TITLES: dict[Check, tuple[str, str, str]] = {
    "cost": (
        "cost: estimated (usage x price) vs comparable reported (cost lines an estimate covers)",
        "estimated",
        "comparable",
    ),
    "tokens": ("tokens: database vs console CSV", "database", "csv"),
    "csv_cost": ("cost: reported (cost report) vs console CSV", "reported", "csv"),
}


def _plain(value: Number) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _project_json(line: Line) -> str | None:
    return line.project_id if line.per_project else None


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


def _set_aside_json(items: Iterable[SetAside]) -> list[dict[str, Any]]:
    return [
        {
            "day": a.day.isoformat(),
            "project_id": a.project_id,
            "line": a.line,
            "cost_usd": _plain(a.cost_usd),
            "reason": a.reason,
        }
        for a in items
    ]


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
        "status": result.status,
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
            }
            if check == "cost":
                aside = line.not_estimable or Decimal(0)
                row["not_estimable"] = _plain(aside)
                row["reported"] = _plain(Decimal(line.right) + aside)
            row |= {
                "diff": _plain(line.diff) if check != "tokens" else line.diff,
                "diff_pct": None if pct is None else _plain(pct),
                "status": line.status,
            }
            if check == "cost":
                row["unpriced_rows"] = line.unpriced_rows
            rows.append(row)
        out[check] = rows
    out["cost_totals"] = {k: _plain(v) for k, v in cost_totals(result).items()}
    out["not_estimable"] = _set_aside_json(result.not_estimable)
    out["incomplete"] = _set_aside_json(result.incomplete)
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
        cells.append(format(line.not_estimable, number) if line.not_estimable else "")
        cells.append(f"{line.unpriced_rows:,}" if line.unpriced_rows else "")
    return cells


def _table(
    header: list[str], body: list[list[str]], text_columns: int, trailing_text: int = 0
) -> list[str]:
    """Text columns (the first `text_columns` and the last `trailing_text`) left-aligned,
    numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    numbers = range(text_columns, len(header) - trailing_text)

    def fmt(row: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if i in numbers else v.ljust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return [fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in body)]


def _set_aside_table(title: str, items: Sequence[SetAside]) -> list[str]:
    if not items:
        return []
    # amount is the fourth column, right-aligned; the reason after it is text again
    body = [
        [a.day.isoformat(), a.project_id or "(none)", a.line, f"{a.cost_usd:,.4f}", a.reason]
        for a in items
    ]
    return ["", title, *_table(["day", "project", "line", "amount", "reason"], body, 3, 1)]


def _verdict(result: Reconciliation) -> str:
    if result.ok:
        return "OK: every line within tolerance"
    total = len(result.lines)
    diffs = sum(1 for line in result.lines if line.status == "DIFF")
    incomplete = sum(1 for line in result.lines if line.status == "INCOMPLETE")
    parts = []
    if diffs:
        parts.append(f"DIFF: {diffs} of {total} lines outside tolerance")
    if incomplete:
        parts.append(f"INCOMPLETE: {incomplete} of {total} lines cannot be checked")
    return "; ".join(parts)


def render_table(result: Reconciliation) -> str:
    """Aligned columns per check, the cost set aside, the unpriced usage, the notes, the
    cost totals and a one-line verdict."""
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
            header += ["not estimable", "unpriced"]
        out += _table(header, [_cells(line) for line in lines], 3 if check == "tokens" else 2)
    out += _set_aside_table(
        "reported cost that cannot be estimated (listed, not compared):", result.not_estimable
    )
    out += _set_aside_table(
        "estimates that cannot be checked (their lines are INCOMPLETE):", result.incomplete
    )
    if result.unpriced:
        out += ["", "usage rows without a cost (no estimate for them):"]
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
    totals = {k: f"${v:,.4f}" for k, v in cost_totals(result).items()}
    out += [
        "",
        f"cost: estimated {totals['estimated']}; reported {totals['reported']}"
        f" = comparable {totals['comparable']} + not estimable {totals['not_estimable']}",
        f"tolerance: tokens {t.tokens}; money max(${t.usd}, {t.pct}% of the reference)",
        _verdict(result),
    ]
    return "\n".join(out)
