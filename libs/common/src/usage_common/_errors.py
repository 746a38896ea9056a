"""Exception tree shared by all packages.

    UsagePipelineError
    ├── ConfigError            bad configuration; terminal, fix and restart
    ├── InvalidPayloadError    a provider page that cannot be read; goes to the DLQ
    └── InfrastructureError    Kafka, PostgreSQL or provider unreachable; transient

`TerminalError` and `TransientError` are mixins telling a caller whether a retry can help.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InfrastructureError",
    "InvalidPayloadError",
    "TerminalError",
    "TransientError",
    "UsagePipelineError",
]


class UsagePipelineError(Exception):
    """Root of every error this project raises on purpose."""


class TerminalError:
    """Mixin: retrying the same operation cannot succeed."""


class TransientError:
    """Mixin: the same operation may succeed later."""


class ConfigError(UsagePipelineError, TerminalError):
    """The configuration is invalid; the message names the setting."""


class InvalidPayloadError(UsagePipelineError, TerminalError):
    """A payload does not match its schema; the message says where."""


class InfrastructureError(UsagePipelineError, TransientError):
    """A broker, database or provider failed; nothing was acknowledged."""
