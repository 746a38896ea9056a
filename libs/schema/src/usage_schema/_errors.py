"""Schema errors.

SchemaVersionError (ConfigError)                 the database is not at this code's version
DatabaseUnavailableError (InfrastructureError)   PostgreSQL cannot be reached
"""

from __future__ import annotations

from usage_common import ConfigError, InfrastructureError

__all__ = ["DatabaseUnavailableError", "SchemaVersionError"]


class SchemaVersionError(ConfigError):
    """Run `usage-pipeline migrate`, or upgrade: the message says which."""


class DatabaseUnavailableError(InfrastructureError):
    pass
