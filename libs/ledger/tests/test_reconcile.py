"""The checks put together without a database: split, compare, the result's status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from usage_ledger import (
    CostSplit,
    Line,
    Reconciliation,
    Tolerance,
    compare,
    cost_totals,
    split_reported,
)

from .factories import D1, MONEY, QUERY, WS, WS2, cost, group, usd


def cost_lines(split: CostSplit, estimated: dict[Any, str]) -> list[Line]:
    return compare(
        "cost",
        usd(estimated),
        {k: {"cost_usd": v} for k, v in split.comparable.items()},
        Tolerance(),
        measures=MONEY,
        not_estimable=split.not_estimable,
        incomplete=split.incomplete_keys,
        project_days=split.project_days,
    )


def test_cost_lines_compare_the_comparable_part_and_show_the_rest() -> None:
    usage = [
        group("claude-opus-5", WS, priced=1, priced_searches=1),
        group("claude-experimental-1", WS, unpriced=1, unpriced_searches=1),
        group("claude-opus-5", WS2, priced=1),
        group("claude-experimental-1", WS2, unpriced=1),
    ]
    reported = [
        cost("10", WS, model="claude-opus-5", cost_type="tokens"),
        cost("1", WS, cost_type="web_search"),
        cost("5", WS2, model="claude-opus-5", cost_type="tokens"),
        cost("4", WS2, model="claude-experimental-1", cost_type="tokens"),
    ]
    split = split_reported("anthropic", usage, reported)
    lines = cost_lines(split, {(D1, WS): "11", (D1, WS2): "5"})
    assert [
        (ln.per_project, ln.project_id, ln.left, ln.right, ln.not_estimable, ln.status)
        for ln in lines
    ] == [
        (False, None, Decimal(16), Decimal(16), Decimal(4), "INCOMPLETE"),
        (True, WS, Decimal(11), Decimal(11), Decimal(0), "INCOMPLETE"),  # within, unchecked
        (True, WS2, Decimal(5), Decimal(5), Decimal(4), "OK"),
    ]
    result = Reconciliation(
        QUERY, Tolerance(), tuple(lines), (), None, (),
        split.not_estimable_lines, split.incomplete,
    )  # fmt: skip
    assert result.status == "INCOMPLETE"
    assert result.exit_code == 1  # an estimate that cannot be checked does not pass
    assert cost_totals(result) == {
        "estimated": Decimal(16),
        "comparable": Decimal(16),
        "not_estimable": Decimal(4),
        "reported": Decimal(20),
    }


def test_not_estimable_cost_does_not_hide_a_real_difference() -> None:
    usage = [group("claude-opus-5", priced=1), group("claude-experimental-1", unpriced=1)]
    reported = [
        cost("15", model="claude-opus-5", cost_type="tokens"),  # $5 above the estimate
        cost("4", model="claude-experimental-1", cost_type="tokens"),
    ]
    lines = cost_lines(split_reported("anthropic", usage, reported), {(D1, WS): "10"})
    assert [(ln.diff, ln.not_estimable, ln.status) for ln in lines] == [
        (Decimal(-5), Decimal(4), "DIFF"),
        (Decimal(-5), Decimal(4), "DIFF"),
    ]


def test_exit_code_is_one_when_any_line_is_a_diff_or_incomplete() -> None:
    ok = Line("cost", D1, None, False, "cost_usd", Decimal(1), Decimal(1), True)
    bad = Line("cost", D1, "p", True, "cost_usd", Decimal(2), Decimal(1), False)
    unchecked = Line("cost", D1, "q", True, "cost_usd", Decimal(1), Decimal(1), True,
                     incomplete=True)  # fmt: skip
    assert Reconciliation(QUERY, Tolerance(), (ok,)).exit_code == 0
    assert Reconciliation(QUERY, Tolerance(), (ok, bad)).exit_code == 1
    assert Reconciliation(QUERY, Tolerance(), (ok, unchecked)).exit_code == 1
    both = Reconciliation(QUERY, Tolerance(), (ok, bad, unchecked))
    assert both.status == "DIFF"  # a DIFF names the result before an INCOMPLETE
