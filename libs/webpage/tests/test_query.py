from __future__ import annotations

from datetime import UTC, datetime

import pytest

from usage_common import ConfigError
from usage_webpage import DEFAULT_DAYS, PageQuery

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


def test_blank_fields_mean_the_default_window_ending_with_the_newest_day_of_data() -> None:
    query = PageQuery.from_params({"since": "", "until": " ", "bucket_width": ""})
    assert query == PageQuery()
    newest = datetime(2025, 11, 7, 23, tzinfo=UTC)
    since, until = query.window(newest, NOW)
    assert until == datetime(2025, 11, 8, tzinfo=UTC)
    assert (until - since).days == DEFAULT_DAYS


def test_without_data_the_window_ends_with_today() -> None:
    assert PageQuery().window(None, NOW)[1] == datetime(2026, 3, 11, tzinfo=UTC)


def test_one_bound_puts_the_other_thirty_days_away() -> None:
    since = PageQuery.from_params({"since": "2025-11-01"})
    assert since.window(None, NOW) == (
        datetime(2025, 11, 1, tzinfo=UTC),
        datetime(2025, 12, 1, tzinfo=UTC),
    )
    until = PageQuery.from_params({"until": "2025-12-01T00:00:00Z"})
    assert until.window(NOW, NOW)[0] == datetime(2025, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "yesterday"}, "since: cannot read 'yesterday'"),
        ({"until": "2025-13-01"}, "until: cannot read"),
        ({"bucket_width": "2h"}, "bucket_width must be one of 1m, 1h, 1d"),
        ({"since": "2025-11-03", "until": "2025-11-01"}, "is not before"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(params: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PageQuery.from_params(params)
