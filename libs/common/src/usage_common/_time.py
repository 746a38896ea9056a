"""UTC time helpers: every timestamp in the pipeline is tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ._types import BucketWidth

__all__ = ["bucket_delta", "ensure_utc", "floor_to_bucket", "parse_instant", "utc_now"]

_DELTAS: dict[str, timedelta] = {
    "1m": timedelta(minutes=1),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return `value` in UTC; naive datetimes are refused, never guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value.isoformat()} has no timezone; UTC is required")
    return value.astimezone(UTC)


def bucket_delta(width: BucketWidth) -> timedelta:
    return _DELTAS[width]


def floor_to_bucket(value: datetime, width: BucketWidth) -> datetime:
    """Snap down to the start of the bucket in UTC, as both providers do."""
    value = ensure_utc(value)
    if width == "1d":
        return value.replace(hour=0, minute=0, second=0, microsecond=0)
    if width == "1h":
        return value.replace(minute=0, second=0, microsecond=0)
    return value.replace(second=0, microsecond=0)


def parse_instant(text: str) -> datetime:
    """Parse a CLI date (`2025-11-01`) or timestamp into an aware UTC datetime.

    A date means midnight UTC. A timestamp without an offset is taken as UTC, because
    every window in this product is UTC and a local-time reading would silently shift it.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"cannot read {text!r} as a UTC date (YYYY-MM-DD) or timestamp (ISO 8601)"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
