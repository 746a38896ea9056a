"""Provider simulator: a real HTTP server standing in for the OpenAI and Anthropic
admin Usage APIs, serving deterministic synthetic usage.

Usage:
    async with SimulatorServer(SimulatorConfig(seed=42)) as sim:
        ...  # point the fetcher at sim.openai_base_url / sim.anthropic_base_url

`expected_totals` and `expected_row_count` give the exact numbers the endpoints
serve, for assertions.
"""

from .app import create_app
from .buckets import LIMITS, BucketWidth
from .catalogue import ANTHROPIC_COMBOS, OPENAI_COMBOS, Combo, Provider
from .config import SimulatorConfig
from .data import expected_row_count, expected_totals, generate
from .errors import BadRequestError, ConfigError, SimulatorError, StartupError
from .faults import FaultPlan
from .server import SimulatorServer, serve_forever

__all__ = [
    "ANTHROPIC_COMBOS",
    "LIMITS",
    "OPENAI_COMBOS",
    "BadRequestError",
    "BucketWidth",
    "Combo",
    "ConfigError",
    "FaultPlan",
    "Provider",
    "SimulatorConfig",
    "SimulatorError",
    "SimulatorServer",
    "StartupError",
    "create_app",
    "expected_row_count",
    "expected_totals",
    "generate",
    "serve_forever",
]
