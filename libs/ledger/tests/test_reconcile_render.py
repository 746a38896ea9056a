from __future__ import annotations

import json
from decimal import Decimal

from usage_ledger import (
    COMPARED_TOKEN_MEASURES,
    Line,
    Reconciliation,
    SetAside,
    Tolerance,
    Unpriced,
    compare,
    render_reconciliation_json,
    render_reconciliation_table,
)

from .factories import D1, D2, MONEY, QUERY, usd

NOT_ESTIMABLE = (
    SetAside(D1, None, "code_execution", "code execution has no usage to estimate from",
             Decimal("0.75")),
)  # fmt: skip


def result() -> Reconciliation:
    lines = compare(
        "cost",
        usd({(D1, None): "12.3456789", (D2, None): "1"}),
        usd({(D1, None): "12.5", (D2, None): "1"}),
        Tolerance(),
        measures=MONEY,
        unpriced={(D1, None): 2},
        not_estimable={(D1, None): Decimal("0.75")},
    )
    lines += compare(
        "tokens",
        {(D1, None): {m: 1000 for m in COMPARED_TOKEN_MEASURES}},
        {(D1, None): {m: 1000 for m in COMPARED_TOKEN_MEASURES}},
        Tolerance(),
        measures=COMPARED_TOKEN_MEASURES,
    )
    unpriced = (Unpriced(D1, None, "vector_stores", None, 2),)
    return Reconciliation(QUERY, Tolerance(), tuple(lines), unpriced, "usage", (), NOT_ESTIMABLE)


def test_json_carries_money_as_exact_strings_and_every_line() -> None:
    out = json.loads(render_reconciliation_json(result()))
    assert out["status"] == "DIFF"
    assert out["tolerance"] == {"tokens": 0, "pct": "1", "usd": "0.01"}
    assert out["cost"][0] == {
        "day": "2025-11-01",
        "scope": "day",
        "project_id": None,
        "estimated": "12.3456789",
        "comparable": "12.5",
        "not_estimable": "0.75",
        "reported": "13.25",  # comparable + not estimable
        "diff": "-0.1543211",  # estimated - comparable
        "diff_pct": "-1.23",
        "status": "DIFF",
        "unpriced_rows": 2,
    }
    assert out["cost"][1]["not_estimable"] == "0"
    assert out["cost_totals"] == {
        "estimated": "13.3456789",
        "comparable": "13.5",
        "not_estimable": "0.75",
        "reported": "14.25",
    }
    assert out["not_estimable"] == [
        {"day": "2025-11-01", "project_id": None, "line": "code_execution", "cost_usd": "0.75",
         "reason": "code execution has no usage to estimate from"}
    ]  # fmt: skip
    assert out["incomplete"] == []
    assert len(out["tokens"]) == len(COMPARED_TOKEN_MEASURES)
    assert out["tokens"][0]["database"] == 1000  # tokens stay integers
    assert out["unpriced"] == [
        {"day": "2025-11-01", "project_id": None, "usage_type": "vector_stores", "model": None,
         "rows": 2}
    ]  # fmt: skip
    assert "csv_cost" not in out


def test_the_table_is_aligned_and_ends_with_a_verdict() -> None:
    text = render_reconciliation_table(result())
    lines = text.splitlines()
    header = next(ln for ln in lines if ln.startswith("day  "))
    row = next(ln for ln in lines if ln.startswith("2025-11-01  (all)"))
    assert header.split() == [
        "day", "project", "estimated", "comparable", "diff", "diff", "%", "status", "not",
        "estimable", "unpriced",
    ]  # fmt: skip
    assert row.split() == ["2025-11-01", "(all)", "12.3457", "12.5000", "-0.1543", "-1.23%",
                           "DIFF", "0.7500", "2"]  # fmt: skip
    assert len(header) >= len(row.rstrip())  # right-aligned numbers end under their header
    assert "vector_stores" in text
    listed = next(ln for ln in lines if "code_execution" in ln)
    assert listed.split(maxsplit=4) == [
        "2025-11-01", "(none)", "code_execution", "0.7500",
        "code execution has no usage to estimate from",
    ]  # fmt: skip
    assert lines[-3] == (
        "cost: estimated $13.3457; reported $14.2500 = comparable $13.5000 + not estimable $0.7500"
    )
    assert lines[-1] == "DIFF: 1 of 7 lines outside tolerance"


def test_an_incomplete_line_is_named_in_the_table_and_the_verdict() -> None:
    line = Line("cost", D1, None, False, "cost_usd", Decimal(1), Decimal(1), True,
                not_estimable=Decimal(0), incomplete=True)  # fmt: skip
    why = SetAside(D1, None, "web_search", "web searches ... cannot be split", Decimal(1))
    res = Reconciliation(QUERY, Tolerance(), (line,), incomplete=(why,))
    text = render_reconciliation_table(res)
    assert "INCOMPLETE" in next(ln for ln in text.splitlines() if ln.startswith("2025-11-01"))
    assert "estimates that cannot be checked" in text
    assert text.splitlines()[-1] == "INCOMPLETE: 1 of 1 lines cannot be checked"
    body = json.loads(render_reconciliation_json(res))
    assert body["status"] == "INCOMPLETE"
    assert body["incomplete"][0]["line"] == "web_search"


def test_an_empty_selection_is_said_so() -> None:
    empty = Reconciliation(QUERY, Tolerance(), ())
    assert "no usage or cost rows" in render_reconciliation_table(empty)
    assert empty.exit_code == 0
