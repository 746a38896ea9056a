"""Every Prometheus metric the Operations dashboard reads, named once.

Each is exported by a service's `metrics.py` (or the transport's): the test
`test_metric_names` fails when a dashboard queries a name nobody exports.
"""

from __future__ import annotations

__all__ = [
    "BATCH_DURATION",
    "BATCH_SIZE",
    "BUDGET_ACQUIRED",
    "BUDGET_AVAILABLE",
    "BUDGET_RATE",
    "BUDGET_WAIT",
    "CONSUMER_FAILURES",
    "CONSUMER_LAG",
    "DLQ",
    "EVENTS_NORMALIZED",
    "FETCH_CYCLES",
    "FETCH_DURATION",
    "FETCH_PAGES",
    "FETCH_RATE_LIMITED",
    "FETCH_REQUESTS",
    "FETCH_RETRIES",
    "INGESTION_RUNS",
    "LAST_SUCCESS",
    "NEWEST_BUCKET_END",
    "PAGES_NORMALIZED",
    "PRICE_UNKNOWN",
    "WATERMARK",
    "WRITER_DEAD_LETTERS",
    "WRITER_ROWS",
]

# fetcher
FETCH_REQUESTS = "usage_fetch_requests_total"  # provider, endpoint, code
FETCH_DURATION = "usage_fetch_request_duration_seconds"  # provider, endpoint
FETCH_RATE_LIMITED = "usage_fetch_rate_limited_total"  # provider
FETCH_RETRIES = "usage_fetch_retries_total"  # provider
FETCH_PAGES = "usage_fetch_pages_published_total"  # provider, endpoint
FETCH_CYCLES = "usage_fetch_cycles_total"  # provider, result
LAST_SUCCESS = "usage_fetch_last_success_timestamp_seconds"  # provider
WATERMARK = "usage_fetch_watermark_timestamp_seconds"  # provider, endpoint
INGESTION_RUNS = "usage_ingestion_runs_total"  # provider, endpoint, outcome
BUDGET_WAIT = "usage_fetch_budget_wait_seconds_total"  # provider
BUDGET_ACQUIRED = "usage_fetch_budget_acquired_total"  # provider
BUDGET_RATE = "usage_fetch_budget_sustained_requests_per_second"  # provider
BUDGET_AVAILABLE = "usage_fetch_budget_available_requests"  # provider

# normalizer
PAGES_NORMALIZED = "usage_normalize_pages_total"  # provider, outcome
EVENTS_NORMALIZED = "usage_normalize_events_total"  # provider
DLQ = "usage_dlq_messages_total"  # provider, stage
PRICE_UNKNOWN = "usage_price_unknown_total"  # provider

# writer
WRITER_ROWS = "usage_writer_rows_total"  # provider, kind, outcome
BATCH_SIZE = "usage_writer_batch_size"
BATCH_DURATION = "usage_writer_batch_duration_seconds"
WRITER_DEAD_LETTERS = "usage_writer_dead_letters_total"  # provider
NEWEST_BUCKET_END = "usage_data_newest_bucket_end_timestamp_seconds"  # provider, endpoint

# every consuming stage (the transport)
CONSUMER_LAG = "usage_consumer_lag_messages"  # group, topic
CONSUMER_FAILURES = "usage_consumer_failures_total"  # group, topic
