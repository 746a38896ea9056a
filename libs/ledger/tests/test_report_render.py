from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from usage_common import USAGE_MEASURES
from usage_ledger import render_report_json, render_report_table


def row(provider: str, tokens: int, cost: str | None, without_cost: int = 0) -> dict[str, Any]:
    return {
        "provider": provider,
        **dict.fromkeys(USAGE_MEASURES, tokens),
        "cost_usd": None if cost is None else Decimal(cost),
        "rows_without_cost": without_cost,
    }


def test_json_carries_money_as_an_exact_string_and_no_cost_as_null() -> None:
    out = json.loads(render_report_json([row("openai", 5, "0.1000000001"), row("x", 0, None)]))
    assert [r["cost_usd"] for r in out] == ["0.1000000001", None]
    assert out[0]["input_tokens"] == 5


def test_the_table_has_a_column_per_measure_and_a_total_line() -> None:
    rows = [row("anthropic", 1_000, "1.5"), row("openai", 234, None, without_cost=2)]
    lines = render_report_table(rows, ("provider",)).splitlines()
    assert lines[0].split() == [
        "provider", "input", "uncached", "cache_read", "cache_write", "write_5m", "write_1h",
        "output", "requests", "web_search", "cost_usd", "no_cost",
    ]  # fmt: skip
    assert lines[2].split()[:2] == ["anthropic", "1,000"]
    assert lines[3].split()[-2:] == ["-", "2"]  # no cost at all: not $0
    assert lines[-1].split() == ["TOTAL", *["1,234"] * len(USAGE_MEASURES), "1.5000", "2"]
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule line up


def test_without_groups_only_the_total_is_shown() -> None:
    lines = render_report_table([row("all", 7, "2")], ()).splitlines()
    assert len(lines) == 4  # header, rule, rule, total
    assert lines[-1].split()[0] == "7"


def test_an_empty_selection_is_said_so() -> None:
    assert render_report_table([], ("provider",)) == "no usage in the selected window"
