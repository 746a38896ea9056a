"""`report` output: JSON with money as exact strings, or an aligned table with a TOTAL."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from usage_common import USAGE_MEASURES

__all__ = ["render_report_json", "render_report_table"]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    cost = out.get("cost_usd")
    out["cost_usd"] = None if cost is None else str(cost)
    return out


def render_report_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([_jsonable(r) for r in rows], indent=2)


# Column headers: the measure names are too wide for a terminal table.
_SHORT = {
    "input_tokens": "input",
    "input_uncached_tokens": "uncached",
    "input_cache_read_tokens": "cache_read",
    "input_cache_write_tokens": "cache_write",
    "input_cache_write_5m_tokens": "write_5m",
    "input_cache_write_1h_tokens": "write_1h",
    "output_tokens": "output",
    "requests": "requests",
    "web_search_requests": "web_search",
    "cost_usd": "cost_usd",
    "rows_without_cost": "no_cost",
}


def render_report_table(rows: list[dict[str, Any]], by: tuple[str, ...]) -> str:
    """Aligned columns, thousands separators, a TOTAL line; text left, numbers right."""
    if not rows:
        return "no usage in the selected window"
    measures = [*USAGE_MEASURES, "cost_usd", "rows_without_cost"]
    header = [*by, *(_SHORT[m] for m in measures)]
    total: dict[str, Any] = {m: sum(r[m] for r in rows) for m in USAGE_MEASURES}
    costs = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    total["cost_usd"] = sum(costs, Decimal(0)) if costs else None
    total["rows_without_cost"] = sum(r["rows_without_cost"] for r in rows)

    def cells(row: dict[str, Any], label: list[str]) -> list[str]:
        nums = [f"{row[m]:,}" for m in USAGE_MEASURES]
        cost = row["cost_usd"]
        money = "-" if cost is None else f"{cost:,.4f}"
        return [*label, *nums, money, f"{row['rows_without_cost']:,}"]

    body = [cells(r, ["-" if r[b] is None else str(r[b]) for b in by]) for r in rows]
    foot = cells(total, ["TOTAL", *([""] * (len(by) - 1))] if by else [])
    if not by:
        body, foot = [], cells(total, [])
    widths = [max(len(x[i]) for x in [header, *body, foot]) for i in range(len(header))]
    nkeys = len(by)

    def line(values: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i < nkeys else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(b) for b in body), rule, line(foot)])
