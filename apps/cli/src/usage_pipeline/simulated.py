"""The provider simulator in place of the real APIs, only when asked for (`--simulate`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from pydantic import SecretStr

from usage_common import Settings
from usage_simulator import SimulatorConfig, SimulatorServer

__all__ = ["NO_CREDENTIALS", "with_simulator"]

NO_CREDENTIALS = (
    "no provider credentials configured: set USAGE_ANTHROPIC_ADMIN_KEY and/or"
    " USAGE_OPENAI_ADMIN_KEY, or pass --simulate to use the built-in provider simulator"
)


async def with_simulator(
    settings: Settings, stack: contextlib.AsyncExitStack, say: Callable[[str], None]
) -> Settings:
    """Start the simulator on a free local port (stopped by `stack`); return settings
    whose credentials and base URLs point at it, in place of any configured ones."""
    config = SimulatorConfig()
    sim = await stack.enter_async_context(SimulatorServer(config, port=0))
    say(f"provider simulator on {sim.anthropic_base_url}")
    return settings.model_copy(
        update={
            "anthropic_admin_key": SecretStr(config.anthropic_admin_key),
            "openai_admin_key": SecretStr(config.openai_admin_key),
            "anthropic_base_url": sim.anthropic_base_url,
            "openai_base_url": sim.openai_base_url,
        }
    )
