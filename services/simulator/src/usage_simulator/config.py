"""Construction-time settings of the simulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import ConfigError
from .faults import FaultPlan

__all__ = ["Clock", "SimulatorConfig", "utc_now"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class SimulatorConfig:
    """Everything that shapes what the simulator serves.

    Usage:
        config = SimulatorConfig(seed=7, clock=lambda: datetime(2026, 3, 1, tzinfo=UTC))
        app = create_app(config)

    Parameters:
        seed: selects the synthetic data set; equal seeds serve identical numbers.
        anthropic_admin_key: the only `x-api-key` the Anthropic endpoint accepts.
        openai_admin_key: the only bearer token the OpenAI endpoint accepts.
        clock: returns the current time (aware); no bucket starts at or after it.
            Inject a fixed clock to make tests deterministic.
        faults: fault plan active from the first request.
    """

    seed: int = 42
    # repr=False keeps keys out of logs and tracebacks that print the config.
    anthropic_admin_key: str = field(default="sk-ant-admin01-simulator", repr=False)
    openai_admin_key: str = field(default="sk-admin-simulator", repr=False)
    clock: Clock = field(default=utc_now, repr=False)
    faults: FaultPlan | None = None

    def __post_init__(self) -> None:
        if not self.anthropic_admin_key or not self.openai_admin_key:
            raise ConfigError("admin keys must not be empty")
        self.now()

    def now(self) -> datetime:
        """The clock's reading in UTC; a naive reading is a configuration error."""
        reading = self.clock()
        if reading.tzinfo is None or reading.utcoffset() is None:
            raise ConfigError("clock must return a timezone-aware datetime")
        return reading.astimezone(UTC)
