"""Versioned SQL migrations: files `migrations/NNNN_name.sql`, applied in order, once.

Each file runs in its own transaction under an advisory lock, so two `migrate` runs (a
Kubernetes Job and a developer) cannot interleave. Every process that uses the database
(writer, fetcher, the query side) checks the version with `check_schema` and refuses to
run on one it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from ._errors import DatabaseUnavailableError, SchemaVersionError

Conn = asyncpg.Connection | PoolConnectionProxy

__all__ = [
    "EXPECTED_VERSION",
    "Conn",
    "Migration",
    "apply_migrations",
    "check_schema",
    "current_version",
    "migrations",
]

_LOCK_ID = 7_314_159_265  # arbitrary, fixed: the advisory lock for migrations
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text()))
    return sorted(found, key=lambda m: m.version)


EXPECTED_VERSION = migrations()[-1].version


async def current_version(conn: Conn) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def apply_migrations(dsn: str) -> list[Migration]:
    """Apply pending migrations; return the ones applied (empty when up to date)."""
    try:
        conn = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailableError(f"cannot connect to PostgreSQL: {exc}") from exc
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version int PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = await current_version(conn)
        applied = []
        for migration in migrations():
            if migration.version <= done:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            applied.append(migration)
        return applied
    finally:
        await conn.close()


async def check_schema(conn: Conn) -> None:
    """Refuse to run on a schema this code does not know."""
    version = await current_version(conn)
    if version < EXPECTED_VERSION:
        raise SchemaVersionError(
            f"database schema is at version {version}, this version needs {EXPECTED_VERSION}:"
            " run `usage-pipeline migrate` first"
        )
    if version > EXPECTED_VERSION:
        raise SchemaVersionError(
            f"database schema is at version {version}, newer than this writer"
            f" ({EXPECTED_VERSION}): upgrade usage-pipeline"
        )
