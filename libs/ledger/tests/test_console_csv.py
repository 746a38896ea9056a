from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from usage_common import CostEvent, InvalidPayloadError, UsageEvent
from usage_ledger import COMPARED_TOKEN_MEASURES, CsvData, ReconcileQuery, csv_totals, read_csv

from .factories import D1, D2, QUERY, SINCE, UNTIL


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
