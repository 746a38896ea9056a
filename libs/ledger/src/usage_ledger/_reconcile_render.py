"""`reconcile` output: JSON with money as exact decimal strings, or aligned tables.

Both carry every line of every check, the reported cost set aside (not estimable, and
what makes lines INCOMPLETE), the unpriced usage, the notes and the cost totals; the
table ends with a one-line verdict. Tables round money to 4 places for display only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ._comparison import Line
from ._reconcile import Reconciliation, cost_totals
from ._split import SetAside
from ._types import Check, Number

__all__ = ["render_reconciliation_json", "render_reconciliation_table"]

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


def _line_json(check: Check, line: Line) -> dict[str, Any]:
    _, left, right = _TITLES[check]
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
    return row


def render_reconciliation_json(result: Reconciliation) -> str:
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
        out[check] = [_line_json(check, line) for line in result.lines if line.check == check]
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


def render_reconciliation_table(result: Reconciliation) -> str:
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
