"""Migrations on a real PostgreSQL: applied once, in order, and checked by version."""

from __future__ import annotations

import asyncpg
import pytest

from usage_schema import (
    EXPECTED_VERSION,
    SchemaVersionError,
    apply_migrations,
    check_schema,
    migrations,
)

pytestmark = pytest.mark.postgres


def test_versions_are_contiguous_from_one() -> None:
    # A gap would let a database skip a migration that merged late.
    assert [m.version for m in migrations()] == list(range(1, EXPECTED_VERSION + 1))


async def test_migrations_apply_once(database_url: str) -> None:
    first = await apply_migrations(database_url)
    assert [m.version for m in first] == list(range(1, EXPECTED_VERSION + 1))
    assert await apply_migrations(database_url) == []


async def test_the_version_check_refuses_an_unmigrated_and_a_newer_schema(
    database_url: str,
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(SchemaVersionError, match="run `usage-pipeline migrate`"):
            await check_schema(conn)
        await apply_migrations(database_url)
        await check_schema(conn)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')",
            EXPECTED_VERSION + 1,
        )
        with pytest.raises(SchemaVersionError, match="newer"):
            await check_schema(conn)
    finally:
        await conn.close()
