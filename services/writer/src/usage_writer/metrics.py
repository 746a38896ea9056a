"""Writer metrics, labeled by provider."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BATCH_DURATION",
    "BATCH_SIZE",
    "DLQ_MESSAGES",
    "NEWEST_BUCKET",
    "ROWS",
    "start_series",
]

ROWS = Counter(
    "usage_writer_rows_total",
    "Records written, by kind (usage, cost, claude_code) and outcome: inserted, updated,"
    " unchanged, stale",
    ["provider", "kind", "outcome"],
)
BATCH_SIZE = Histogram(
    "usage_writer_batch_size",
    "Events per batch, before in-batch dedupe",
    buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000),
)
BATCH_DURATION = Histogram(
    "usage_writer_batch_duration_seconds", "Time to decode, dedupe and commit one batch"
)
NEWEST_BUCKET = Gauge(
    "usage_data_newest_bucket_end_timestamp_seconds",
    "End of the newest complete bucket written (ended before it was fetched), per provider"
    " and endpoint: data freshness",
    ["provider", "endpoint"],
)
DLQ_MESSAGES = Counter(
    "usage_writer_dead_letters_total", "Events the writer could not decode", ["provider"]
)


def start_series() -> None:
    """Create the children that alerts take `increase()` of, at 0: an increase needs a
    sample before the first event, or the first event is never seen."""
    DLQ_MESSAGES.labels("unknown")
