"""Deterministic randomness: blake2b digests of (seed, provider, epoch, key).

Python's `hash` is salted per process and floats differ across libms, so every
synthetic number comes from these bytes through integer arithmetic only.
"""

from __future__ import annotations

import hashlib

__all__ = ["digest", "u32"]


def digest(seed: int, provider: str, epoch: int, key: str) -> bytes:
    message = f"{seed}|{provider}|{epoch}|{key}".encode()
    return hashlib.blake2b(message, digest_size=64).digest()


def u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 4], "big")
