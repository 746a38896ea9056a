"""Fetcher metrics. Labels are bounded: provider and endpoint names, status classes."""

from __future__ import annotations

from typing import get_args

from prometheus_client import Counter, Gauge, Histogram

from usage_common import Provider

__all__ = [
    "BUDGET_ACQUIRED",
    "BUDGET_AVAILABLE",
    "BUDGET_RATE",
    "BUDGET_WAIT",
    "BUDGET_WAITS",
    "FETCH_CYCLES",
    "FETCH_DURATION",
    "FETCH_PAGES",
    "FETCH_RATE_LIMITED",
    "FETCH_REQUESTS",
    "FETCH_RETRIES",
    "INGESTION_RUNS",
    "INGESTION_RUN_DURATION",
    "LAST_SUCCESS",
    "WATERMARK",
    "record_watermark",
    "start_series",
]

FETCH_REQUESTS = Counter(
    "usage_fetch_requests_total",
    "HTTP requests to provider admin APIs, by outcome",
    ["provider", "endpoint", "code"],
)
FETCH_DURATION = Histogram(
    "usage_fetch_request_duration_seconds",
    "Latency of provider admin API requests",
    ["provider", "endpoint"],
)
FETCH_RATE_LIMITED = Counter(
    "usage_fetch_rate_limited_total", "Responses with HTTP 429 from a provider", ["provider"]
)
FETCH_RETRIES = Counter(
    "usage_fetch_retries_total", "Requests retried after a transient failure", ["provider"]
)
FETCH_PAGES = Counter(
    "usage_fetch_pages_published_total",
    "Raw pages published to the raw topic",
    ["provider", "endpoint"],
)
FETCH_CYCLES = Counter(
    "usage_fetch_cycles_total", "Fetch cycles per provider, by result", ["provider", "result"]
)
LAST_SUCCESS = Gauge(
    "usage_fetch_last_success_timestamp_seconds",
    "Unix time of the last fully successful fetch cycle",
    ["provider"],
)
BUDGET_WAIT = Counter(
    "usage_fetch_budget_wait_seconds_total",
    "Time requests waited for the provider's request budget",
    ["provider"],
)
BUDGET_WAITS = Counter(
    "usage_fetch_budget_waits_total",
    "Requests that had to wait for the provider's request budget",
    ["provider"],
)
BUDGET_ACQUIRED = Counter(
    "usage_fetch_budget_acquired_total",
    "Requests admitted by the provider's request budget (one token each, retries included)",
    ["provider"],
)
BUDGET_AVAILABLE = Gauge(
    "usage_fetch_budget_available_requests",
    "Requests the provider's budget could admit at once, as of its last admission",
    ["provider"],
)
BUDGET_RATE = Gauge(
    "usage_fetch_budget_sustained_requests_per_second",
    "Configured sustained rate of the provider's request budget; budget use is"
    " rate(usage_fetch_budget_acquired_total) divided by this",
    ["provider"],
)
INGESTION_RUNS = Counter(
    "usage_ingestion_runs_total",
    "Fetches of one credential x endpoint window, by outcome",
    ["provider", "endpoint", "outcome"],
)
INGESTION_RUN_DURATION = Histogram(
    "usage_ingestion_run_duration_seconds",
    "Duration of one credential x endpoint fetch",
    ["provider", "endpoint"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
WATERMARK = Gauge(
    "usage_fetch_watermark_timestamp_seconds",
    "End of the last window fully fetched, oldest over the credentials of a provider",
    ["provider", "endpoint"],
)

# Per (provider, endpoint): each credential's newest watermark in this process. Credentials
# stay out of the labels: their names are the operator's and change with rotations.
_watermarks: dict[tuple[str, str], dict[str, float]] = {}


def record_watermark(provider: str, endpoint: str, credential_id: str, until: float) -> None:
    """Set the gauge to the oldest watermark over the credentials of a provider, each
    credential's own never moving backwards (an old window fetched again is no regression)."""
    marks = _watermarks.setdefault((provider, endpoint), {})
    marks[credential_id] = max(until, marks.get(credential_id, until))
    WATERMARK.labels(provider, endpoint).set(min(marks.values()))


def start_series() -> None:
    """Create the children that alerts take `increase()` of, at 0: an increase needs a
    sample before the first event, or the first event is never seen."""
    for provider in get_args(Provider):
        FETCH_RATE_LIMITED.labels(provider)
        FETCH_RETRIES.labels(provider)
        BUDGET_WAITS.labels(provider)
        BUDGET_WAIT.labels(provider)
        for result in ("ok", "error"):
            FETCH_CYCLES.labels(provider, result)
