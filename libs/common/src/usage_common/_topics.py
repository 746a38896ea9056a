"""Kafka topic names: the contract between the stages."""

from __future__ import annotations

from typing import Final

__all__ = ["DLQ_TOPIC", "EVENTS_TOPIC", "RAW_TOPIC"]

RAW_TOPIC: Final = "usage.raw.v1"
"""Provider pages verbatim, in the `RawPage` envelope. Long retention: replay source."""

EVENTS_TOPIC: Final = "usage.events.v1"
"""Canonical `UsageEvent`s, keyed by dedupe key so one identity stays on one partition."""

DLQ_TOPIC: Final = "usage.dlq.v1"
"""`DeadLetter`s: what the normalizer could not read, with the reason and original bytes."""
