"""The credential store on a real PostgreSQL: add/list/remove/rotate, loading, and that no
key byte is ever stored in clear."""

from __future__ import annotations

import base64
import os

import asyncpg
import pytest

from usage_common import Settings
from usage_fetcher import (
    CredentialInputError,
    CredentialStore,
    CredentialUnreadableError,
    Keyring,
    NewCredential,
    all_credentials,
)
from usage_schema import apply_migrations

pytestmark = pytest.mark.postgres

KEY_A = "sk-admin-AAAAsecretPARTofTHEkeyA9f3"
KEY_B = "sk-ant-admin01-BBBBsecretPARTofTHEkeyB7e1"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def stored_text(url: str) -> str:
    """Every row of every table, as text: what a database dump would contain."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        parts = []
        for t in tables:
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{t["tablename"]}" t')
            parts += [r["row"] for r in rows]
        return "\n".join(parts)
    finally:
        await conn.close()


def assert_no_key_bytes(text: str, key: str) -> None:
    for i in range(len(key) - 7):
        assert key[i : i + 8] not in text, f"key bytes {i}..{i + 8} found"


async def test_add_list_remove_and_no_key_bytes_are_stored(database_url: str) -> None:
    await apply_migrations(database_url)
    ring = Keyring(os.urandom(32))
    async with CredentialStore.open(database_url) as store:
        added = await store.add(ring, NewCredential("openai", "acme", "org-1", None, KEY_A))
        await store.add(ring, NewCredential("anthropic", "beta", "org-2", None, KEY_B))
        assert added.key_hint == "…" + KEY_A[-4:]
        assert added.key_id == ring.active_key_id
        listed = await store.list_all()
        assert [(c.name, c.provider, c.organization_id) for c in listed] == [
            ("acme", "openai", "org-1"),
            ("beta", "anthropic", "org-2"),
        ]
        assert KEY_A not in repr(listed)
        text = await stored_text(database_url)
        assert "acme" in text  # the dump does hold the rows
        assert_no_key_bytes(text, KEY_A)
        assert_no_key_bytes(text, KEY_B)

        with pytest.raises(CredentialInputError, match="named 'acme' already exists"):
            await store.add(ring, NewCredential("openai", "acme", "org-9", None, KEY_A))
        with pytest.raises(CredentialInputError, match="organization 'org-1' already exists"):
            await store.add(ring, NewCredential("openai", "acme-2", "org-1", None, KEY_A))
        with pytest.raises(CredentialInputError, match="not a anthropic admin key"):
            await store.add(ring, NewCredential("anthropic", "c", "org-3", None, KEY_A))
        # Behind a proxy or the simulator any key is accepted.
        await store.add(ring, NewCredential("anthropic", "c", "org-3", "http://sim:1", "k"))

        await store.remove("acme")
        assert [c.name for c in await store.list_all()] == ["beta", "c"]
        with pytest.raises(CredentialInputError, match="no stored credential named 'acme'"):
            await store.remove("acme")


async def test_load_keeps_env_keys_and_fails_only_the_undecryptable(database_url: str) -> None:
    await apply_migrations(database_url)
    key, stranger = os.urandom(32), os.urandom(32)
    async with CredentialStore.open(database_url) as store:
        await store.add(Keyring(key), NewCredential("openai", "good", "org-1", None, KEY_A))
        await store.add(Keyring(stranger), NewCredential("anthropic", "bad", "org-2", None, KEY_B))
    settings = Settings(
        master_key=b64(key), openai_admin_key="sk-admin-env", openai_base_url="http://x/v1"
    )
    loaded = await all_credentials(settings, database_url)
    assert [(c.credential_id, c.organization_id, c.base_url) for c in loaded.usable] == [
        ("env:openai", "default", "http://x/v1"),
        ("good", "org-1", "http://x/v1"),
    ]
    assert loaded.usable[1].secret.get_secret_value() == KEY_A
    [failure] = loaded.failed
    assert failure.credential_id == "bad" and failure.provider == "anthropic"
    assert failure.error is not None and "'bad'" in failure.error

    # Without any master key, the stored ones fail and the env key still works.
    bare = await all_credentials(Settings(openai_admin_key="sk-admin-env"), database_url)
    assert [c.credential_id for c in bare.usable] == ["env:openai"]
    assert all("no master key" in (f.error or "") for f in bare.failed)


async def test_rotation_reencrypts_everything_or_nothing(database_url: str) -> None:
    await apply_migrations(database_url)
    old, new, stranger = os.urandom(32), os.urandom(32), os.urandom(32)
    async with CredentialStore.open(database_url) as store:
        await store.add(Keyring(old), NewCredential("openai", "a", "org-1", None, KEY_A))
        await store.add(Keyring(old), NewCredential("anthropic", "b", "org-2", None, KEY_B))

        # One row nobody can decrypt: the rotation changes nothing and names it.
        await store.add(Keyring(stranger), NewCredential("openai", "z", "org-3", None, KEY_A))
        before = await stored_text(database_url)
        with pytest.raises(CredentialUnreadableError, match=r"nothing changed.*'z'"):
            await store.rotate(Keyring(new, [old]))
        assert await stored_text(database_url) == before

        await store.remove("z")
        assert await store.rotate(Keyring(new, [old])) == 2
        assert {c.key_id for c in await store.list_all()} == {Keyring(new).active_key_id}
    # The old key is no longer needed.
    loaded = await all_credentials(Settings(master_key=b64(new)), database_url)
    assert [c.secret.get_secret_value() for c in loaded.usable] == [KEY_A, KEY_B]
    assert not loaded.failed
    only_old = await all_credentials(Settings(master_key=b64(old)), database_url)
    assert not only_old.usable and len(only_old.failed) == 2


async def test_without_the_table_only_env_keys_load(database_url: str) -> None:
    loaded = await all_credentials(Settings(anthropic_admin_key="sk-ant-admin-x"), database_url)
    assert [c.credential_id for c in loaded.usable] == ["env:anthropic"] and not loaded.failed


async def test_a_disabled_provider_loads_no_stored_credential(database_url: str) -> None:
    await apply_migrations(database_url)
    key = os.urandom(32)
    async with CredentialStore.open(database_url) as store:
        await store.add(Keyring(key), NewCredential("openai", "o", "org-1", None, KEY_A))
        await store.add(
            Keyring(os.urandom(32)), NewCredential("anthropic", "a", "org-2", None, KEY_B)
        )
    loaded = await all_credentials(
        Settings(master_key=b64(key), openai_enabled=False, anthropic_enabled=False), database_url
    )
    assert loaded.usable == [] and loaded.failed == []
