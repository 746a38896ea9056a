"""Where the database is: `USAGE_DATABASE_URL`, or the embedded server in the data dir.

The one place that falls back to the embedded PostgreSQL; every command that needs a
database (up, migrate, report, reconcile, import-csv) goes through `database_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from usage_common import Settings
from usage_embedded_pg import EmbeddedPostgres

__all__ = ["database_url", "may_hold_state"]


@contextlib.asynccontextmanager
async def database_url(
    settings: Settings, say: Callable[[str], None] | None = None
) -> AsyncIterator[str]:
    """Yield a URL; an embedded server started here is stopped on exit."""
    if settings.database_url:
        yield settings.database_url
        return
    pg = EmbeddedPostgres(settings.data_dir.resolve() / "postgres")
    if say is not None:
        say(f"starting embedded PostgreSQL in {pg.data_dir}")
    url = await asyncio.to_thread(pg.start)
    try:
        yield url
    finally:
        await asyncio.to_thread(pg.stop)


def may_hold_state(settings: Settings) -> bool:
    """Whether `database_url` would reach a database that may already hold state (stored
    credentials): a configured one, or an embedded one that was started before."""
    return bool(settings.database_url) or (settings.data_dir.resolve() / "postgres").exists()
