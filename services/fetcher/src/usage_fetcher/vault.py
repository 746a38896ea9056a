"""Admin keys at rest: AES-256-GCM under a master key, with a key id for rotation.

Stored form: version (1 byte) | key id (8 bytes) | nonce (12 random bytes) | ciphertext+tag.
The associated data binds a ciphertext to its credential's provider, name, organization and
base URL: a ciphertext copied to another row, or a row pointed at another host, no longer
decrypts, so a database write cannot send a key somewhere else.

The `Keyring` holds the active master key (encrypts and decrypts) and previous ones
(decrypt only), so a rotation needs no downtime: deploy with the new key active and the old
one previous, run `credentials rotate-master-key`, then drop the previous key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from usage_common import ConfigError, Settings

from .errors import CredentialUnreadableError

__all__ = ["FORMAT_VERSION", "Keyring", "associated_data", "key_id_of", "master_key_configured"]

FORMAT_VERSION = 1
_KEY_ID_BYTES = 8
_NONCE_BYTES = 12
_HEADER = 1 + _KEY_ID_BYTES + _NONCE_BYTES


def key_id_of(key: bytes) -> str:
    """A short, stable name for a master key; a hash, so it reveals nothing of the key."""
    return hashlib.sha256(b"usage-pipeline master key id\0" + key).digest()[:_KEY_ID_BYTES].hex()


def associated_data(provider: str, name: str, organization_id: str, base_url: str | None) -> bytes:
    """Length-prefixed fields, so no two different credentials give the same bytes."""
    out = bytearray(b"usage-pipeline credential v1")
    for part in (provider, name, organization_id, base_url or ""):
        raw = part.encode()
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def master_key_configured(settings: Settings) -> bool:
    return settings.master_key is not None or settings.master_key_file is not None


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{source}: not base64 (generate one: openssl rand -base64 32)") from None
    if len(key) != 32:
        raise ConfigError(f"{source}: must decode to 32 bytes, got {len(key)}")
    return key


def _read_file(path: Path, variable: str) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {path}: {exc.strerror}") from None


class Keyring:
    """Master keys by key id: one active, any number previous.

    Usage:
        keyring = Keyring.from_settings(settings)
        blob = keyring.encrypt("sk-admin-...", aad)
        keyring.decrypt(blob, aad, name="acme-prod")  # -> "sk-admin-..."

    Parameters:
        active: the key new ciphertexts are made with (32 bytes).
        previous: keys that may still decrypt older ciphertexts.
    """

    def __init__(self, active: bytes, previous: Iterable[bytes] = ()) -> None:
        self.active_key_id = key_id_of(active)
        self._keys = {key_id_of(k): AESGCM(k) for k in previous}
        self._keys[self.active_key_id] = AESGCM(active)

    def __repr__(self) -> str:
        return f"Keyring(active={self.active_key_id!r}, keys={len(self._keys)})"

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """The active key from exactly one of USAGE_MASTER_KEY / USAGE_MASTER_KEY_FILE,
        previous ones from USAGE_MASTER_KEYS_PREVIOUS or its _FILE (comma or line separated)."""
        if settings.master_key is not None and settings.master_key_file is not None:
            raise ConfigError("set USAGE_MASTER_KEY or USAGE_MASTER_KEY_FILE, not both")
        if settings.master_key is not None:
            active = _decode_key(settings.master_key.get_secret_value(), "USAGE_MASTER_KEY")
        elif settings.master_key_file is not None:
            text = _read_file(settings.master_key_file, "USAGE_MASTER_KEY_FILE")
            active = _decode_key(text, "USAGE_MASTER_KEY_FILE")
        else:
            raise ConfigError(
                "no master key: set USAGE_MASTER_KEY (base64 of 32 bytes) or"
                " USAGE_MASTER_KEY_FILE to use stored credentials"
            )
        previous = _previous_keys(settings.master_keys_previous, settings.master_keys_previous_file)
        return cls(active, previous)

    def encrypt(self, secret: str, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        prefix = bytes([FORMAT_VERSION]) + bytes.fromhex(self.active_key_id)
        # The version and key id are authenticated too: no header byte can be swapped.
        sealed = self._keys[self.active_key_id].encrypt(nonce, secret.encode(), prefix + aad)
        return prefix + nonce + sealed

    def key_id_in(self, blob: bytes) -> str | None:
        if len(blob) <= _HEADER or blob[0] != FORMAT_VERSION:
            return None
        return blob[1 : 1 + _KEY_ID_BYTES].hex()

    def decrypt(self, blob: bytes, aad: bytes, *, name: str) -> SecretStr:
        """The secret, or `CredentialUnreadableError` naming the credential (never a key)."""
        key_id = self.key_id_in(blob)
        if key_id is None:
            raise CredentialUnreadableError(
                name, f"credential {name!r}: ciphertext is not in format v{FORMAT_VERSION}"
            )
        aead = self._keys.get(key_id)
        if aead is None:
            raise CredentialUnreadableError(
                name,
                f"credential {name!r}: encrypted under master key {key_id}, which is not"
                f" configured (configured: {', '.join(self.key_ids)})",
            )
        try:
            prefix, nonce = blob[: 1 + _KEY_ID_BYTES], blob[1 + _KEY_ID_BYTES : _HEADER]
            plain = aead.decrypt(nonce, blob[_HEADER:], prefix + aad)
        except InvalidTag:
            raise CredentialUnreadableError(
                name,
                f"credential {name!r}: does not decrypt with master key {key_id}"
                " (tampered ciphertext, or its provider, name, organization or base URL changed)",
            ) from None
        return SecretStr(plain.decode())


def _previous_keys(value: SecretStr | None, path: Path | None) -> list[bytes]:
    if value is not None and path is not None:
        raise ConfigError(
            "set USAGE_MASTER_KEYS_PREVIOUS or USAGE_MASTER_KEYS_PREVIOUS_FILE, not both"
        )
    if value is not None:
        text, source = value.get_secret_value(), "USAGE_MASTER_KEYS_PREVIOUS"
    elif path is not None:
        text = _read_file(path, "USAGE_MASTER_KEYS_PREVIOUS_FILE")
        source = "USAGE_MASTER_KEYS_PREVIOUS_FILE"
    else:
        return []
    parts = [p for p in text.replace("\n", ",").split(",") if p.strip()]
    return [_decode_key(p, f"{source} (entry {i + 1})") for i, p in enumerate(parts)]
