"""Exceptions raised by the simulator.

    SimulatorError                 root of everything raised here
    ├── ConfigError                bad SimulatorConfig or fault plan (also a ValueError)
    ├── BadRequestError            a usage request the real API would answer with 400
    └── StartupError               the embedded server did not come up in time

`BadRequestError` never escapes an endpoint: each provider module renders it in that
provider's error body, naming the offending parameter.
"""

from __future__ import annotations

__all__ = ["BadRequestError", "ConfigError", "SimulatorError", "StartupError"]


class SimulatorError(Exception):
    """Root of the simulator's exceptions."""


class ConfigError(SimulatorError, ValueError):
    """The simulator was configured with a value it cannot honour."""


class BadRequestError(SimulatorError):
    """A query parameter or header the provider would reject with HTTP 400."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class StartupError(SimulatorError):
    """uvicorn did not report `started` before the deadline; the port is released."""
