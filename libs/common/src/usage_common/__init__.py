"""Shared contract of the usage pipeline: wire models, topics, settings, errors, and the
log line every process writes."""

from ._codec import decode, decode_event, encode
from ._dedupe import (
    CLAUDE_CODE_IDENTITY_FIELDS,
    COST_IDENTITY_FIELDS,
    IDENTITY_FIELDS,
    dedupe_key,
    raw_page_key,
)
from ._errors import (
    ConfigError,
    InfrastructureError,
    InvalidPayloadError,
    TerminalError,
    TransientError,
    UsagePipelineError,
)
from ._logging import (
    LogFormat,
    configure_logging,
    log_context,
    log_fields,
    log_handler,
    scrub,
)
from ._measures import (
    CACHE_WRITE_TTL_MEASURES,
    REQUEST_MEASURES,
    TOKEN_MEASURES,
    USAGE_MEASURES,
)
from ._models import (
    CanonicalEvent,
    ClaudeCodeEvent,
    ClaudeCodeModelUsage,
    CostEvent,
    DeadLetter,
    RawPage,
    UsageEvent,
    WireModel,
)
from ._settings import Settings
from ._time import bucket_delta, ensure_utc, floor_to_bucket, parse_instant, utc_now
from ._topics import DLQ_TOPIC, EVENTS_TOPIC, RAW_TOPIC
from ._types import BucketWidth, CostSource, Provider, Source, UsageType
from ._windows import PageWindow, page_window, window_overlaps

__all__ = [
    "CACHE_WRITE_TTL_MEASURES",
    "CLAUDE_CODE_IDENTITY_FIELDS",
    "COST_IDENTITY_FIELDS",
    "DLQ_TOPIC",
    "EVENTS_TOPIC",
    "IDENTITY_FIELDS",
    "RAW_TOPIC",
    "REQUEST_MEASURES",
    "TOKEN_MEASURES",
    "USAGE_MEASURES",
    "BucketWidth",
    "CanonicalEvent",
    "ClaudeCodeEvent",
    "ClaudeCodeModelUsage",
    "ConfigError",
    "CostEvent",
    "CostSource",
    "DeadLetter",
    "InfrastructureError",
    "InvalidPayloadError",
    "LogFormat",
    "PageWindow",
    "Provider",
    "RawPage",
    "Settings",
    "Source",
    "TerminalError",
    "TransientError",
    "UsageEvent",
    "UsagePipelineError",
    "UsageType",
    "WireModel",
    "bucket_delta",
    "configure_logging",
    "decode",
    "decode_event",
    "dedupe_key",
    "encode",
    "ensure_utc",
    "floor_to_bucket",
    "log_context",
    "log_fields",
    "log_handler",
    "page_window",
    "parse_instant",
    "raw_page_key",
    "scrub",
    "utc_now",
    "window_overlaps",
]
