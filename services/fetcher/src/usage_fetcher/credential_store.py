"""Stored provider credentials (`provider_credentials`): ciphertext only, in PostgreSQL.

`CredentialStore` adds, lists, removes and re-encrypts; `all_credentials` is what the
fetcher fetches with: the environment's keys plus every stored credential that decrypts,
and one failed report per stored credential that does not (it stops only itself).

Rotation, in one transaction: lock the table against writes -> decrypt every row with any
configured key -> if any row fails, roll back naming them all (nothing changed) -> else
re-encrypt every row under the active key -> commit.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from usage_common import InfrastructureError, Provider, Settings

from .credentials import Credential, credentials_from_settings, enabled_only
from .errors import CredentialInputError, CredentialUnreadableError
from .fetch import EndpointReport
from .vault import Keyring, associated_data, master_key_configured

__all__ = [
    "CredentialStore",
    "LoadedCredentials",
    "NewCredential",
    "StoredCredential",
    "all_credentials",
    "credential_source",
]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_KEY_PREFIX: dict[str, str] = {"anthropic": "sk-ant-admin", "openai": "sk-admin-"}
_COLUMNS = "name, provider, organization_id, base_url, key_id, key_hint, created_at"


@dataclass(frozen=True, slots=True)
class NewCredential:
    provider: str
    name: str
    organization_id: str
    base_url: str | None
    secret: str = field(repr=False)

    def validate(self) -> None:
        """Refuse what could never work, before anything is encrypted or stored."""
        if self.provider not in _KEY_PREFIX:
            raise CredentialInputError(self.name, f"unknown provider {self.provider!r}")
        if not _NAME.match(self.name):
            raise CredentialInputError(
                self.name,
                f"credential name {self.name!r}: use 1-64 letters, digits, '.', '_' or '-'",
            )
        if not self.organization_id.strip():
            raise CredentialInputError(self.name, "--organization-id must not be empty")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise CredentialInputError(self.name, f"--base-url {self.base_url!r} is not http(s)")
        if not self.secret:
            raise CredentialInputError(self.name, "the admin key is empty")
        if any(c.isspace() for c in self.secret):
            raise CredentialInputError(self.name, "the admin key contains whitespace")
        prefix = _KEY_PREFIX[self.provider]
        # A proxy or the simulator may use other keys; the real APIs never do.
        if self.base_url is None and not self.secret.startswith(prefix):
            raise CredentialInputError(
                self.name,
                f"that is not a {self.provider} admin key (those start with {prefix});"
                " pass --base-url for a proxy that takes other keys",
            )


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """What may be shown of a stored credential: no key, only its last 4 characters."""

    name: str
    provider: str
    organization_id: str
    base_url: str | None
    key_id: str
    key_hint: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LoadedCredentials:
    usable: list[Credential]
    failed: list[EndpointReport]
    """One per stored credential that cannot be decrypted; its error names it."""


class CredentialStore:
    """The `provider_credentials` table over one connection.

    Usage:
        async with CredentialStore.open(dsn) as store:
            await store.add(keyring, NewCredential("openai", "acme", "org-1", None, key))
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, dsn: str) -> AsyncIterator[CredentialStore]:
        try:
            conn = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            raise InfrastructureError(f"cannot connect to PostgreSQL: {exc}") from exc
        try:
            yield cls(conn)
        finally:
            await conn.close()

    async def table_exists(self) -> bool:
        return bool(
            await self._conn.fetchval("SELECT to_regclass('provider_credentials') IS NOT NULL")
        )

    async def add(self, keyring: Keyring, new: NewCredential) -> StoredCredential:
        new.validate()
        aad = associated_data(new.provider, new.name, new.organization_id, new.base_url)
        blob = keyring.encrypt(new.secret, aad)
        try:
            row = await self._conn.fetchrow(
                "INSERT INTO provider_credentials (name, provider, organization_id, base_url,"
                " ciphertext, key_id, key_hint) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                f" RETURNING {_COLUMNS}",
                new.name,
                new.provider,
                new.organization_id,
                new.base_url,
                blob,
                keyring.active_key_id,
                "…" + new.secret[-4:],
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "provider_credentials_pkey":
                message = f"a credential named {new.name!r} already exists (remove it first)"
            else:
                message = (
                    f"a {new.provider} credential for organization {new.organization_id!r}"
                    " already exists: one credential per organization"
                )
            raise CredentialInputError(new.name, message) from None
        assert row is not None
        return StoredCredential(**dict(row))

    async def list_all(self) -> list[StoredCredential]:
        rows = await self._conn.fetch(f"SELECT {_COLUMNS} FROM provider_credentials ORDER BY name")
        return [StoredCredential(**dict(r)) for r in rows]

    async def remove(self, name: str) -> None:
        done = await self._conn.fetchval(
            "DELETE FROM provider_credentials WHERE name = $1 RETURNING name", name
        )
        if done is None:
            raise CredentialInputError(name, f"no stored credential named {name!r}")

    async def rotate(self, keyring: Keyring) -> int:
        """Re-encrypt every row under the active key (order: module docstring); returns
        how many rows were re-encrypted."""
        async with self._conn.transaction():
            await self._conn.execute("LOCK TABLE provider_credentials IN EXCLUSIVE MODE")
            rows = await self._conn.fetch(
                "SELECT name, provider, organization_id, base_url, ciphertext"
                " FROM provider_credentials ORDER BY name"
            )
            plain: list[tuple[str, bytes, str]] = []
            failures: list[str] = []
            for r in rows:
                aad = associated_data(r["provider"], r["name"], r["organization_id"], r["base_url"])
                try:
                    secret = keyring.decrypt(r["ciphertext"], aad, name=r["name"])
                except CredentialUnreadableError as exc:
                    failures.append(str(exc))
                    continue
                plain.append((r["name"], aad, secret.get_secret_value()))
            if failures:
                raise CredentialUnreadableError(
                    "*", "rotation aborted, nothing changed: " + "; ".join(failures)
                )
            await self._conn.executemany(
                "UPDATE provider_credentials SET ciphertext = $2, key_id = $3, updated_at = now()"
                " WHERE name = $1",
                [(n, keyring.encrypt(s, aad), keyring.active_key_id) for n, aad, s in plain],
            )
        return len(plain)

    async def load(self, settings: Settings, keyring: Keyring | None) -> LoadedCredentials:
        """Every stored credential that decrypts; a failed report for each one that does not."""
        if not await self.table_exists():
            return LoadedCredentials([], [])
        rows = await self._conn.fetch(
            "SELECT name, provider, organization_id, base_url, ciphertext"
            " FROM provider_credentials ORDER BY name"
        )
        usable: list[Credential] = []
        failed: list[EndpointReport] = []
        for r in rows:
            provider: Provider = r["provider"]
            if keyring is None:
                error = (
                    f"credential {r['name']!r}: no master key configured"
                    " (set USAGE_MASTER_KEY or USAGE_MASTER_KEY_FILE)"
                )
                failed.append(_unusable(r, error))
                continue
            aad = associated_data(provider, r["name"], r["organization_id"], r["base_url"])
            try:
                secret = keyring.decrypt(r["ciphertext"], aad, name=r["name"])
            except CredentialUnreadableError as exc:
                failed.append(_unusable(r, str(exc)))
                continue
            base_url = r["base_url"] or _configured_base_url(settings, provider)
            usable.append(Credential(provider, r["name"], r["organization_id"], base_url, secret))
        return LoadedCredentials(usable, failed)


def _configured_base_url(settings: Settings, provider: str) -> str:
    return settings.anthropic_base_url if provider == "anthropic" else settings.openai_base_url


async def all_credentials(settings: Settings, database_url: str | None) -> LoadedCredentials:
    """The environment's keys (one credential each) plus the stored ones, when there is a
    database. A malformed master key is a `ConfigError`; a missing one fails only the
    stored credentials."""
    env = credentials_from_settings(settings)
    if database_url is None:
        return LoadedCredentials(env, [])
    keyring = Keyring.from_settings(settings) if master_key_configured(settings) else None
    try:
        async with CredentialStore.open(database_url) as store:
            stored = await store.load(settings, keyring)
    except asyncpg.PostgresError as exc:
        raise InfrastructureError(f"cannot read stored credentials: {exc}") from exc
    # USAGE_<PROVIDER>_ENABLED=false turns a provider off for stored credentials too.
    failed = [f for f in stored.failed if getattr(settings, f"{f.provider}_enabled")]
    return LoadedCredentials(env + enabled_only(stored.usable, settings), failed)


def _unusable(row: asyncpg.Record, error: str) -> EndpointReport:
    """A stored credential that cannot be used: one failed job of every endpoint ("*")."""
    return EndpointReport(
        row["provider"],
        "*",
        credential_id=row["name"],
        organization_id=row["organization_id"],
        error=error,
    )


def credential_source(
    load: Callable[[], Awaitable[LoadedCredentials]],
) -> Callable[[], Awaitable[LoadedCredentials]]:
    """What the polling loop reads every cycle: `load()`, each failure logged naming its
    credential; while the store cannot be read, the last set that loaded is used (the
    first load must succeed)."""
    last: LoadedCredentials | None = None

    async def usable() -> LoadedCredentials:
        nonlocal last
        try:
            last = await load()
        except InfrastructureError as exc:
            if last is None:
                raise
            log.warning("cannot read stored credentials, using the last ones: %s", exc)
        for failure in last.failed:
            fields = {"provider": failure.provider, "credential": failure.credential_id}
            log.warning("credential skipped: %s", failure.error, extra=fields)
        return last

    return usable
