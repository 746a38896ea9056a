"""Purge: delete the stored rows of one provider, source, organization and time range.

The writer owns the rows of `usage_events`, `cost_events` and `claude_code_usage`, so it
owns deleting them too; the CLI (`usage-pipeline purge`) only parses, asks and prints. A
purge is for taking back what should not have been stored (a bad import, a wrong
organization id), to be followed by a re-fetch or a re-import of the same range. Retention
is not a purge: old months go by dropping a partition.

Execution order, owned by `run_purge` and nothing else:
1. count the selected rows of every table, with the same predicate the delete will use
   (`provider`, `source`, optionally `organization_id`, and the row's period start —
   `window_start`, or `day_start` for Claude Code — in `[since, until)`);
2. nothing selected: stop, without asking;
3. hand the plan to `confirm`; if it declines, stop: nothing is deleted;
4. delete the selection from every table in ONE transaction: all tables or none;
5. return the counted and the deleted rows per table. A writer that added rows to the
   selection between 1 and 4 makes them differ; the caller must report the deleted counts
   (`PurgeResult.drifted`), never only the planned ones.
Rows carry the organization, not the credential: `Purger.credential_organization` says
which organization a credential name stands for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import get_args

import asyncpg

from usage_common import ConfigError, Provider, Settings, Source
from usage_schema import check_schema

from .errors import StorageError
from .tables import TABLES, TableSpec

__all__ = [
    "PURGED_TABLES",
    "PurgePlan",
    "PurgeResult",
    "PurgeSelection",
    "Purger",
    "run_purge",
]

PURGED_TABLES: tuple[TableSpec, ...] = tuple(TABLES.values())
SOURCES: tuple[str, ...] = get_args(Source)
PROVIDERS: tuple[str, ...] = get_args(Provider)


@dataclass(frozen=True, slots=True)
class PurgeSelection:
    """Which rows: one provider, some sources, one organization or all, `[since, until)`."""

    provider: str
    since: datetime
    until: datetime
    sources: tuple[str, ...] = SOURCES
    organization_id: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ConfigError(f"unknown provider {self.provider!r} (one of {', '.join(PROVIDERS)})")
        unknown = sorted(set(self.sources) - set(SOURCES))
        if unknown or not self.sources:
            raise ConfigError(f"unknown source {unknown} (one of {', '.join(SOURCES)})")
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ConfigError("purge bounds must be timezone-aware UTC instants")
        if self.since >= self.until:
            raise ConfigError(
                f"--since {self.since.isoformat()} is not before --until {self.until.isoformat()}"
            )

    def describe(self) -> str:
        return (
            f"provider {self.provider}, source {','.join(self.sources)},"
            f" organization {self.organization_id or 'any'},"
            f" [{self.since:%Y-%m-%dT%H:%M:%SZ}, {self.until:%Y-%m-%dT%H:%M:%SZ})"
        )

    def where(self, spec: TableSpec) -> tuple[str, list[object]]:
        """The predicate on `spec`'s table and its arguments; the count and the delete
        both use this, so they select the same rows."""
        column = spec.time_column
        clause = f"provider = $1 AND source = ANY($2::text[]) AND {column} >= $3 AND {column} < $4"
        args: list[object] = [self.provider, list(self.sources), self.since, self.until]
        if self.organization_id is not None:
            clause += " AND organization_id = $5"
            args.append(self.organization_id)
        return clause, args


@dataclass(frozen=True, slots=True)
class PurgePlan:
    selection: PurgeSelection
    rows: dict[str, int]
    """Rows per table name, every purged table present (0 included)."""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True, slots=True)
class PurgeResult:
    plan: PurgePlan
    confirmed: bool
    deleted: dict[str, int] = field(default_factory=dict)
    """Rows per table actually deleted; empty when nothing was deleted."""

    @property
    def drifted(self) -> dict[str, tuple[int, int]]:
        """Tables whose deleted count differs from the counted one: (counted, deleted)."""
        return {
            t: (n, self.deleted.get(t, 0))
            for t, n in self.plan.rows.items()
            if self.deleted and self.deleted.get(t, 0) != n
        }


class Purger:
    """Counts and deletes selections on one connection. Open with `await Purger.connect(dsn)`;
    asyncpg errors leave as `StorageError`."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @classmethod
    async def connect(cls, dsn: str) -> Purger:
        try:
            conn = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot open PostgreSQL: {exc}") from exc
        try:
            await check_schema(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    async def close(self) -> None:
        await self.conn.close()

    async def credential_organization(self, settings: Settings, provider: str, name: str) -> str:
        """The organization the credential `name` fetches for; its rows carry that id.

        `env:<provider>` is the credential the fetcher builds from the environment (its
        organization is `USAGE_<PROVIDER>_ORGANIZATION_ID`, key set or not: a purge may come
        after the key was removed). Any other name is looked up in the credential store,
        `provider_credentials`, by name, provider and organization only (never the secret),
        when that table exists."""
        env = {f"env:{p}": (p, str(getattr(settings, f"{p}_organization_id"))) for p in PROVIDERS}
        if name in env:
            owner, organization = env[name]
        else:
            try:
                row = None
                if await self.conn.fetchval(
                    "SELECT to_regclass('provider_credentials') IS NOT NULL"
                ):
                    row = await self.conn.fetchrow(
                        "SELECT provider, organization_id FROM provider_credentials"
                        " WHERE name = $1",
                        name,
                    )
            except (OSError, asyncpg.PostgresError) as exc:
                raise StorageError(f"cannot read the credential store: {exc}") from exc
            if row is None:
                raise ConfigError(
                    f"unknown credential {name!r}: not {' or '.join(env)} and not in the"
                    " credential store (or pass --organization-id)"
                )
            owner, organization = str(row["provider"]), str(row["organization_id"])
        if owner != provider:
            raise ConfigError(f"credential {name!r} is an {owner} credential, not {provider}")
        return organization

    async def plan(self, selection: PurgeSelection) -> PurgePlan:
        rows: dict[str, int] = {}
        try:
            for spec in PURGED_TABLES:
                clause, args = selection.where(spec)
                count = await self.conn.fetchval(
                    f"SELECT count(*) FROM {spec.table} WHERE {clause}", *args
                )
                rows[spec.table] = int(count)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot count the rows to purge: {exc}") from exc
        return PurgePlan(selection, rows)

    async def delete(self, selection: PurgeSelection) -> dict[str, int]:
        """Delete the selection from every table in one transaction."""
        deleted: dict[str, int] = {}
        try:
            async with self.conn.transaction():
                for spec in PURGED_TABLES:
                    clause, args = selection.where(spec)
                    status = await self.conn.execute(
                        f"DELETE FROM {spec.table} WHERE {clause}", *args
                    )
                    deleted[spec.table] = int(status.split()[-1])  # "DELETE <n>"
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"purge failed, nothing was deleted: {exc}") from exc
        return deleted


Confirm = Callable[[PurgePlan], Awaitable[bool]]


async def run_purge(purger: Purger, selection: PurgeSelection, confirm: Confirm) -> PurgeResult:
    """Count, ask, delete in one transaction, report: the order of the module docstring."""
    plan = await purger.plan(selection)
    if plan.total == 0:
        return PurgeResult(plan, confirmed=False)
    if not await confirm(plan):
        return PurgeResult(plan, confirmed=False)
    return PurgeResult(plan, confirmed=True, deleted=await purger.delete(selection))
