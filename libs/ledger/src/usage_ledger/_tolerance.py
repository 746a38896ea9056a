"""How far apart two numbers may be and still be OK.

Tokens: a line is a DIFF when |diff| > ``tokens`` (default 0: exact). Money: a line is a
DIFF only when |diff| exceeds BOTH ``usd`` (default $0.01) AND ``pct`` percent (default
1%) of the reference side; equivalently the allowed difference is max($0.01, 1% of the
reference). The reference (the denominator of diff %) is the right-hand side: comparable
reported cost, or the CSV; when it is 0, any difference above ``usd`` is a DIFF.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from usage_common import ConfigError

__all__ = ["Tolerance"]


@dataclass(frozen=True)
class Tolerance:
    """The allowed differences (see the module docstring); validated on construction.

    Raises ConfigError for a negative or non-finite value, naming its CLI option.
    """

    tokens: int = 0
    pct: Decimal = Decimal(1)
    usd: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        if self.tokens < 0:
            raise ConfigError(f"--tolerance-tokens must be >= 0, not {self.tokens}")
        for name, value in (("pct", self.pct), ("usd", self.usd)):
            if not value.is_finite() or value < 0:
                raise ConfigError(f"--tolerance-{name} must be a number >= 0, not {value}")

    def money_within(self, diff: Decimal, reference: Decimal) -> bool:
        """A DIFF only when |diff| exceeds both the dollar and the percent tolerance."""
        size = abs(diff)
        if size <= self.usd:
            return True
        if reference == 0:
            return False
        return size * 100 <= self.pct * abs(reference)

    def tokens_within(self, diff: int) -> bool:
        return abs(diff) <= self.tokens
