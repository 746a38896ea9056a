"""The envelope: AES-256-GCM round trips, and every way a ciphertext can fail to decrypt."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from usage_common import ConfigError, Settings
from usage_fetcher import CredentialUnreadableError, Keyring
from usage_fetcher.vault import associated_data, key_id_of

SECRET = "sk-admin-THE-SECRET-VALUE-1234"
AAD = associated_data("openai", "acme", "org-1", None)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_round_trip_and_fresh_nonce_each_time() -> None:
    ring = Keyring(os.urandom(32))
    first, second = ring.encrypt(SECRET, AAD), ring.encrypt(SECRET, AAD)
    assert first != second  # random nonce
    assert SECRET.encode() not in first
    assert ring.decrypt(first, AAD, name="acme").get_secret_value() == SECRET


def test_wrong_master_key_names_the_credential_not_the_key() -> None:
    key, other = os.urandom(32), os.urandom(32)
    blob = Keyring(key).encrypt(SECRET, AAD)
    with pytest.raises(CredentialUnreadableError, match=r"'acme'.*not configured") as caught:
        Keyring(other).decrypt(blob, AAD, name="acme")
    assert caught.value.name == "acme"
    assert SECRET not in str(caught.value) and b64(key) not in str(caught.value)


@pytest.mark.parametrize("index", [0, 1, 9, 21, -1])
def test_any_tampered_byte_is_refused(index: int) -> None:
    ring = Keyring(os.urandom(32))
    blob = bytearray(ring.encrypt(SECRET, AAD))
    blob[index] ^= 0x01
    with pytest.raises(CredentialUnreadableError, match="'acme'"):
        ring.decrypt(bytes(blob), AAD, name="acme")


@pytest.mark.parametrize(
    "other",
    [
        ("anthropic", "acme", "org-1", None),
        ("openai", "acme2", "org-1", None),
        ("openai", "acme", "org-2", None),
        ("openai", "acme", "org-1", "http://evil.example"),
        ("openai", "acmeo", "rg-1", None),  # the same characters, split elsewhere
    ],
)
def test_a_ciphertext_moved_to_another_credential_does_not_decrypt(
    other: tuple[str, str, str, str | None],
) -> None:
    ring = Keyring(os.urandom(32))
    blob = ring.encrypt(SECRET, AAD)
    with pytest.raises(CredentialUnreadableError, match="does not decrypt"):
        ring.decrypt(blob, associated_data(*other), name="acme")


def test_a_previous_key_decrypts_but_the_active_one_encrypts() -> None:
    old, new = os.urandom(32), os.urandom(32)
    blob = Keyring(old).encrypt(SECRET, AAD)
    ring = Keyring(new, [old])
    assert ring.decrypt(blob, AAD, name="acme").get_secret_value() == SECRET
    assert ring.key_id_in(ring.encrypt(SECRET, AAD)) == key_id_of(new) == ring.active_key_id
    assert ring.key_id_in(blob) == key_id_of(old)


def test_key_id_is_short_stable_and_reveals_no_key_bytes() -> None:
    key = os.urandom(32)
    assert key_id_of(key) == key_id_of(key) != key_id_of(os.urandom(32))
    assert len(key_id_of(key)) == 16 and key.hex()[:8] not in key_id_of(key)


def test_keys_from_the_environment_and_files(tmp_path: Path) -> None:
    active, old1, old2 = os.urandom(32), os.urandom(32), os.urandom(32)
    (tmp_path / "active").write_text(b64(active) + "\n")
    (tmp_path / "previous").write_text(f"{b64(old1)}\n{b64(old2)}\n")
    from_files = Keyring.from_settings(
        Settings(
            master_key_file=tmp_path / "active", master_keys_previous_file=tmp_path / "previous"
        )
    )
    from_env = Keyring.from_settings(
        Settings(master_key=b64(active), master_keys_previous=f"{b64(old1)},{b64(old2)}")
    )
    assert from_files.key_ids == from_env.key_ids == sorted(map(key_id_of, (active, old1, old2)))
    assert from_env.active_key_id == key_id_of(active)
    assert b64(active) not in repr(from_env)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "USAGE_MASTER_KEY"),
        ({"master_key": "not base64!"}, "USAGE_MASTER_KEY: not base64"),
        ({"master_key": b64(b"short")}, "USAGE_MASTER_KEY: must decode to 32 bytes, got 5"),
        ({"master_key": b64(bytes(32)), "master_key_file": "/x"}, "not both"),
        ({"master_key_file": "/nonexistent/key"}, "USAGE_MASTER_KEY_FILE: cannot read"),
        (
            {"master_key": b64(bytes(32)), "master_keys_previous": "AAAA"},
            r"USAGE_MASTER_KEYS_PREVIOUS \(entry 1\): must decode to 32 bytes",
        ),
    ],
)
def test_a_bad_master_key_is_refused_naming_the_variable(
    settings: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Keyring.from_settings(Settings(**settings))  # type: ignore[arg-type]
