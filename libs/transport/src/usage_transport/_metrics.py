"""Metrics of the consuming side, shared by every stage that subscribes (normalizer, writer,
archive) in both transports. Labels are bounded: a deployment has a handful of consumer
groups (`<prefix>-normalizer`, `<prefix>-writer`, `<prefix>-archive`) and three topics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = ["CONSUMER_FAILURES", "CONSUMER_LAG", "CONSUMER_LAG_READ_ERRORS"]

CONSUMER_LAG = Gauge(
    "usage_consumer_lag_messages",
    "Records of the topic not yet consumed by the group: end offsets minus committed offsets"
    " on Kafka, queued plus in flight on the in-process bus",
    ["group", "topic"],
)
CONSUMER_FAILURES = Counter(
    "usage_consumer_failures_total",
    "Deliveries whose handler raised; nothing of them was acknowledged and they come again",
    ["group", "topic"],
)
CONSUMER_LAG_READ_ERRORS = Counter(
    "usage_consumer_lag_read_errors_total",
    "Failed reads of consumer lag from the broker; the lag gauge keeps its last value",
)
