"""Bucket widths, their page limits, and UTC snapping shared by both fake providers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

__all__ = [
    "BUCKET_WIDTHS",
    "LIMITS",
    "BucketWidth",
    "bucket_delta",
    "snap",
    "to_unix",
]

BucketWidth = Literal["1m", "1h", "1d"]

BUCKET_WIDTHS: tuple[BucketWidth, ...] = ("1m", "1h", "1d")

# (default, max) buckets per page; identical for OpenAI and Anthropic.
LIMITS: dict[BucketWidth, tuple[int, int]] = {
    "1d": (7, 31),
    "1h": (24, 168),
    "1m": (60, 1440),
}

_DELTAS: dict[BucketWidth, timedelta] = {
    "1m": timedelta(minutes=1),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}


def bucket_delta(width: BucketWidth) -> timedelta:
    return _DELTAS[width]


def snap(at: datetime, width: BucketWidth) -> datetime:
    """Start of the bucket holding `at`, in UTC (both providers snap this way)."""
    at = at.astimezone(UTC)
    if width == "1d":
        return at.replace(hour=0, minute=0, second=0, microsecond=0)
    if width == "1h":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(second=0, microsecond=0)


def to_unix(at: datetime) -> int:
    return int(at.timestamp())
