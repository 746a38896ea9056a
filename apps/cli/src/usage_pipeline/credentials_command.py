"""`usage-pipeline credentials add|list|remove|rotate-master-key`: the encrypted store.

Thin: options -> `usage_fetcher.CredentialStore` -> one line or a table. The admin key is
read from standard input only (never an argument, which `ps` and shell history would show)
and is never printed: `list` shows its last 4 characters. Migrations are applied first, as
`up` does. Exit codes: 2 bad input or configuration (no master key, duplicate or unknown
name); 1 a credential that does not decrypt (rotation then changes nothing).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from usage_common import ConfigError, Settings
from usage_fetcher import CredentialStore, Keyring, NewCredential, StoredCredential
from usage_schema import apply_migrations

from .cli_support import FormatOption, ProviderOption, load_settings, run_async, setup_logging
from .database import database_url

__all__ = ["register"]

T = TypeVar("T")

credentials_app = typer.Typer(
    name="credentials",
    help="Provider admin keys, stored encrypted in PostgreSQL (USAGE_MASTER_KEY).",
    no_args_is_help=True,
)


async def _with_store(settings: Settings, work: Callable[[CredentialStore], Awaitable[T]]) -> T:
    async with database_url(settings, _say) as url:
        await apply_migrations(url)
        async with CredentialStore.open(url) as store:
            return await work(store)


def _say(line: str) -> None:
    typer.echo(line, err=True)


def read_secret() -> str:
    """The key from standard input: one trailing newline stripped, nothing else."""
    text = getpass.getpass("admin key: ") if sys.stdin.isatty() else sys.stdin.read()
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise ConfigError("no admin key on standard input (pipe it in: ... | credentials add)")
    return text


@credentials_app.command("add")
def add(
    provider: Annotated[ProviderOption, typer.Option("--provider", help="anthropic or openai")],
    name: Annotated[str, typer.Option("--name", help="unique name; shown as credential id")],
    organization_id: Annotated[
        str, typer.Option("--organization-id", help="tenant id stored with every row")
    ] = "default",
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="a proxy or the simulator, not the real API")
    ] = None,
) -> None:
    """Store an admin key read from standard input, encrypted with the master key."""
    setup_logging(False)
    settings = load_settings()

    async def go() -> StoredCredential:
        keyring = Keyring.from_settings(settings)  # refuse before reading or starting anything
        new = NewCredential(
            provider.value, name, organization_id, base_url and base_url.rstrip("/"), read_secret()
        )
        new.validate()
        return await _with_store(settings, lambda store: store.add(keyring, new))

    stored = run_async(go())
    typer.echo(
        f"added {stored.name}: {stored.provider} organization {stored.organization_id}"
        f" key {stored.key_hint} (master key {stored.key_id})"
    )


@credentials_app.command("list")
def list_(
    fmt: Annotated[
        FormatOption, typer.Option("--format", help="table or json")
    ] = FormatOption.table,
) -> None:
    """Stored credentials; never a key, only its last 4 characters."""
    setup_logging(False)
    settings = load_settings()
    rows = run_async(_with_store(settings, lambda store: store.list_all()))
    typer.echo(_json(rows) if fmt is FormatOption.json else _table(rows))


@credentials_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="the credential's name")]) -> None:
    """Delete a stored credential."""
    setup_logging(False)
    settings = load_settings()
    run_async(_with_store(settings, lambda store: store.remove(name)))
    typer.echo(f"removed {name}")


@credentials_app.command("rotate-master-key")
def rotate_master_key() -> None:
    """Re-encrypt every stored credential under the active master key, in one transaction.

    Run it with the new key in USAGE_MASTER_KEY and the old one in USAGE_MASTER_KEYS_PREVIOUS."""
    setup_logging(False)
    settings = load_settings()

    async def go() -> tuple[int, str]:
        keyring = Keyring.from_settings(settings)
        count = await _with_store(settings, lambda store: store.rotate(keyring))
        return count, keyring.active_key_id

    count, key_id = run_async(go())
    typer.echo(f"re-encrypted {count} credential(s) under master key {key_id}")


_HEADER = ("NAME", "PROVIDER", "ORGANIZATION", "BASE URL", "KEY", "KEY ID", "CREATED")


def _cells(c: StoredCredential) -> tuple[str, ...]:
    created = f"{c.created_at:%Y-%m-%dT%H:%M:%SZ}"
    base = c.base_url or "(provider default)"
    return (c.name, c.provider, c.organization_id, base, c.key_hint, c.key_id, created)


def _table(rows: list[StoredCredential]) -> str:
    if not rows:
        return "no stored credentials"
    lines = [_HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(_HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _json(rows: list[StoredCredential]) -> str:
    keys = ("name", "provider", "organization_id", "base_url", "key_hint", "key_id")
    return json.dumps(
        [{k: getattr(r, k) for k in keys} | {"created_at": r.created_at.isoformat()} for r in rows],
        indent=2,
        ensure_ascii=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(credentials_app, name="credentials")
