from __future__ import annotations

from decimal import Decimal
from typing import Any

from usage_ledger import COMPARED_TOKEN_MEASURES, Tolerance, compare

from .factories import D1, D2, MONEY, usd


def test_days_compare_overall_and_per_project_only_when_both_sides_have_ids() -> None:
    estimated = usd({(D1, "ws_a"): "10", (D1, None): "5", (D2, "ws_a"): "7"})
    reported = usd({(D1, "ws_a"): "10", (D1, None): "4", (D2, None): "7"})
    lines = compare("cost", estimated, reported, Tolerance(), measures=MONEY)
    summary = [
        (ln.day, ln.per_project, ln.project_id, ln.left, ln.right, ln.status) for ln in lines
    ]
    assert summary == [
        (D1, False, None, Decimal(15), Decimal(14), "DIFF"),
        (D1, True, None, Decimal(5), Decimal(4), "DIFF"),  # null = the default workspace
        (D1, True, "ws_a", Decimal(10), Decimal(10), "OK"),
        # day 2: costs were not grouped by workspace, so only the day is compared
        (D2, False, None, Decimal(7), Decimal(7), "OK"),
    ]


def test_a_side_without_rows_counts_as_zero() -> None:
    lines = compare("cost", usd({(D1, None): "3"}), {}, Tolerance(), measures=MONEY)
    assert [(ln.left, ln.right, ln.diff, ln.diff_pct, ln.status) for ln in lines] == [
        (Decimal(3), Decimal(0), Decimal(3), None, "DIFF")
    ]


def test_unpriced_rows_flag_the_day_but_do_not_decide_its_status() -> None:
    lines = compare(
        "cost",
        usd({(D1, None): "10"}),
        usd({(D1, None): "10.05"}),
        Tolerance(),
        measures=MONEY,
        unpriced={(D1, None): 3, (D2, None): 1},
    )
    assert [(ln.day, ln.unpriced_rows, ln.status) for ln in lines] == [
        (D1, 3, "OK"),
        (D2, 1, "OK"),  # only unpriced usage that day: 0 = 0, flagged
    ]


def test_token_lines_are_per_measure_and_exact_by_default() -> None:
    ours: dict[Any, dict[str, Any]] = {(D1, None): {m: 100 for m in COMPARED_TOKEN_MEASURES}}
    theirs: dict[Any, dict[str, Any]] = {(D1, None): {m: 100 for m in COMPARED_TOKEN_MEASURES}}
    theirs[(D1, None)]["output_tokens"] = 99
    lines = compare("tokens", ours, theirs, Tolerance(), measures=COMPARED_TOKEN_MEASURES)
    assert [(ln.measure, ln.diff, ln.status) for ln in lines] == [
        ("input_tokens", 0, "OK"),
        ("input_uncached_tokens", 0, "OK"),
        ("input_cache_read_tokens", 0, "OK"),
        ("input_cache_write_tokens", 0, "OK"),
        ("output_tokens", 1, "DIFF"),
    ]
    tolerant = compare(
        "tokens", ours, theirs, Tolerance(tokens=1), measures=COMPARED_TOKEN_MEASURES
    )
    assert all(ln.within for ln in tolerant)
