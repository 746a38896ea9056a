"""The PostgreSQL schema every part of the pipeline shares: versioned SQL migrations.

The writer stores events, the fetcher keeps its state (credentials, watermarks, runs) and
the ledger reads: one schema, one version, owned by none of them.
"""

from ._errors import DatabaseUnavailableError, SchemaVersionError
from ._migrate import (
    EXPECTED_VERSION,
    Conn,
    Migration,
    apply_migrations,
    check_schema,
    current_version,
    migrations,
)

__all__ = [
    "EXPECTED_VERSION",
    "Conn",
    "DatabaseUnavailableError",
    "Migration",
    "SchemaVersionError",
    "apply_migrations",
    "check_schema",
    "current_version",
    "migrations",
]
