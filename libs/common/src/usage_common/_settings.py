"""Configuration from the environment (prefix `USAGE_`), validated at construction.

One flat settings object, because the documented variable names are flat
(`USAGE_ANTHROPIC_ADMIN_KEY`, `USAGE_DATABASE_URL`, ...). Each service reads the part it
needs. Keys are `SecretStr`: their repr and str are masked, so a logged settings object
leaks nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._logging import LogFormat
from ._topics import DLQ_TOPIC, EVENTS_TOPIC, RAW_TOPIC
from ._types import BucketWidth

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every setting of the pipeline; see the README's Configuration table."""

    model_config = SettingsConfigDict(env_prefix="USAGE_", extra="ignore", frozen=True)

    anthropic_admin_key: SecretStr | None = None
    openai_admin_key: SecretStr | None = None
    anthropic_base_url: str = "https://api.anthropic.com"
    openai_base_url: str = "https://api.openai.com/v1"
    anthropic_organization_id: str = Field(
        default="default", description="tenant id stored with Anthropic rows"
    )
    openai_organization_id: str = Field(
        default="default", description="tenant id stored with OpenAI rows"
    )

    anthropic_endpoints: str = Field(
        default="messages,cost_report,claude_code", description="comma-separated endpoints"
    )
    openai_endpoints: str = Field(
        default="completions,embeddings,moderations,images,audio_speeches,"
        "audio_transcriptions,vector_stores,code_interpreter_sessions,file_search_calls,"
        "web_search_calls,costs",
        description="comma-separated endpoints",
    )
    endpoint_filters: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict,
        description='JSON, e.g. {"anthropic.messages": {"models[]": ["claude-opus-5"]}}',
    )
    anthropic_fast_mode_beta: bool = Field(
        default=True,
        description="group messages by speed (sends the fast-mode beta header), so fast-mode"
        " usage is priced at its own rates",
    )

    database_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    # Kafka authentication, applied to every Kafka client (usage_transport.KafkaConnection
    # builds them all and checks the combination when a client is made).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = Field(
        default="SCRAM-SHA-512", description="used with the SASL_* protocols only"
    )
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_password_file: Path | None = None
    kafka_ssl_cafile: Path | None = Field(
        default=None, description="PEM CA bundle for SSL/SASL_SSL; unset: the system CAs"
    )
    data_dir: Path = Path(".usage-pipeline")

    bucket_width: BucketWidth = "1h"
    lookback_hours: int = Field(default=48, ge=1, description="trailing window re-pulled per cycle")
    poll_interval_seconds: float = Field(default=300.0, gt=0)

    http_timeout_seconds: float = Field(default=30.0, gt=0)
    http_max_attempts: int = Field(default=6, ge=1)
    http_backoff_initial_seconds: float = Field(default=0.5, ge=0)
    http_backoff_max_seconds: float = Field(default=30.0, ge=0)

    topic_raw: str = RAW_TOPIC
    topic_events: str = EVENTS_TOPIC
    topic_dlq: str = DLQ_TOPIC
    kafka_group_prefix: str = "usage-pipeline"
    topic_partitions: int = Field(default=3, ge=1)

    writer_batch_size: int = Field(default=500, ge=1)
    writer_batch_timeout_ms: int = Field(default=500, ge=1)

    log_format: LogFormat | None = Field(
        default=None,
        description="json or text; unset: json under `service`, text for every other command",
    )

    ops_host: str = "0.0.0.0"
    ops_port: int = Field(default=8000, ge=0, le=65535)
    consumer_lag_interval_seconds: float = Field(
        default=15.0, gt=0, description="how often a Kafka consumer reads its lag for /metrics"
    )

    # Master keys of the credential store (the fetcher decrypts with them; see
    # usage_fetcher.vault). Base64 of 32 bytes, from the variable or a mounted file.
    master_key: SecretStr | None = None
    master_key_file: Path | None = None
    master_keys_previous: SecretStr | None = Field(
        default=None, description="comma-separated old master keys that may only decrypt"
    )
    master_keys_previous_file: Path | None = None

    # Scheduling: which providers, how fast, how far back each endpoint is re-read.
    anthropic_enabled: bool = True
    openai_enabled: bool = True
    anthropic_requests_per_minute: float = Field(default=30.0, gt=0)
    anthropic_burst: int = Field(default=10, ge=1)
    openai_requests_per_minute: float = Field(default=60.0, gt=0)
    openai_burst: int = Field(default=20, ge=1)
    endpoint_refetch_hours: dict[str, float] = Field(
        default_factory=dict,
        description='JSON hours re-read behind the watermark, e.g. {"openai.costs": 96};'
        " default: USAGE_LOOKBACK_HOURS, 72 for cost endpoints (cost data arrives late)",
    )
    trigger_token: SecretStr | None = Field(
        default=None,
        description="bearer token for POST /runs on the fetcher's ops server; unset: no route",
    )
    kafka_max_message_bytes: int = Field(
        default=1_000_000,
        ge=10_000,
        description="largest raw page published; a larger page is fetched again as two"
        " half windows. Keep it at or below the raw topic's max.message.bytes",
    )

    # Replay and dead letters.
    raw_retention_ms: int = Field(
        default=-1, ge=-1, description="retention.ms of the raw topic when created; -1: forever"
    )

    @field_validator("anthropic_base_url", "openai_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")
