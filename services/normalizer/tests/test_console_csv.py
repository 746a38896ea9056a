"""Console CSV exports: every header version and quirk, and every way a file is refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from usage_common import CostEvent, InvalidPayloadError, RawPage, UsageEvent, dedupe_key
from usage_normalizer.console_csv import (
    CSV_MAPPERS,
    FORMATS,
    detect_export,
    model_id,
    read_csv_events,
    read_csv_export,
)

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
FETCHED = datetime(2026, 9, 1, tzinfo=UTC)
DAY = datetime(2026, 8, 5, tzinfo=UTC)


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def usage(provider: str, body: str) -> list[UsageEvent]:
    events = read_csv_events(provider, "usage", body, organization_id="org", fetched_at=FETCHED)
    assert all(isinstance(e, UsageEvent) for e in events)
    return [e for e in events if isinstance(e, UsageEvent)]


def costs(provider: str, body: str) -> list[CostEvent]:
    events = read_csv_events(provider, "cost", body, organization_id="org", fetched_at=FETCHED)
    assert all(isinstance(e, CostEvent) for e in events)
    return [e for e in events if isinstance(e, CostEvent)]


def total(events: list[UsageEvent], field: str) -> int:
    return sum(getattr(e, field) for e in events)


def refused(provider: str, kind: str, body: str) -> str:
    with pytest.raises(InvalidPayloadError) as info:
        read_csv_events(provider, kind, body, organization_id="org", fetched_at=FETCHED)
    return str(info.value)


def replace_cell(body: str, row: int, column: str, value: str) -> str:
    """Set one cell; `row` is the file line number (the header is 1)."""
    lines = list(csv.reader(io.StringIO(body)))
    lines[row - 1][lines[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue()


# --- detection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "provider", "kind", "version"),
    [
        ("anthropic_usage_v1.csv", "anthropic", "usage", "v1"),
        ("anthropic_usage_v2.csv", "anthropic", "usage", "v2"),
        ("anthropic_usage_v3.csv", "anthropic", "usage", "v3"),
        ("anthropic_cost_v1.csv", "anthropic", "cost", "v1"),
        ("anthropic_cost_v2.csv", "anthropic", "cost", "v2"),
        ("anthropic_cost_v3.csv", "anthropic", "cost", "v3"),
        ("anthropic_cost_v4.csv", "anthropic", "cost", "v4"),
        ("openai_usage_v1.csv", "openai", "usage", "v1"),
        ("openai_usage_v2.csv", "openai", "usage", "v2"),
        ("openai_cost_v1.csv", "openai", "cost", "v1"),
        ("openai_cost_v2.csv", "openai", "cost", "v2"),
    ],
)
def test_every_header_version_is_recognized(
    name: str, provider: str, kind: str, version: str
) -> None:
    header = text(name).splitlines()[0].split(",")
    detected = detect_export(header)
    assert (detected.format.provider, detected.format.kind) == (provider, kind)
    assert detected.version == version
    export = read_csv_export(provider, kind, text(name), organization_id="o", fetched_at=FETCHED)
    assert export.detected.version == version


def test_every_listed_version_is_a_known_column_set() -> None:
    for fmt in FORMATS.values():
        for version in fmt.versions:
            assert not fmt.problems(frozenset(version.columns)), (fmt.title, version.name)


def test_a_header_of_known_columns_in_another_order_or_combination_is_read() -> None:
    body = (
        "usage_date_utc,model,workspace,api_key,usage_type,token_type,cost_usd,speed\n"
        "2026-08-05,Claude Opus 5,Default,k,message,output,1.00,fast\n"
    )
    export = read_csv_export("anthropic", "cost", body, organization_id="o", fetched_at=FETCHED)
    assert export.detected.version is None
    assert [e.dimensions for e in export.events] == [
        {"api_key_name": "k", "speed": "fast", "usage_type": "message"}
    ]


# --- Anthropic usage --------------------------------------------------------------------


def test_anthropic_usage_current_header() -> None:
    events = usage("anthropic", text("anthropic_usage_v3.csv"))
    assert len(events) == 4
    assert total(events, "input_uncached_tokens") == 46981 + 1200 + 10 + 100
    assert total(events, "input_cache_write_5m_tokens") == 15969 + 20
    assert total(events, "input_cache_write_1h_tokens") == 300 + 30
    assert total(events, "input_cache_write_tokens") == 15969 + 20 + 300 + 30
    assert total(events, "input_cache_read_tokens") == 5000 + 40
    assert total(events, "input_tokens") == 48291 + 15989 + 330 + 5040
    assert total(events, "output_tokens") == 16932 + 800 + 50 + 25
    assert sum(e.web_search_requests or 0 for e in events) == 2
    assert all(e.requests is None for e in events)  # Anthropic has no request count

    first, big, code, workbench = events
    assert first.source == "console_csv" and first.usage_type == "messages"
    assert (first.bucket_width, first.window_start, first.window_end) == (
        "1d",
        DAY,
        DAY + timedelta(days=1),
    )
    # Names stand in for ids and say so; the default workspace is null, as in the API.
    assert (first.api_key_id, first.project_id) == ("Closer App", None)
    assert first.dimensions == {"api_key_name": "Closer App"}
    assert (first.context_window, big.context_window) == ("0-200k", "200k-1M")
    assert (first.service_tier, first.inference_geo, first.model) == (
        "standard",
        "global",
        "claude-opus-5",
    )
    assert code.project_id == "Team, Primary"
    assert code.dimensions == {
        "api_key_name": "claude_code_key_ana_x1y2",
        "workspace_name": "Team, Primary",
    }
    assert (code.service_tier, code.input_uncached_tokens) == ("batch", 10)  # written 10.0
    assert (workbench.api_key_id, workbench.project_id) == (None, None)
    assert workbench.dimensions == {"speed": "fast"}
    assert workbench.inference_geo == "us"


def test_anthropic_usage_2025_06_header_has_no_window_geo_or_speed() -> None:
    events = usage("anthropic", text("anthropic_usage_v2.csv"))
    assert [(e.context_window, e.inference_geo) for e in events] == [(None, None)] * 3
    assert total(events, "input_tokens") == 8 + (1000 + 200 + 100 + 3000) + 500
    assert total(events, "input_cache_write_5m_tokens") == 200
    assert total(events, "input_cache_write_1h_tokens") == 100
    assert total(events, "output_tokens") == 1 + 400 + 250
    assert [e.service_tier for e in events] == ["standard", "standard", "batch"]
    assert events[0].project_id == "Claude Code"


def test_anthropic_usage_oldest_header_keeps_the_cache_write_unsplit() -> None:
    events = usage("anthropic", text("anthropic_usage_v1.csv"))
    first, second = events
    assert first.input_cache_write_tokens == 700
    assert (first.input_cache_write_5m_tokens, first.input_cache_write_1h_tokens) == (0, 0)
    assert first.input_tokens == 2000 + 700 + 9000
    assert (second.api_key_id, second.project_id, second.dimensions) == (None, None, {})


def test_anthropic_hourly_export_gives_hour_buckets() -> None:
    events = usage("anthropic", text("anthropic_usage_hourly.csv"))
    assert [(e.bucket_width, e.window_start.hour, e.window_end.hour) for e in events] == [
        ("1h", 2, 3),
        ("1h", 3, 4),
    ]
    assert total(events, "input_tokens") == 1124832 + 506280


def test_anthropic_minute_timestamps_give_minute_buckets_and_a_chunk_keeps_the_file_width() -> None:
    body = text("anthropic_usage_hourly.csv").replace("03:00", "02:01")
    export = read_csv_export("anthropic", "usage", body, organization_id="o", fetched_at=FETCHED)
    assert export.bucket_width == "1m"
    # The first row alone would look hourly; the file's width travels with the chunk.
    chunk = export.chunks(max_rows=1)[0]
    alone = read_csv_export(
        "anthropic", "usage", chunk.text, organization_id="o", fetched_at=FETCHED
    )
    assert alone.bucket_width == "1h"
    kept = read_csv_export(
        "anthropic", "usage", chunk.text, organization_id="o", fetched_at=FETCHED, bucket_width="1m"
    )
    assert [e.window_end - e.window_start for e in kept.events] == [timedelta(minutes=1)]


def test_two_keys_with_one_name_are_summed() -> None:
    (event,) = usage("anthropic", text("anthropic_usage_same_key_name.csv"))
    assert (event.input_uncached_tokens, event.input_cache_write_5m_tokens) == (300, 10)
    assert (event.input_cache_write_1h_tokens, event.input_cache_read_tokens) == (20, 5)
    assert (event.input_tokens, event.output_tokens, event.web_search_requests) == (335, 120, 1)


def test_identical_rows_are_refused_even_when_keyed_by_name() -> None:
    body = text("anthropic_usage_v3.csv")
    lines = body.splitlines()
    message = refused("anthropic", "usage", "\n".join([*lines, lines[1]]) + "\n")
    assert message.startswith("rows 2 and 6 are identical")


# --- Anthropic cost ---------------------------------------------------------------------


def test_anthropic_cost_2024_12_header() -> None:
    events = costs("anthropic", text("anthropic_cost_v1.csv"))
    assert sum(e.cost_usd for e in events) == Decimal("1.2875")
    assert [e.model for e in events] == [
        "claude-3-5-sonnet-20241022",
        "claude-3-5-sonnet-20241022",
        "claude-3-5-haiku",
    ]
    first = events[0]
    assert (first.project_id, first.api_key_id) == (None, "Stéphane")  # empty = default
    assert first.dimensions == {"api_key_name": "Stéphane", "usage_type": "message"}
    # No cost_type column: a row with a token type is a token cost, as in the API.
    assert [e.cost_type for e in events] == ["tokens"] * 3
    assert [e.token_type for e in events] == [
        "uncached_input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
    ]
    assert first.list_price_usd is None and first.context_window is None
    assert (first.currency, first.amount_reported, first.bucket_width) == ("USD", "0.00", "1d")
    assert events[2].project_id == "Research"


def test_anthropic_cost_with_context_window_and_cost_type() -> None:
    events = costs("anthropic", text("anthropic_cost_v2.csv"))
    assert sum(e.cost_usd for e in events) == Decimal("2.93")
    assert [e.model for e in events] == [
        "claude-haiku-4-5",
        "claude-haiku-4-5",
        "claude-3-7-sonnet",
        None,
    ]
    assert [e.token_type for e in events] == [
        "uncached_input_tokens",
        "cache_creation.ephemeral_5m_input_tokens",
        "output_tokens",
        None,
    ]
    assert [e.cost_type for e in events] == ["tokens", "tokens", "tokens", "web_search"]
    assert [e.context_window for e in events] == ["0-200k", "0-200k", "200k-1M", None]


def test_anthropic_cost_with_list_price_geo_and_speed() -> None:
    events = costs("anthropic", text("anthropic_cost_v3.csv"))
    assert sum(e.cost_usd for e in events) == Decimal("4.00")
    assert sum(e.list_price_usd or 0 for e in events) == Decimal("4.40")
    last = events[-1]
    assert last.token_type == "cache_creation.ephemeral_1h_input_tokens"
    assert (last.model, last.inference_geo, last.dimensions["speed"]) == (
        "claude-sonnet-4-6",
        "us",
        "fast",
    )


def test_anthropic_cost_newest_header_uses_the_key_id() -> None:
    events = costs("anthropic", text("anthropic_cost_v4.csv"))
    assert sum(e.cost_usd for e in events) == Decimal("12.8256781")
    assert sum(e.list_price_usd or 0 for e in events) == Decimal("13.7256781")
    first = events[0]
    assert (first.api_key_id, first.project_id) == ("apikey_01AAA", None)
    assert first.dimensions == {"usage_type": "message"}  # no name: the id is there
    assert [e.model for e in events[:4]] == [
        "claude-haiku-4-5",
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
        "claude-opus-4-5",
    ]
    opus = events[5]
    assert (opus.model, opus.project_id, opus.context_window) == (
        "claude-opus-5",
        "Research",
        "200k-1M",
    )
    assert opus.dimensions == {
        "workspace_name": "Research",
        "speed": "fast",
        "usage_type": "message",
    }
    assert (events[6].cost_type, events[6].token_type, events[6].model) == (
        "code_execution",
        None,
        None,
    )
    assert events[4].cost_usd == Decimal("0.0000001")  # exact, never through float


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Claude Haiku 4.5", "claude-haiku-4-5"),
        ("Claude Opus 5", "claude-opus-5"),
        ("Claude Sonnet 4", "claude-sonnet-4"),
        ("Claude Opus 4.1", "claude-opus-4-1"),
        ("Claude 3.5 Sonnet", "claude-3-5-sonnet"),
        ("Claude 3.5 Sonnet 2024-10-22", "claude-3-5-sonnet-20241022"),
        ("Claude Sonnet 3.7", "claude-3-7-sonnet"),
        ("Claude Haiku 3", "claude-3-haiku"),
        ("Claude Instant 1.2", "claude-instant-1.2"),
        ("Claude  Opus   4.5", "claude-opus-4-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001"),
        ("", None),
        (None, None),
    ],
)
def test_model_display_names_become_ids(name: str | None, expected: str | None) -> None:
    assert model_id(name) == expected


# --- OpenAI usage -----------------------------------------------------------------------


def test_openai_usage_export_with_floats_flags_and_empty_buckets() -> None:
    export = read_csv_export(
        "openai", "usage", text("openai_usage_v1.csv"), organization_id="o", fetched_at=FETCHED
    )
    assert (export.rows, len(export.events), export.bucket_width) == (4, 3, "1d")
    events = [e for e in export.events if isinstance(e, UsageEvent)]
    assert total(events, "input_tokens") == 59200 + 1000 + 800
    assert total(events, "input_cache_read_tokens") == 5760 + 300
    assert total(events, "input_uncached_tokens") == 53440 + 1000 + 500
    assert total(events, "input_cache_write_tokens") == 0
    assert total(events, "output_tokens") == 10646 + 500 + 120
    assert sum(e.requests or 0 for e in events) == 15
    assert [e.batch for e in events] == [False, True, False]
    first = events[0]
    assert (first.usage_type, first.project_id, first.user_id, first.api_key_id) == (
        "completions",
        "proj_4Bh",
        "user-dAU7",
        "key_OYRZ",
    )
    assert first.window_start == datetime(2025, 10, 5, tzinfo=UTC)
    assert first.token_details["input_cached_text_tokens"] == 5760
    assert first.dimensions == {}
    assert (events[2].user_id, events[2].api_key_id) == (None, None)


def test_openai_usage_with_cache_writes_in_hour_buckets() -> None:
    events = usage("openai", text("openai_usage_v2.csv"))
    assert [e.bucket_width for e in events] == ["1h", "1h"]
    assert total(events, "input_tokens") == 5700
    assert total(events, "input_cache_write_tokens") == 250
    assert total(events, "input_cache_read_tokens") == 1900
    # The second row has no input_uncached_tokens: it is the remainder.
    assert [e.input_uncached_tokens for e in events] == [3000, 550]
    assert events[1].token_details == {}
    assert [e.service_tier for e in events] == ["default", "flex"]


def test_openai_2025_10_export_reads_the_remainder_as_cache_write() -> None:
    # input_uncached_tokens excludes cache writes; the header has no column for them.
    body = replace_cell(text("openai_usage_v1.csv"), 2, "input_tokens", "59300.0")
    first = usage("openai", body)[0]
    assert (first.input_tokens, first.input_cache_write_tokens) == (59300, 100)
    assert (first.input_cache_read_tokens, first.input_uncached_tokens) == (5760, 53440)


def test_openai_minute_buckets() -> None:
    body = text("openai_usage_v2.csv").replace("1759626000,2025", "1759622460,2025", 2)
    body = body.replace("2025-10-05T01:00:00+00:00,proj", "2025-10-05T00:01:00+00:00,proj")
    events = usage("openai", body)
    assert [e.bucket_width for e in events] == ["1m", "1m"]


@pytest.mark.parametrize("kind", ["usage", "cost"])
def test_openai_export_without_usage_gives_no_events(kind: str) -> None:
    body = text("openai_usage_empty.csv")
    assert read_csv_events("openai", kind, body, organization_id="o", fetched_at=FETCHED) == []
    header_only = body.splitlines()[0] + "\n"
    assert (
        read_csv_events("openai", kind, header_only, organization_id="o", fetched_at=FETCHED) == []
    )


# --- OpenAI cost ------------------------------------------------------------------------


def test_openai_cost_export() -> None:
    events = costs("openai", text("openai_cost_v1.csv"))
    assert len(events) == 3
    assert sum(e.cost_usd for e in events) == Decimal("1.022334")
    first = events[0]
    assert first.amount_reported == "0.8958740000000000"
    assert (first.line_item, first.project_id, first.model, first.bucket_width) == (
        "gpt-4o-2024-08-06, input",
        "proj_4Bh",
        None,
        "1d",
    )
    assert first.dimensions == {}  # organization columns are not the tenant


def test_openai_cost_export_2026_columns() -> None:
    events = costs("openai", text("openai_cost_v2.csv"))
    assert sum(e.cost_usd for e in events) == Decimal("2.10")
    assert sum(e.quantity or 0 for e in events) == 2000010
    first, second, legacy = events
    assert (first.api_key_id, first.quantity_unit) == ("key_1", "tokens")
    assert first.dimensions == {"user_id": "user-1", "api_source": "api"}
    assert second.dimensions["user_id"] == "user-2"  # per-user lines stay apart
    assert (legacy.project_id, legacy.dimensions) == (
        "Legacy Project",
        {"project_name": "Legacy Project", "api_source": "api"},
    )


# --- refusals ---------------------------------------------------------------------------


def test_wrong_kind_is_named() -> None:
    assert refused("anthropic", "usage", text("anthropic_cost_v4.csv")) == (
        "this is an Anthropic cost export, not a usage export:"
        " import it as provider 'anthropic', kind 'cost'"
    )
    assert refused("anthropic", "cost", text("anthropic_usage_v2.csv")).startswith(
        "this is an Anthropic usage export, not a cost export"
    )
    assert refused("openai", "cost", text("openai_usage_v1.csv")).startswith(
        "this is an OpenAI usage export, not a cost export"
    )
    assert refused("openai", "usage", text("anthropic_usage_v3.csv")).startswith(
        "this is an Anthropic usage export, not an OpenAI usage export"
    )


def test_wrong_kind_with_a_new_column_still_names_the_export() -> None:
    body = text("anthropic_usage_unknown_column.csv")
    assert refused("anthropic", "cost", body).startswith(
        "this looks like an Anthropic usage export, not a cost export"
    )


def test_unknown_columns_are_named() -> None:
    message = refused("anthropic", "usage", text("anthropic_usage_unknown_column.csv"))
    assert message == "not an Anthropic usage export as known: unknown column(s) priority_level"


def test_missing_required_columns_are_named() -> None:
    body = text("anthropic_cost_v3.csv").replace(",cost_usd,", ",cost_usd_x,", 1)
    assert "missing required column(s) cost_usd" in refused("anthropic", "cost", body)
    cut = "start_time,end_time,start_time_iso,end_time_iso,model\n1,2,3,4,gpt\n"
    assert "missing required column(s) input_tokens, num_model_requests, output_tokens" in (
        refused("openai", "usage", cut)
    )


def test_split_and_unsplit_cache_write_columns_do_not_mix() -> None:
    body = text("anthropic_usage_v3.csv").splitlines()
    body[0] += ",usage_input_tokens_cache_write"
    body[1:] = [line + ",5" for line in body[1:]]
    assert "a file has one or the other" in refused("anthropic", "usage", "\n".join(body))


@pytest.mark.parametrize(
    ("name", "provider", "kind", "row", "column", "value", "problem"),
    [
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            3,
            "usage_output_tokens",
            "10.5",
            "'10.5' is not a whole number",
        ),
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            2,
            "usage_output_tokens",
            "-1",
            "'-1' is negative",
        ),
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            2,
            "usage_input_tokens_cache_read",
            "many",
            "'many' is not a number",
        ),
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            2,
            "usage_input_tokens_no_cache",
            "",
            "is empty; a count is required",
        ),
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            5,
            "context_window",
            "≤ 100k",
            "'≤ 100k' is not a known context window",
        ),
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            2,
            "usage_date_utc",
            "August 5",
            "'August 5' is not a UTC date",
        ),
        (
            "anthropic_usage_v3.csv",
            "anthropic",
            "usage",
            2,
            "model_version",
            "",
            "is empty; a value is required",
        ),
        (
            "anthropic_cost_v4.csv",
            "anthropic",
            "cost",
            4,
            "cost_usd",
            "$0.10",
            "'$0.10' is not a decimal number",
        ),
        (
            "anthropic_cost_v4.csv",
            "anthropic",
            "cost",
            2,
            "token_type",
            "input_magic",
            "'input_magic' is not a known token type",
        ),
        (
            "openai_usage_v1.csv",
            "openai",
            "usage",
            2,
            "batch",
            "maybe",
            "'maybe' is not TRUE or FALSE",
        ),
        (
            "openai_usage_v2.csv",
            "openai",
            "usage",
            2,
            "input_tokens",
            "5001",
            "5001 != input_cached_tokens 1800 + input_cache_write_tokens 200",
        ),
        (
            "openai_usage_v1.csv",
            "openai",
            "usage",
            2,
            "input_tokens",
            "59199.0",
            "59199 is less than input_cached_tokens 5760 + input_uncached_tokens 53440",
        ),
        (
            "openai_usage_v1.csv",
            "openai",
            "usage",
            2,
            "start_time_iso",
            "2025-10-04T00:00:00+00:00",
            "disagrees with start_time",
        ),
        (
            "openai_usage_v1.csv",
            "openai",
            "usage",
            5,
            "output_tokens",
            "",
            "is empty; a count is required",
        ),
        (
            "openai_cost_v1.csv",
            "openai",
            "cost",
            2,
            "amount_currency",
            "eur",
            "only USD amounts are supported",
        ),
        (
            "openai_cost_v1.csv",
            "openai",
            "cost",
            5,
            "amount_value",
            "NaN",
            "'NaN' is not a finite number",
        ),
    ],
)
def test_bad_values_name_row_and_column(
    name: str,
    provider: str,
    kind: str,
    row: int,
    column: str,
    value: str,
    problem: str,
) -> None:
    message = refused(provider, kind, replace_cell(text(name), row, column, value))
    assert message.startswith(f"row {row}, column {column}: "), message
    assert problem in message


def test_a_bucket_of_another_width_is_refused() -> None:
    body = "start_time,end_time,start_time_iso,end_time_iso\n1759622400,1759712400,,\n"
    message = refused("openai", "usage", body)
    assert (
        message
        == "row 2, column end_time: a bucket of 90000 s is not 1 minute, 1 hour or 1 day long"
    )


def test_rows_of_one_identity_are_refused_when_keyed_by_id() -> None:
    lines = text("openai_usage_v1.csv").splitlines()
    doubled = [*lines, lines[1].replace(",10.0,", ",11.0,")]
    message = refused("openai", "usage", "\n".join(doubled))
    assert re.match(r"rows 2 and 6 have the same identity \(window 2025-10-05T00:00:00Z", message)
    assert "refusing the file" in message


def test_malformed_files_are_refused() -> None:
    assert refused("anthropic", "usage", "") == "the file is empty: no header line"
    assert refused("anthropic", "usage", "\n\n") == "the file is empty: no header line"
    body = text("anthropic_usage_v3.csv") + "2026-08-07,claude-opus-5\n"
    assert refused("anthropic", "usage", body) == "row 6 has 2 cells; the header has 14"
    dup = text("anthropic_usage_v3.csv").replace("speed", "web_search_count")
    assert refused("anthropic", "usage", dup) == "header repeats column(s) web_search_count"
    mixed = text("anthropic_usage_v3.csv").replace("2026-08-06,", "2026-08-06 01:00,")
    assert "mixes dates (row 2) and timestamps (row 5)" in refused("anthropic", "usage", mixed)
    assert "no console export for provider 'google'" in refused("google", "usage", "a\n")
    assert "no console export" in refused("openai", "invoice", "a\n")


def test_byte_order_mark_crlf_and_blank_lines_are_tolerated() -> None:
    plain = usage("anthropic", text("anthropic_usage_v3.csv"))
    windows = "\ufeff" + text("anthropic_usage_v3.csv").replace("\n", "\r\n") + "\r\n\r\n"
    assert usage("anthropic", windows) == plain


# --- identity, pages, chunks --------------------------------------------------------------

ALL = [
    ("anthropic", "usage", "anthropic_usage_v1.csv"),
    ("anthropic", "usage", "anthropic_usage_v2.csv"),
    ("anthropic", "usage", "anthropic_usage_v3.csv"),
    ("anthropic", "usage", "anthropic_usage_hourly.csv"),
    ("anthropic", "usage", "anthropic_usage_same_key_name.csv"),
    ("anthropic", "cost", "anthropic_cost_v1.csv"),
    ("anthropic", "cost", "anthropic_cost_v2.csv"),
    ("anthropic", "cost", "anthropic_cost_v3.csv"),
    ("anthropic", "cost", "anthropic_cost_v4.csv"),
    ("openai", "usage", "openai_usage_v1.csv"),
    ("openai", "usage", "openai_usage_v2.csv"),
    ("openai", "usage", "openai_usage_empty.csv"),
    ("openai", "cost", "openai_cost_v1.csv"),
    ("openai", "cost", "openai_cost_v2.csv"),
]


def raw_page(provider: str, kind: str, body: str, **extra: object) -> RawPage:
    fields: dict[str, object] = {
        "page_id": "p1",
        "provider": provider,
        "organization_id": "org",
        "credential_id": "console_csv",
        "source": "console_csv",
        "endpoint": f"{kind}_csv",
        "request_path": "export.csv",
        "request_params": [("file", "export.csv"), ("chunk", "1")],
        "page_number": 1,
        "fetched_at": FETCHED,
        "http_status": 200,
        "content_type": "text/csv",
        "body": body,
    }
    return RawPage.model_validate(fields | extra)


@pytest.mark.parametrize(("provider", "kind", "name"), ALL)
def test_a_page_maps_like_the_file_and_identities_are_stable(
    provider: str, kind: str, name: str
) -> None:
    body = text(name)
    events = read_csv_events(provider, kind, body, organization_id="org", fetched_at=FETCHED)
    assert CSV_MAPPERS[(provider, f"{kind}_csv")](raw_page(provider, kind, body)) == events
    later = read_csv_events(
        provider, kind, body, organization_id="org", fetched_at=FETCHED + timedelta(days=3)
    )
    assert [dedupe_key(e) for e in later] == [dedupe_key(e) for e in events]
    assert len({dedupe_key(e) for e in events}) == len(events)
    assert all(e.source == "console_csv" for e in events)


@pytest.mark.parametrize(("provider", "kind", "name"), ALL)
def test_chunks_are_exports_that_together_give_the_same_events(
    provider: str, kind: str, name: str
) -> None:
    export = read_csv_export(provider, kind, text(name), organization_id="org", fetched_at=FETCHED)
    chunks = export.chunks(max_rows=1)
    assert sum(c.rows for c in chunks) == export.rows
    assert [c.index for c in chunks] == list(range(1, len(chunks) + 1))
    mapper = CSV_MAPPERS[(provider, f"{kind}_csv")]
    events = [
        e
        for c in chunks
        for e in mapper(raw_page(provider, kind, c.text, bucket_width=export.bucket_width))
    ]
    assert sorted(map(dedupe_key, events)) == sorted(map(dedupe_key, export.events))
    assert sorted(events, key=dedupe_key) == sorted(export.events, key=dedupe_key)


def test_rows_summed_into_one_event_stay_in_one_chunk() -> None:
    export = read_csv_export(
        "anthropic",
        "usage",
        text("anthropic_usage_same_key_name.csv"),
        organization_id="org",
        fetched_at=FETCHED,
    )
    assert [(c.rows, c.first_row, c.last_row) for c in export.chunks(max_rows=1)] == [(2, 2, 3)]


def test_chunks_respect_the_byte_limit() -> None:
    body = text("openai_cost_v1.csv")
    export = read_csv_export("openai", "cost", body, organization_id="o", fetched_at=FETCHED)
    header_size = len(body.splitlines()[0]) + 1
    chunks = export.chunks(max_rows=100, max_bytes=header_size + 200)
    assert [c.rows for c in chunks] == [1, 1, 1, 1]
    assert all(len(c.text.encode()) <= header_size + 200 for c in chunks)
    assert len(export.chunks()) == 1


def test_a_page_that_is_not_csv_is_refused() -> None:
    mapper = CSV_MAPPERS[("anthropic", "usage_csv")]
    body = text("anthropic_usage_v3.csv")
    with pytest.raises(InvalidPayloadError, match="not text/csv"):
        mapper(raw_page("anthropic", "usage", body, content_type="application/json"))
    with pytest.raises(InvalidPayloadError, match="not console_csv"):
        mapper(raw_page("anthropic", "usage", body, source="admin_api"))
    assert mapper(raw_page("anthropic", "usage", body, content_type="text/csv; charset=utf-8"))
