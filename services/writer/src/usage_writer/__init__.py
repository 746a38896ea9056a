"""Writer: canonical events -> PostgreSQL, idempotently, offsets after commit."""

from .archive import Archive, StoredDeadLetter, wire_archive
from .errors import StorageError
from .sink import WriteResult, dedupe_batch, write_batch
from .storage import PostgresStorage, Storage, UpsertStats

__all__ = [
    "Archive",
    "PostgresStorage",
    "Storage",
    "StorageError",
    "StoredDeadLetter",
    "UpsertStats",
    "WriteResult",
    "dedupe_batch",
    "wire_archive",
    "write_batch",
]
