from __future__ import annotations

from datetime import UTC, datetime

import pytest

from usage_common import RawPage, page_window, window_overlaps

T0 = datetime(2025, 11, 1, tzinfo=UTC)
T1 = datetime(2025, 11, 2, tzinfo=UTC)


def page(*params: tuple[str, str], endpoint: str = "messages") -> RawPage:
    return RawPage(
        page_id="p",
        provider="anthropic",
        organization_id="org",
        credential_id="c",
        endpoint=endpoint,
        request_path="/x",
        request_params=list(params),
        page_number=1,
        fetched_at=T1,
        http_status=200,
        body="{}",
    )


@pytest.mark.parametrize(
    ("params", "window"),
    [
        # Anthropic reports: RFC 3339, as the fetcher writes them
        (
            (("starting_at", "2025-11-01T00:00:00Z"), ("ending_at", "2025-11-02T00:00:00Z")),
            (T0, T1),
        ),
        # Claude Code: one date means one UTC day
        ((("starting_at", "2025-11-01"), ("limit", "1000")), (T0, T1)),
        # OpenAI: unix seconds
        (
            (("start_time", str(int(T0.timestamp()))), ("end_time", str(int(T1.timestamp())))),
            (T0, T1),
        ),
        ((("start_time", str(int(T0.timestamp()))),), (T0, None)),
        # console CSV chunks say nothing: unknown
        ((("file", "usage.csv"), ("chunk", "1")), None),
        ((("starting_at", "yesterday"),), None),
    ],
)
def test_window_is_derived_from_each_request_shape(
    params: tuple[tuple[str, str], ...], window: tuple[datetime, datetime | None] | None
) -> None:
    assert page_window(page(*params)) == window


def test_overlap_is_half_open_and_unknown_overlaps_everything() -> None:
    day = (T0, T1)
    assert window_overlaps(day, None, None)
    assert window_overlaps(day, T0, T1)
    assert not window_overlaps(day, T1, None)  # ends where the range starts
    assert not window_overlaps(day, None, T0)  # starts where the range ends
    assert window_overlaps((T0, None), T1, None)
    assert window_overlaps(None, T0, T1)
