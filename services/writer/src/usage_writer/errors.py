"""Writer errors (a schema at the wrong version is `usage_schema.SchemaVersionError`).

StorageError (InfrastructureError) PostgreSQL failed; the batch was not acknowledged
"""

from __future__ import annotations

from usage_common import InfrastructureError

__all__ = ["StorageError"]


class StorageError(InfrastructureError):
    pass
