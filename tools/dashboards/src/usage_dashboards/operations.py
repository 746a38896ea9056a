"""The Operations dashboard (Prometheus): is ingestion healthy, and if not, where not.

Rates use `$__rate_interval`; the stats at the top sum over the whole range
(`$__range`). Every metric name comes from `metric_names`. Tokens and money are not
here: they are read from PostgreSQL (the Spend dashboard), because revised buckets would
double count in counters.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.models.dashboard import (
    Dashboard,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from . import metric_names as m
from .datasources import PROMETHEUS
from .panels import PromPanel, PromQuery, Section, build_dashboard

__all__ = ["SECTIONS", "UID", "operations_dashboard"]

UID = "usage-operations"

P = '{provider=~"$provider"}'
FAILED = '{provider=~"$provider", code!~"2.."}'
RATE = "[$__rate_interval]"


def _rate(metric: str, by: str, selector: str = P) -> str:
    return f"sum by ({by}) (rate({metric}{selector}{RATE}))"


def _quantile(q: str, metric: str, by: str, selector: str = "") -> str:
    inner = f"sum by (le{', ' + by if by else ''}) (rate({metric}_bucket{selector}{RATE}))"
    return f"histogram_quantile({q}, {inner})"


def _ts(
    title: str, description: str, *queries: PromQuery, unit: str, stacked: bool = False
) -> PromPanel:
    return PromPanel(title, description, "timeseries", queries, unit=unit, stacked=stacked)


def _stat(title: str, description: str, expr: str, unit: str) -> PromPanel:
    return PromPanel(title, description, "stat", (PromQuery(expr),), unit=unit, width=6, height=4)


# A counter with labels has no series until its first increment: `or vector(0)` keeps a
# stat at 0 instead of "No data" while nothing has failed.
OVERVIEW = Section(
    "Overview",
    (
        _stat(
            "Fetch error ratio",
            "Share of provider requests in the range that did not answer 2xx.",
            f"(sum(increase({m.FETCH_REQUESTS}{FAILED}[$__range])) or vector(0))"
            f" / sum(increase({m.FETCH_REQUESTS}{P}[$__range]))",
            "percentunit",
        ),
        _stat(
            "Oldest data",
            "Age of the newest complete bucket of the stalest provider x endpoint.",
            f"max(time() - max by (provider, endpoint) ({m.NEWEST_BUCKET_END}{P}))",
            "s",
        ),
        _stat(
            "Dead letters in range",
            "Pages and events sent to the dead-letter topic (`usage-pipeline dlq list`).",
            f"(sum(increase({m.DLQ}{P}[$__range])) or vector(0))"
            f" + (sum(increase({m.WRITER_DEAD_LETTERS}{P}[$__range])) or vector(0))",
            "short",
        ),
        _stat(
            "Largest consumer lag",
            "Records not yet consumed, over every consumer group and topic.",
            f"max({m.CONSUMER_LAG})",
            "short",
        ),
    ),
)

FETCH = Section(
    "Fetch",
    (
        _ts(
            "Requests by provider and endpoint",
            "Requests to the providers' admin APIs, retries included.",
            PromQuery(_rate(m.FETCH_REQUESTS, "provider, endpoint"), "{{provider}} {{endpoint}}"),
            unit="reqps",
        ),
        _ts(
            "Failed requests by provider, endpoint and code",
            "Answers other than 2xx; `timeout` and `transport_error` had no answer.",
            PromQuery(
                _rate(m.FETCH_REQUESTS, "provider, endpoint, code", FAILED),
                "{{provider}} {{endpoint}} {{code}}",
            ),
            unit="reqps",
        ),
        _ts(
            "Rate limited (429)",
            "HTTP 429 answers; each is retried after Retry-After.",
            PromQuery(_rate(m.FETCH_RATE_LIMITED, "provider"), "{{provider}}"),
            unit="reqps",
        ),
        _ts(
            "Retries",
            "Requests tried again after a 429, 5xx, 529 or timeout.",
            PromQuery(_rate(m.FETCH_RETRIES, "provider"), "{{provider}}"),
            unit="reqps",
        ),
        _ts(
            "Request latency p95",
            "95th percentile of provider request durations.",
            PromQuery(
                _quantile("0.95", m.FETCH_DURATION, "provider, endpoint", P),
                "{{provider}} {{endpoint}}",
            ),
            unit="s",
        ),
        _ts(
            "Pages published",
            "Raw pages published to the raw topic.",
            PromQuery(_rate(m.FETCH_PAGES, "provider, endpoint"), "{{provider}} {{endpoint}}"),
            unit="short",
        ),
        _ts(
            "Fetch cycles by result",
            "Cycles of one credential: `ok` when every endpoint was fetched.",
            PromQuery(
                f"sum by (provider, result) (increase({m.FETCH_CYCLES}{P}{RATE}))",
                "{{provider}} {{result}}",
            ),
            unit="short",
            stacked=True,
        ),
        _ts(
            "Ingestion runs by outcome",
            "Fetches of one credential x endpoint window (`usage-pipeline runs`).",
            PromQuery(
                f"sum by (provider, outcome) (increase({m.INGESTION_RUNS}{P}{RATE}))",
                "{{provider}} {{outcome}}",
            ),
            unit="short",
            stacked=True,
        ),
    ),
)

BUDGET = Section(
    "Request budget",
    (
        _ts(
            "Request budget use",
            "Requests admitted per second over the budget's sustained rate"
            " (`USAGE_<PROVIDER>_REQUESTS_PER_MINUTE`, summed over the fetchers).",
            PromQuery(
                f"{_rate(m.BUDGET_ACQUIRED, 'provider')} / sum by (provider) ({m.BUDGET_RATE}{P})",
                "{{provider}}",
            ),
            unit="percentunit",
        ),
        _ts(
            "Waiting for the budget",
            "Seconds per second that requests waited for a budget token, and the tokens"
            " left (the smallest over the fetchers).",
            PromQuery(_rate(m.BUDGET_WAIT, "provider"), "{{provider}} waiting"),
            PromQuery(f"min by (provider) ({m.BUDGET_AVAILABLE}{P})", "{{provider}} available"),
            unit="short",
        ),
    ),
)

FRESHNESS = Section(
    "Freshness",
    (
        _ts(
            "Data age by provider and endpoint",
            "Now minus the end of the newest complete bucket written.",
            PromQuery(
                f"time() - max by (provider, endpoint) ({m.NEWEST_BUCKET_END}{P})",
                "{{provider}} {{endpoint}}",
            ),
            unit="s",
        ),
        _ts(
            "Fetch watermark age",
            "Now minus the end of the last window fully fetched (oldest credential);"
            " the lag behind it, per cycle, is the endpoint's trailing re-fetch.",
            PromQuery(
                f"time() - min by (provider, endpoint) ({m.WATERMARK}{P})",
                "{{provider}} {{endpoint}}",
            ),
            PromQuery(
                f"time() - max by (provider) ({m.LAST_SUCCESS}{P})",
                "{{provider}} since the last successful cycle",
            ),
            unit="s",
        ),
    ),
)

NORMALIZE = Section(
    "Normalize",
    (
        _ts(
            "Pages normalized by outcome",
            "Raw pages read by the normalizer: `ok` or `dead_lettered`.",
            PromQuery(_rate(m.PAGES_NORMALIZED, "provider, outcome"), "{{provider}} {{outcome}}"),
            PromQuery(_rate(m.EVENTS_NORMALIZED, "provider"), "{{provider}} events"),
            unit="short",
        ),
        _ts(
            "Dead letters",
            "Messages sent to the dead-letter topic, by stage.",
            PromQuery(
                f"sum by (provider, stage) (increase({m.DLQ}{P}{RATE}))",
                "{{provider}} {{stage}}",
            ),
            PromQuery(
                f"sum by (provider) (increase({m.WRITER_DEAD_LETTERS}{P}{RATE}))",
                "{{provider}} writer",
            ),
            unit="short",
            stacked=True,
        ),
        _ts(
            "Events without a price",
            "Usage events whose model or unit has no price: their cost is left null.",
            PromQuery(_rate(m.PRICE_UNKNOWN, "provider"), "{{provider}}"),
            unit="short",
        ),
    ),
)

WRITE = Section(
    "Write",
    (
        _ts(
            "Rows by outcome",
            "Records written: inserted, updated (a revised bucket), unchanged (a replay),"
            " stale (older than the stored row).",
            PromQuery(_rate(m.WRITER_ROWS, "kind, outcome"), "{{kind}} {{outcome}}"),
            unit="short",
            stacked=True,
        ),
        _ts(
            "Batch latency",
            "Time to decode, dedupe and commit one batch.",
            PromQuery(_quantile("0.5", m.BATCH_DURATION, ""), "p50"),
            PromQuery(_quantile("0.95", m.BATCH_DURATION, ""), "p95"),
            PromQuery(_quantile("0.99", m.BATCH_DURATION, ""), "p99"),
            unit="s",
        ),
        _ts(
            "Batch size p95",
            "Events per batch before in-batch dedupe.",
            PromQuery(_quantile("0.95", m.BATCH_SIZE, ""), "p95"),
            unit="short",
        ),
    ),
)

KAFKA = Section(
    "Consumers",
    (
        _ts(
            "Consumer lag",
            "Records of each topic not yet consumed by each group.",
            PromQuery(f"max by (group, topic) ({m.CONSUMER_LAG})", "{{group}} {{topic}}"),
            unit="short",
        ),
        _ts(
            "Failed deliveries",
            "Deliveries whose handler raised; they are delivered again.",
            PromQuery(
                f"sum by (group, topic) (rate({m.CONSUMER_FAILURES}{RATE}))", "{{group}} {{topic}}"
            ),
            unit="short",
        ),
    ),
)

SECTIONS: tuple[Section, ...] = (OVERVIEW, FETCH, BUDGET, FRESHNESS, NORMALIZE, WRITE, KAFKA)


def operations_dashboard() -> Dashboard:
    provider = (
        builders.QueryVariable("provider")
        .label("Provider")
        .datasource(PROMETHEUS.ref)
        .query("label_values(provider)")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(VariableOption(selected=True, text=["All"], value=["$__all"]))
    )
    return build_dashboard(
        uid=UID,
        title="Usage pipeline: operations",
        description="Fetch, normalize, write and consume: rates, errors, freshness, lag.",
        datasource=PROMETHEUS,
        variables=[provider],
        sections=SECTIONS,
        time_from="now-6h",
        refresh="1m",
    )
