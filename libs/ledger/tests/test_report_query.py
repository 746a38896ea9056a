from __future__ import annotations

import pytest

from usage_common import ConfigError
from usage_ledger import REPORT_DIMENSIONS, ReportQuery


def test_an_unknown_dimension_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown --by planet; choose from provider, "):
        ReportQuery(None, None, ("provider", "planet"))


def test_every_dimension_can_be_grouped_by() -> None:
    assert ReportQuery(None, None, tuple(REPORT_DIMENSIONS)).by == tuple(REPORT_DIMENSIONS)
