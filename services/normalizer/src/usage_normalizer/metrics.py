"""Normalizer metrics, labeled by provider (bounded: openai, anthropic, unknown)."""

from __future__ import annotations

from typing import get_args

from prometheus_client import Counter

from usage_common import Provider

__all__ = [
    "DLQ_MESSAGES",
    "EVENTS_NORMALIZED",
    "PAGES_NORMALIZED",
    "PRICE_UNKNOWN",
    "start_series",
]

PAGES_NORMALIZED = Counter(
    "usage_normalize_pages_total", "Raw pages processed, by outcome", ["provider", "outcome"]
)
EVENTS_NORMALIZED = Counter(
    "usage_normalize_events_total", "Canonical usage events produced", ["provider"]
)
DLQ_MESSAGES = Counter(
    "usage_dlq_messages_total", "Messages sent to the dead-letter topic", ["provider", "stage"]
)
PRICE_UNKNOWN = Counter(
    "usage_price_unknown_total",
    "Usage events naming a model that could not be priced (cost left null)",
    ["provider"],
)


def start_series() -> None:
    """Create the children that alerts take `increase()` of, at 0: an increase needs a
    sample before the first event, or the first event is never seen."""
    for provider in (*get_args(Provider), "unknown"):
        DLQ_MESSAGES.labels(provider, "normalizer")
        for outcome in ("ok", "dead_lettered"):
            PAGES_NORMALIZED.labels(provider, outcome)
