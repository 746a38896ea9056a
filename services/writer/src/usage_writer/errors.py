"""Writer errors.

SchemaVersionError (ConfigError)   database schema is not the one this writer expects
StorageError (InfrastructureError) PostgreSQL failed; the batch was not acknowledged
"""

from __future__ import annotations

from usage_common import ConfigError, InfrastructureError

__all__ = ["SchemaVersionError", "StorageError"]


class SchemaVersionError(ConfigError):
    pass


class StorageError(InfrastructureError):
    pass
