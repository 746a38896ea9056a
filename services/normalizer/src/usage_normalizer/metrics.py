"""Normalizer metrics, labeled by provider (bounded: openai, anthropic, unknown)."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["DLQ_MESSAGES", "EVENTS_NORMALIZED", "PAGES_NORMALIZED"]

PAGES_NORMALIZED = Counter(
    "usage_normalize_pages_total", "Raw pages processed, by outcome", ["provider", "outcome"]
)
EVENTS_NORMALIZED = Counter(
    "usage_normalize_events_total", "Canonical usage events produced", ["provider"]
)
DLQ_MESSAGES = Counter(
    "usage_dlq_messages_total", "Messages sent to the dead-letter topic", ["provider", "stage"]
)
