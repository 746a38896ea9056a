"""reconcile without a database: tolerance, comparison, the split of reported cost, CSV
totals, rendering, CLI input."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from usage_common import ConfigError, CostEvent, InvalidPayloadError, UsageEvent
from usage_pipeline import reconcile_command
from usage_pipeline.cli import app
from usage_pipeline.reconcile import (
    COMPARED_TOKEN_MEASURES,
    CostSplit,
    CsvData,
    Line,
    ReconcileQuery,
    Reconciliation,
    ReportedCost,
    SetAside,
    Tolerance,
    Unpriced,
    UsageGroup,
    compare,
    cost_totals,
    csv_totals,
    model_key,
    read_csv,
    render_json,
    render_table,
    split_reported,
)

D1, D2 = date(2025, 11, 1), date(2025, 11, 2)
SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)
QUERY = ReconcileQuery("anthropic", SINCE, UNTIL)
MONEY = ("cost_usd",)


def usd(cells: dict[tuple[date, str | None], str]) -> dict[Any, dict[str, Any]]:
    return {k: {"cost_usd": Decimal(v)} for k, v in cells.items()}


# --- tolerance --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimated", "reported", "within"),
    [
        ("100", "100", True),
        ("100.009", "100", True),  # under $0.01
        ("100.50", "100", True),  # $0.50 is 0.5%: under 1%
        ("101", "100", True),  # exactly 1%: not past it
        ("101.01", "100", False),  # past both
        ("1.02", "1", False),  # $0.02 and 2%: past both
        ("1.005", "1", True),  # 0.5%... and $0.005: under both
        ("0.5", "0.495", True),  # 1% but only half a cent
        ("0.005", "0", True),  # nothing reported, half a cent estimated
        ("0.02", "0", False),  # nothing reported: any difference above $0.01
        ("0", "0.02", False),
    ],
)
def test_money_is_a_diff_only_past_both_the_dollar_and_the_percent_tolerance(
    estimated: str, reported: str, within: bool
) -> None:
    diff = Decimal(estimated) - Decimal(reported)
    assert Tolerance().money_within(diff, Decimal(reported)) is within


def test_tolerances_can_be_widened_and_are_validated() -> None:
    assert Tolerance(usd=Decimal(5)).money_within(Decimal(4), Decimal(10))
    assert Tolerance(pct=Decimal(50)).money_within(Decimal(4), Decimal(10))
    assert Tolerance(tokens=3).tokens_within(-3)
    assert not Tolerance().tokens_within(1)
    with pytest.raises(ConfigError, match="tolerance-usd"):
        Tolerance(usd=Decimal(-1))
    with pytest.raises(ConfigError, match="tolerance-tokens"):
        Tolerance(tokens=-1)


def test_a_query_is_validated() -> None:
    with pytest.raises(ConfigError, match="not before"):
        ReconcileQuery("openai", UNTIL, SINCE)
    with pytest.raises(ConfigError, match="unknown provider"):
        ReconcileQuery("azure", SINCE, UNTIL)  # type: ignore[arg-type]
    assert QUERY.notes() == []
    noon = ReconcileQuery("openai", SINCE + timedelta(hours=12), UNTIL)
    assert "not midnight UTC" in noon.notes()[0]


# --- comparison -------------------------------------------------------------------------


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


# --- comparable / not estimable / INCOMPLETE ----------------------------------------------

WS, WS2 = "wrkspc_a", "wrkspc_b"


def group(
    model: str | None,
    project: str | None = WS,
    *,
    usage_type: str = "messages",
    day: date = D1,
    priced: int = 0,
    unpriced: int = 0,
    priced_searches: int = 0,
    unpriced_searches: int = 0,
) -> UsageGroup:
    return UsageGroup(
        day, project, usage_type, model, priced, unpriced, priced_searches, unpriced_searches
    )


def cost(
    amount: str,
    project: str | None = WS,
    day: date = D1,
    *,
    model: str | None = None,
    cost_type: str | None = None,
    line_item: str | None = None,
) -> ReportedCost:
    return ReportedCost(day, project, Decimal(amount), model, cost_type, line_item)


def aside(split: CostSplit) -> list[tuple[Any, ...]]:
    return [(a.project_id, a.line, a.cost_usd, a.reason) for a in split.not_estimable_lines]


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("GPT-4o", "gpt-4o"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),  # no date: unchanged
        ("o1-2024-12", "o1-2024-12"),  # not a full date
    ],
)
def test_model_ids_match_without_their_date(model: str, key: str) -> None:
    assert model_key(model) == key


def test_anthropic_token_lines_are_comparable_only_with_priced_usage_of_their_model() -> None:
    usage = [
        group("claude-opus-5", priced=3),
        group("claude-3-5-haiku-20241022", priced=1),
        group("claude-experimental-1", unpriced=2),
    ]
    reported = [
        cost("10", model="claude-opus-5", cost_type="tokens"),
        cost("1", model="claude-3-5-haiku", cost_type="tokens"),  # undated id: same model
        cost("4", model="claude-experimental-1", cost_type="tokens"),  # known to no price
        cost("0.5", model="claude-haiku-4-5", cost_type="tokens"),  # no usage at all
        cost("0.25", cost_type="code_execution", line_item="Code Execution Usage"),
        cost("0.125", cost_type="session_usage"),
    ]
    split = split_reported("anthropic", usage, reported)
    assert split.comparable == {(D1, WS): Decimal(11)}
    assert split.not_estimable == {(D1, WS): Decimal("4.875")}
    assert aside(split) == [
        (WS, "claude-experimental-1", Decimal(4), "no price for model claude-experimental-1"),
        (WS, "claude-haiku-4-5", Decimal("0.5"), "no usage rows of model claude-haiku-4-5"),
        (WS, "code_execution", Decimal("0.25"), "code execution has no usage to estimate from"),
        (WS, "session_usage", Decimal("0.125"), "session usage has no usage to estimate from"),
    ]
    assert split.incomplete == ()


def test_a_web_search_line_is_comparable_with_priced_searches_and_incomplete_when_mixed() -> None:
    usage = [
        # WS: priced searches only -> comparable
        group("claude-opus-5", priced=2, priced_searches=1),
        # WS2: priced and unpriced searches -> the one line cannot be split
        group("claude-opus-5", WS2, priced=2, priced_searches=2),
        group("claude-experimental-1", WS2, unpriced=1, unpriced_searches=1),
        # default workspace: unpriced searches only -> not estimable
        group("claude-experimental-1", None, unpriced=3, unpriced_searches=2),
        group("claude-opus-5", None, priced=1),  # priced, but no searches
    ]
    reported = [
        cost("1", cost_type="web_search", line_item="Web Search Usage"),
        cost("2", WS2, cost_type="web_search", line_item="Web Search Usage"),
        cost("3", None, cost_type="web_search", line_item="Web Search Usage"),
    ]
    split = split_reported("anthropic", usage, reported)
    assert split.comparable == {(D1, WS): Decimal(1), (D1, WS2): Decimal(2)}
    assert aside(split) == [
        (None, "web_search", Decimal(3),
         "web searches of unpriced usage only (claude-experimental-1)"),
    ]  # fmt: skip
    assert [(i.project_id, i.line, i.cost_usd) for i in split.incomplete] == [
        (WS2, "web_search", Decimal(2))
    ]
    assert "cannot be split (unpriced: claude-experimental-1)" in split.incomplete[0].reason
    assert split.incomplete_keys == {(D1, WS2)}


def test_a_web_search_line_without_priced_searches_is_not_estimable() -> None:
    usage = [group("claude-opus-5", priced=2)]  # priority-tier searches are not counted
    split = split_reported("anthropic", usage, [cost("1", cost_type="web_search")])
    assert aside(split) == [(WS, "web_search", Decimal(1), "no priced usage with web searches")]


def test_openai_lines_match_the_model_before_the_comma_and_the_kind_of_the_label() -> None:
    usage = [
        group("gpt-4o", usage_type="completions", priced=4),  # undated id in usage
        group("gpt-4o-2024-08-06", usage_type="web_search_calls", unpriced=2),
        group("text-embedding-3-small", usage_type="embeddings", priced=1),
        group("tts-1", usage_type="audio_speeches", priced=1),
        group("gpt-image-1", usage_type="images", unpriced=1),
        group("gpt-internal-preview", usage_type="completions", unpriced=1),
        group(None, usage_type="code_interpreter_sessions", unpriced=1),
    ]
    reported = [
        cost("5", line_item="gpt-4o-2024-08-06, input"),
        cost("2", line_item="gpt-4o-2024-08-06, batch cached input"),
        cost("1", line_item="text-embedding-3-small, input"),
        cost("0.5", line_item="tts-1, characters"),
        # a priced completions row of gpt-4o does not make its tool calls comparable
        cost("7", line_item="gpt-4o-2024-08-06, web search tool calls"),
        cost("3", line_item="gpt-image-1, images 1024x1024"),
        cost("0.75", line_item="gpt-internal-preview, output"),
        cost("0.03", line_item="code interpreter sessions"),
        cost("0.01", line_item="whisper-1, audio"),  # no transcription usage
    ]
    split = split_reported("openai", usage, reported)
    assert split.comparable == {(D1, WS): Decimal("8.5")}
    assert aside(split) == [
        (WS, "code interpreter sessions", Decimal("0.03"),
         "not model usage: the estimator does not price it"),
        (WS, "gpt-4o-2024-08-06, web search tool calls", Decimal(7),
         "no price for web_search_calls of model gpt-4o-2024-08-06"),
        (WS, "gpt-image-1, images 1024x1024", Decimal(3),
         "no price for images of model gpt-image-1"),
        (WS, "gpt-internal-preview, output", Decimal("0.75"),
         "no price for model gpt-internal-preview"),
        (WS, "whisper-1, audio", Decimal("0.01"),
         "no audio_transcriptions rows of model whisper-1"),
    ]  # fmt: skip


def test_lines_without_a_description_cannot_be_split() -> None:
    usage = [group("gpt-4o", usage_type="completions", priced=1)]
    split = split_reported("openai", usage, [cost("9")])
    assert split.comparable == {(D1, WS): Decimal(9)}  # counted, but its cell is INCOMPLETE
    assert [(i.line, i.cost_usd) for i in split.incomplete] == [("(no line item)", Decimal(9))]
    split = split_reported("anthropic", [group("claude-opus-5", priced=1)], [cost("9")])
    assert split.incomplete_keys == {(D1, WS)}


def test_the_scope_is_the_project_when_both_sides_have_ids_else_the_whole_day() -> None:
    usage = [
        group("claude-opus-5", WS, priced=1),
        group("claude-opus-5", WS, priced=1, day=D2),
    ]
    reported = [
        # day 1 is compared per project: the default workspace (null) is its own project
        cost("1", WS, model="claude-opus-5", cost_type="tokens"),
        cost("2", None, model="claude-opus-5", cost_type="tokens"),
        # day 2: costs not grouped by workspace -> matched against the whole day's usage
        cost("3", None, D2, model="claude-opus-5", cost_type="tokens"),
    ]
    split = split_reported("anthropic", usage, reported)
    assert split.project_days == {D1}
    assert split.comparable == {(D1, WS): Decimal(1), (D2, None): Decimal(3)}
    assert aside(split) == [
        (None, "claude-opus-5", Decimal(2), "no usage rows of model claude-opus-5")
    ]


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


# --- console CSV --------------------------------------------------------------------------


def fake_reader(
    provider: str, kind: str, text: str, *, organization_id: str, fetched_at: datetime
) -> list[UsageEvent | CostEvent]:
    """Stands in for usage_normalizer.console_csv.read_csv_events: a tiny format of its own.

    usage: day,workspace,uncached,read,write,output   cost: day,workspace,cost_usd
    A workspace written `name:<x>` is a name, as the real reader marks them.
    """
    rows = list(csv.DictReader(io.StringIO(text)))
    wanted = {"usage": "uncached", "cost": "cost_usd"}[kind]
    if not rows or wanted not in rows[0]:
        raise InvalidPayloadError(f"not a {kind} export: no {wanted} column")
    events: list[UsageEvent | CostEvent] = []
    for row in rows:
        start = datetime.fromisoformat(row["day"]).replace(tzinfo=UTC)
        workspace = row["workspace"] or None
        dims = {}
        if workspace and workspace.startswith("name:"):
            workspace = workspace.removeprefix("name:")
            dims = {"workspace_name": workspace}
        common: dict[str, Any] = {
            "provider": provider,
            "organization_id": organization_id,
            "source": "console_csv",
            "bucket_width": "1d",
            "window_start": start,
            "window_end": start + timedelta(days=1),
            "project_id": workspace,
            "dimensions": dims,
            "fetched_at": fetched_at,
        }
        if kind == "cost":
            amount = row["cost_usd"]
            events.append(CostEvent(**common, cost_usd=Decimal(amount), amount_reported=amount))
            continue
        u, r, w, o = (int(row[c]) for c in ("uncached", "read", "write", "output"))
        events.append(
            UsageEvent(
                **common,
                usage_type="messages",
                model="claude-opus-5",
                input_tokens=u + r + w,
                input_uncached_tokens=u,
                input_cache_read_tokens=r,
                input_cache_write_tokens=w,
                input_cache_write_5m_tokens=0,
                input_cache_write_1h_tokens=0,
                output_tokens=o,
            )
        )
    return events


USAGE_CSV = (
    "day,workspace,uncached,read,write,output\n"
    "2025-11-01,,100,10,5,50\n"
    "2025-11-01,ws_a,1,0,0,1\n"
    "2025-11-02,,7,0,0,7\n"
    "2025-11-03,,999,0,0,999\n"  # outside [since, until)
)
FETCHED = datetime(2025, 11, 5, tzinfo=UTC)


def read(text: str, kind: Any = None) -> CsvData:
    got, events = read_csv(
        fake_reader, "anthropic", text, kind=kind, organization_id="org", fetched_at=FETCHED
    )
    return CsvData(got, tuple(events))


def test_a_csv_is_read_as_usage_or_else_as_cost() -> None:
    assert read(USAGE_CSV).kind == "usage"
    assert read("day,workspace,cost_usd\n2025-11-01,,1.5\n").kind == "cost"
    with pytest.raises(
        InvalidPayloadError,
        match=r"usage export: not a usage.*; nor as the anthropic cost export: not",
    ):
        read("a,b\n1,2\n")
    with pytest.raises(InvalidPayloadError, match="usage export"):
        read("day,workspace,cost_usd\n2025-11-01,,1.5\n", kind="usage")


def test_csv_totals_sum_per_day_and_project_inside_the_selection() -> None:
    sums, usage_types, ids = csv_totals(read(USAGE_CSV), QUERY)
    assert usage_types == {"messages"}
    assert ids is True
    assert sums == {
        (D1, None): dict(zip(COMPARED_TOKEN_MEASURES, (115, 100, 10, 5, 50), strict=True)),
        (D1, "ws_a"): dict(zip(COMPARED_TOKEN_MEASURES, (1, 1, 0, 0, 1), strict=True)),
        (D2, None): dict(zip(COMPARED_TOKEN_MEASURES, (7, 7, 0, 0, 7), strict=True)),
    }


def test_csv_rows_that_name_their_workspace_cannot_be_matched_to_ids() -> None:
    _, _, ids = csv_totals(read("day,workspace,cost_usd\n2025-11-01,name:Prod,1\n"), QUERY)
    assert ids is False


def test_a_csv_of_another_provider_is_refused() -> None:
    data = read(USAGE_CSV)
    with pytest.raises(InvalidPayloadError, match="anthropic rows, not openai"):
        csv_totals(data, ReconcileQuery("openai", SINCE, UNTIL))


# --- rendering ----------------------------------------------------------------------------


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
    out = json.loads(render_json(result()))
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
    text = render_table(result())
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
    text = render_table(res)
    assert "INCOMPLETE" in next(ln for ln in text.splitlines() if ln.startswith("2025-11-01"))
    assert "estimates that cannot be checked" in text
    assert text.splitlines()[-1] == "INCOMPLETE: 1 of 1 lines cannot be checked"
    body = json.loads(render_json(res))
    assert body["status"] == "INCOMPLETE"
    assert body["incomplete"][0]["line"] == "web_search"


def test_an_empty_selection_is_said_so() -> None:
    empty = Reconciliation(QUERY, Tolerance(), ())
    assert "no usage or cost rows" in render_table(empty)
    assert empty.exit_code == 0


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


# --- the command's input handling (no database reached) ------------------------------------

runner = CliRunner()
BASE = ["reconcile", "--provider", "anthropic", "--since", "2025-11-01", "--until", "2025-11-03"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since/--until"),
        (["--until", "2025-10-01"], "not before"),
        (["--tolerance-pct", "lots"], "--tolerance-pct"),
        (["--tolerance-usd", "-1"], "--tolerance-usd"),
        (["--tolerance-tokens", "-1"], "tolerance-tokens"),
        (["--provider", "azure"], "provider"),
        (["--against-csv", "/nonexistent/file.csv"], "--against-csv"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    out = runner.invoke(
        app, [*BASE, *args], env={"USAGE_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}
    )
    assert out.exit_code == 2, out.output
    assert message in out.output


def test_an_unreadable_csv_exits_2_with_the_readers_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconcile_command, "load_csv_reader", lambda: fake_reader)
    bad = tmp_path / "export.csv"
    bad.write_text("a,b\n1,2\n")
    out = runner.invoke(app, [*BASE, "--against-csv", str(bad)])
    assert out.exit_code == 2
    assert "no uncached column" in out.output


def test_an_unreachable_database_exits_3_not_1(tmp_path: Path) -> None:
    out = runner.invoke(app, BASE, env={"USAGE_DATABASE_URL": "postgresql://u@127.0.0.1:1/db"})
    assert out.exit_code == 3, out.output
    assert "database" in out.output
