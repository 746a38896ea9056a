"""Writer: canonical events -> PostgreSQL, idempotently, offsets after commit."""

from .errors import StorageError
from .purge import PurgePlan, Purger, PurgeResult, PurgeSelection, run_purge
from .sink import WriteResult, dedupe_batch, write_batch
from .storage import PostgresStorage, Storage, UpsertStats

__all__ = [
    "PostgresStorage",
    "PurgePlan",
    "PurgeResult",
    "PurgeSelection",
    "Purger",
    "Storage",
    "StorageError",
    "UpsertStats",
    "WriteResult",
    "dedupe_batch",
    "run_purge",
    "write_batch",
]
