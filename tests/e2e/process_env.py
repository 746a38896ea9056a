"""The environment of a `usage-pipeline` child process in a test: the test's own variables
without any USAGE_* of the developer's shell, plus the test's database and, on Kafka, topics
and consumer groups of its own."""

from __future__ import annotations

import os


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}


def kafka_env(bootstrap: str, suffix: str, group: str) -> dict[str, str]:
    """Topics and groups no other test shares; batches flushed quickly."""
    return {
        "USAGE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "USAGE_TOPIC_RAW": f"raw-{suffix}",
        "USAGE_TOPIC_EVENTS": f"events-{suffix}",
        "USAGE_TOPIC_DLQ": f"dlq-{suffix}",
        "USAGE_KAFKA_GROUP_PREFIX": f"{group}-{suffix}",
        "USAGE_WRITER_BATCH_TIMEOUT_MS": "100",
    }
