"""Provider simulator: a real HTTP server standing in for the OpenAI and Anthropic
admin Usage and Cost APIs, serving deterministic synthetic data.

Usage:
    async with SimulatorServer(SimulatorConfig(seed=42)) as sim:
        ...  # point the fetcher at sim.openai_base_url / sim.anthropic_base_url

The `expected_*` functions give the exact numbers the endpoints serve, for
assertions; `console_csv` writes the console exports of the same data.
"""

from .app import create_app
from .buckets import LIMITS, BucketWidth
from .catalogue import ANTHROPIC_COMBOS, OPENAI_COMBOS, UNPRICED_MODELS, Combo, Provider
from .claude_code import ClaudeCodeTotals, expected_claude_code
from .config import SimulatorConfig
from .costs import expected_cost_usd
from .csv_export import CSV_VERSIONS, CsvKind, console_csv
from .data import (
    expected_row_count,
    expected_totals,
    expected_usage_totals,
    generate,
)
from .datasets import USAGE_ENDPOINTS
from .errors import BadRequestError, ConfigError, SimulatorError, StartupError
from .faults import FaultPlan
from .pricing import Rates, billing_rates, library_rates
from .server import SimulatorServer, serve_forever

__all__ = [
    "ANTHROPIC_COMBOS",
    "CSV_VERSIONS",
    "LIMITS",
    "OPENAI_COMBOS",
    "UNPRICED_MODELS",
    "USAGE_ENDPOINTS",
    "BadRequestError",
    "BucketWidth",
    "ClaudeCodeTotals",
    "Combo",
    "ConfigError",
    "CsvKind",
    "FaultPlan",
    "Provider",
    "Rates",
    "SimulatorConfig",
    "SimulatorError",
    "SimulatorServer",
    "StartupError",
    "billing_rates",
    "console_csv",
    "create_app",
    "expected_claude_code",
    "expected_cost_usd",
    "expected_row_count",
    "expected_totals",
    "expected_usage_totals",
    "generate",
    "library_rates",
    "serve_forever",
]
