from __future__ import annotations

from decimal import Decimal

import pytest

from usage_common import ConfigError
from usage_ledger import Tolerance


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
