"""Data freshness: the end of the newest complete bucket written, per provider and endpoint.

A bucket is complete when it ended at or before it was fetched: the provider had closed it,
so its values are final but for late revisions. The current hour, fetched while it runs,
is partial and does not count. The gauge only moves forward in a process, so a replay or a
backfill of an old window never makes the data look older than it is.

The `endpoint` label uses the fetcher's endpoint names, so freshness joins with its
watermark and run metrics `on (provider, endpoint)`: a usage bucket's endpoint is its
`usage_type`; a cost line's is the provider's cost endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .metrics import NEWEST_BUCKET
from .tables import Event

__all__ = ["bucket_end", "endpoint_of", "record_freshness"]

COST_ENDPOINTS = {"anthropic": "cost_report", "openai": "costs"}
"""The fetcher's name of each provider's cost endpoint (its run and watermark metrics)."""

_newest: dict[tuple[str, str], float] = {}


def endpoint_of(event: Event) -> str:
    if event.kind == "usage":
        return event.usage_type
    if event.kind == "cost":
        return COST_ENDPOINTS[event.provider]
    return "claude_code"


def bucket_end(event: Event) -> datetime:
    if event.kind == "claude_code":
        return event.day_start + timedelta(days=1)
    return event.window_end


def record_freshness(events: Iterable[Event]) -> None:
    """Raise the gauge to the newest complete bucket among `events` (committed rows)."""
    for event in events:
        end = bucket_end(event)
        if end > event.fetched_at:
            continue
        key = (event.provider, endpoint_of(event))
        seconds = end.timestamp()
        if seconds > _newest.get(key, float("-inf")):
            _newest[key] = seconds
            NEWEST_BUCKET.labels(*key).set(seconds)
