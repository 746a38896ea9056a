"""Writer: canonical events -> PostgreSQL, idempotently, offsets after commit."""

from .archive import Archive, StoredDeadLetter, wire_archive
from .errors import StorageError
from .purge import PurgePlan, Purger, PurgeResult, PurgeSelection, run_purge
from .sink import WriteResult, dedupe_batch, write_batch
from .storage import PostgresStorage, Storage, UpsertStats

__all__ = [
    "Archive",
    "PostgresStorage",
    "PurgePlan",
    "PurgeResult",
    "PurgeSelection",
    "Purger",
    "Storage",
    "StorageError",
    "StoredDeadLetter",
    "UpsertStats",
    "WriteResult",
    "dedupe_batch",
    "run_purge",
    "wire_archive",
    "write_batch",
]
