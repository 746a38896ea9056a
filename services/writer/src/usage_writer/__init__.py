"""Writer: canonical events -> PostgreSQL, idempotently, offsets after commit."""

from .errors import StorageError
from .sink import WriteResult, dedupe_batch, write_batch
from .storage import PostgresStorage, Storage, UpsertStats

__all__ = [
    "PostgresStorage",
    "Storage",
    "StorageError",
    "UpsertStats",
    "WriteResult",
    "dedupe_batch",
    "write_batch",
]
