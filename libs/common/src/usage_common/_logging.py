"""Logs for machines and people: one event per line, with the context it happened in.

Every line has `ts` (UTC, ISO 8601), `level`, `logger` and `message`; then the fields of
the `log_context` blocks it was logged in (innermost wins), then the call's own `extra=`.
The fields this product sets, where they are known:

- `service`: fetcher, normalizer or writer (under `usage-pipeline service`);
- `provider`, `endpoint`, `credential` (the credential's name, never its key),
  `organization`, `trigger` (cycle, trigger, once, backfill);
- `run_id`: the fetch cycle (or triggered run, or backfill) that produced the data, and
  `trace_id`, the same id: a 32-hex-digit W3C trace id, so the lines one cycle causes in
  the fetcher, the normalizer (from the raw page it carries) and beyond join on it;
- `page_id`, `page`: one raw page.

Formats (`configure_logging`): `json`, one JSON object per line for a log pipeline
(Kubernetes collects the container's stdout), and `text`, for a terminal, with the same
fields as `key=value` after the message.

Never a key: keys are `SecretStr` and are never given to a log call; as a last guard every
formatted line is scrubbed of anything shaped like a provider key or a bearer token.

Usage:
    with log_context(provider="openai", endpoint="costs", run_id=run_id):
        log.info("fetch finished", extra={"pages": 3})
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import IO, Literal

__all__ = [
    "LogFormat",
    "configure_logging",
    "log_context",
    "log_fields",
    "log_handler",
    "scrub",
]

LogFormat = Literal["json", "text"]

_OURS = "usage-pipeline"
_EMPTY: Mapping[str, object] = MappingProxyType({})
_CONTEXT: ContextVar[Mapping[str, object]] = ContextVar("usage_log_context", default=_EMPTY)

# Attributes every LogRecord has: anything else on a record came from `extra=`, except
# uvicorn's copy of its message with terminal colours.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}

_SECRETS = (
    # provider keys: sk-ant-admin01-..., sk-admin-..., sk-proj-..., and the like
    (re.compile(r"\bsk-[A-Za-z0-9_-]{6,}"), "sk-***"),
    (re.compile(r"(?i)\b(bearer|x-api-key:?)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 ***"),
)


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add `fields` (None values are left out) to every line logged inside the block, in
    this task and the tasks it starts."""
    known = {k: v for k, v in fields.items() if v is not None}
    token = _CONTEXT.set(MappingProxyType({**_CONTEXT.get(), **known}))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def log_fields() -> Mapping[str, object]:
    """The fields of the enclosing `log_context` blocks."""
    return _CONTEXT.get()


def scrub(text: str) -> str:
    """`text` with anything shaped like a key or a bearer token masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value if isinstance(value, str | int | float | bool | None) else str(value)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    context: Mapping[str, object] = getattr(record, "usage_context", _EMPTY)
    extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    extra.pop("usage_context", None)
    return {k: _plain(v) for k, v in {**context, **extra}.items()}


class _Context(logging.Filter):
    """Takes the context at the call, in the caller's task (before any queue or thread)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "usage_context"):
            record.usage_context = _CONTEXT.get()
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((k, v) for k, v in _fields(record).items() if k not in line)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return scrub(json.dumps(line, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        text = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        text = f"{text} [{pairs}]" if pairs else text
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return scrub(text)


def log_handler(fmt: LogFormat, stream: IO[str]) -> logging.Handler:
    """A handler writing `fmt` lines, with the context, to `stream`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_Context())
    handler.set_name(_OURS)
    return handler


def configure_logging(fmt: LogFormat, level: int, stream: IO[str]) -> None:
    """Log `fmt` lines at `level` to `stream` from the root logger, replacing what an
    earlier call set. As `logging.basicConfig`, it leaves logging alone when the root
    logger already has handlers of someone else's (a test runner, an embedding program)."""
    root = logging.getLogger()
    if any(h.get_name() != _OURS for h in root.handlers):
        return
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(fmt, stream))
    root.setLevel(level)
