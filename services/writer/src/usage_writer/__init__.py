"""Writer: canonical events -> PostgreSQL, idempotently, offsets after commit."""

from .errors import SchemaVersionError, StorageError
from .migrate import EXPECTED_VERSION, apply_migrations, check_schema
from .sink import WriteResult, dedupe_batch, write_batch
from .storage import PostgresStorage, Storage, UpsertStats

__all__ = [
    "EXPECTED_VERSION",
    "PostgresStorage",
    "SchemaVersionError",
    "Storage",
    "StorageError",
    "UpsertStats",
    "WriteResult",
    "apply_migrations",
    "check_schema",
    "dedupe_batch",
    "write_batch",
]
