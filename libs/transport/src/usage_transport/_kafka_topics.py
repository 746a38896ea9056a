"""The pipeline's topics and their configuration: create what is missing, report drift.

Every topic takes the largest record the pipeline may publish to it (`topic_message_bytes`);
the producer compresses with gzip, so raw JSON pages take a fraction of that on disk.

Raw pages are the archive replay reads on Kafka, so the raw topic keeps them forever by
default (`retention.ms=-1`, `USAGE_RAW_RETENTION_MS` to change it); the DLQ too, because a
dead letter that expires before anyone reads it is data dropped silently. Events are
transient (the writer applies them to PostgreSQL) and keep the broker's default.

An existing topic is never altered: its differences from the wanted configuration are
returned, for `topics ensure` to report, because changing retention or partitions of a
live topic is an operator's decision (more partitions re-route keys).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from usage_common import InfrastructureError, Settings

from ._kafka_connection import KafkaConnection, kafka_connection

__all__ = [
    "TopicReport",
    "TopicSpec",
    "ensure_topic_specs",
    "pipeline_topics",
    "topic_message_bytes",
]

# Room for the record batch around the largest page (headers, key, batch framing).
_ENVELOPE_BYTES = 64 * 1024


def topic_message_bytes(settings: Settings) -> dict[str, int]:
    """The largest record each topic takes, set together with the fetcher's page limit
    (`USAGE_KAFKA_MAX_MESSAGE_BYTES`) and the producer's request size, so a page the fetcher
    publishes is never refused. A dead letter carries its page in base64 (4/3 the size)."""
    page = settings.kafka_max_message_bytes + _ENVELOPE_BYTES
    return {
        settings.topic_raw: page,
        settings.topic_events: page,
        settings.topic_dlq: 2 * page,
    }


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class TopicReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    """One line per setting of an existing topic that is not what the pipeline wants."""


def pipeline_topics(settings: Settings) -> list[TopicSpec]:
    n = settings.topic_partitions
    size = {
        name: {"max.message.bytes": str(b)} for name, b in topic_message_bytes(settings).items()
    }
    return [
        TopicSpec(
            settings.topic_raw,
            n,
            {"retention.ms": str(settings.raw_retention_ms), **size[settings.topic_raw]},
        ),
        TopicSpec(settings.topic_events, n, size[settings.topic_events]),
        TopicSpec(settings.topic_dlq, n, {"retention.ms": "-1", **size[settings.topic_dlq]}),
    ]


async def ensure_topic_specs(
    bootstrap: str | KafkaConnection, specs: Iterable[TopicSpec]
) -> TopicReport:
    """Create missing topics (replication 1) with their configs; compare existing ones."""
    specs = list(specs)
    report = TopicReport()
    connection = kafka_connection(bootstrap)
    admin = AIOKafkaAdminClient(**connection.client_options())
    try:
        await admin.start()
        names = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in names]
        if missing:
            # Another process may win the race to create a topic: that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            s.name,
                            num_partitions=s.partitions,
                            replication_factor=1,
                            topic_configs=dict(s.configs),
                        )
                        for s in missing
                    ]
                )
            report.created = [s.name for s in missing]
        present = [s for s in specs if s.name in names]
        report.existing = [s.name for s in present]
        if present:
            report.differences = await _differences(admin, present)
    except KafkaError as exc:
        raise InfrastructureError(
            f"cannot create topics on {connection.bootstrap}: {connection.explain(exc)}"
        ) from exc
    finally:
        await admin.close()
    return report


async def _differences(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> list[str]:
    out: list[str] = []
    described = await admin.describe_topics([s.name for s in specs])
    partitions = {d["topic"]: len(d["partitions"]) for d in described}
    for spec in specs:
        have = partitions.get(spec.name, 0)
        if have != spec.partitions:
            out.append(f"{spec.name}: partitions {have}, configured {spec.partitions}")
    resources = [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in specs if s.configs]
    if not resources:
        return out
    actual: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for _code, _msg, _type, name, entries in response.resources:
            actual[name] = {entry[0]: entry[1] for entry in entries}
    for spec in specs:
        for key, wanted in spec.configs.items():
            value = actual.get(spec.name, {}).get(key)
            if value != wanted:
                out.append(f"{spec.name}: {key}={value}, configured {wanted}")
    return out
