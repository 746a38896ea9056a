"""Normalizer metrics, labeled by provider (bounded: openai, anthropic, unknown)."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["DLQ_MESSAGES", "EVENTS_NORMALIZED", "PAGES_NORMALIZED", "PRICE_UNKNOWN"]

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
