"""The provider simulator in place of the real APIs, only when asked for (`up --simulate`,
`simulate`): the one module of the application that imports it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from pydantic import SecretStr

from usage_common import Settings
from usage_simulator import SimulatorConfig, SimulatorServer

__all__ = ["NO_CREDENTIALS", "serve_simulator", "with_simulator"]

NO_CREDENTIALS = (
    "no provider credentials configured: set USAGE_ANTHROPIC_ADMIN_KEY and/or"
    " USAGE_OPENAI_ADMIN_KEY, store one with `usage-pipeline credentials add`, or pass"
    " --simulate to use the built-in provider simulator"
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


async def serve_simulator(
    host: str,
    port: int,
    seed: int,
    stop_on: Callable[[], asyncio.Event],
    say: Callable[[str], None],
) -> None:
    """Serve the simulator in the foreground until the event `stop_on()` returns is set."""
    config = SimulatorConfig(seed=seed)
    stop = stop_on()
    async with SimulatorServer(config, host=host, port=port) as sim:
        say(f"Anthropic base URL {sim.anthropic_base_url}  key {config.anthropic_admin_key}")
        say(f"OpenAI base URL    {sim.openai_base_url}  key {config.openai_admin_key}")
        say(f"seed {seed}; Ctrl-C stops")
        await stop.wait()
