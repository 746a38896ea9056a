"""Core of the normalizer: one raw message in, canonical events or one dead letter out.

Bad data is a status, not an exception: whatever cannot be read becomes a `DeadLetter`
holding the reason and the original bytes, and processing goes on. The whole page is
dead-lettered when any part of it is invalid, so a page is never half-ingested.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from usage_common import (
    ClaudeCodeEvent,
    DeadLetter,
    InvalidPayloadError,
    RawPage,
    UsageEvent,
    decode,
    dedupe_key,
    encode,
    utc_now,
)
from usage_transport import Message

from .mapping import MAPPERS, Record
from .metrics import DLQ_MESSAGES, EVENTS_NORMALIZED, PAGES_NORMALIZED
from .pricing import estimate_cost

__all__ = ["NormalizeResult", "Topics", "normalize_message", "normalize_page"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Topics:
    source: str
    events: str
    dlq: str


@dataclass(frozen=True, slots=True)
class NormalizeResult:
    provider: str
    events: list[Record]
    dead_letter: DeadLetter | None

    def messages(self, topics: Topics) -> list[Message]:
        if self.dead_letter is not None:
            key = (self.dead_letter.page_id or "unknown").encode()
            return [Message(topics.dlq, key, encode(self.dead_letter))]
        return [Message(topics.events, dedupe_key(e).encode(), encode(e)) for e in self.events]


def normalize_page(raw: RawPage) -> list[Record]:
    """Map one raw page; raises `InvalidPayloadError` or `ValidationError` on bad data."""
    if raw.http_status != 200:
        raise InvalidPayloadError(f"page has HTTP status {raw.http_status}, not 200")
    mapper = MAPPERS.get((raw.provider, raw.endpoint))
    if mapper is None:
        raise InvalidPayloadError(f"no mapping for {raw.provider} endpoint {raw.endpoint!r}")
    events = [_priced(e) for e in mapper(raw)]
    seen: set[str] = set()
    for event in events:
        key = dedupe_key(event)
        if key in seen:
            # Two rows with one identity would overwrite each other downstream and lose
            # tokens; refuse loudly instead (e.g. a dimension we do not capture yet).
            raise InvalidPayloadError(f"two results share one identity: {_identity(event)}")
        seen.add(key)
    return events


def _priced(event: Record) -> Record:
    """Usage without a reported cost gets an estimate, labeled as such, or stays null."""
    if not isinstance(event, UsageEvent) or event.cost_usd is not None:
        return event
    estimate = estimate_cost(event)
    if estimate.cost_usd is None:
        return event
    return event.model_copy(update={"cost_usd": estimate.cost_usd, "cost_source": "estimated"})


def _identity(event: Record) -> str:
    when = event.day_start if isinstance(event, ClaudeCodeEvent) else event.window_start
    return f"{event.kind} record at {when.isoformat()}"


def _errors(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_url=False)
    ][:50]


def _page_fields(raw: RawPage | None) -> dict[str, object]:
    """Where a page came from, for its log line; the run id is the fetch's trace id."""
    if raw is None:
        return {}
    return {
        "provider": raw.provider,
        "endpoint": raw.endpoint,
        "credential": raw.credential_id,
        "organization": raw.organization_id,
        "source": raw.source,
        "run_id": raw.run_id,
        "trace_id": raw.run_id,
        "page_id": raw.page_id,
        "page": raw.page_number,
    }


def normalize_message(
    value: bytes, source_topic: str, clock: Callable[[], datetime] = utc_now
) -> NormalizeResult:
    raw: RawPage | None = None
    provider = "unknown"
    try:
        raw = decode(RawPage, value)
        provider = raw.provider
        events = normalize_page(raw)
    except ValidationError as exc:
        where = "raw envelope" if raw is None else f"{raw.provider} {raw.endpoint} page"
        reason, errors = f"{where} failed validation ({exc.error_count()} errors)", _errors(exc)
    except InvalidPayloadError as exc:
        reason, errors = str(exc), []
    else:
        PAGES_NORMALIZED.labels(provider, "ok").inc()
        EVENTS_NORMALIZED.labels(provider).inc(len(events))
        log.info("page normalized", extra=_page_fields(raw) | {"events": len(events)})
        return NormalizeResult(provider, events, None)
    PAGES_NORMALIZED.labels(provider, "dead_lettered").inc()
    DLQ_MESSAGES.labels(provider, "normalizer").inc()
    fields = _page_fields(raw) | {"reason": reason, "errors": errors[:5]}
    log.warning("page dead-lettered: %s", reason, extra=fields)
    letter = DeadLetter(
        stage="normalizer",
        reason=reason,
        errors=errors,
        provider=raw.provider if raw else None,
        endpoint=raw.endpoint if raw else None,
        page_id=raw.page_id if raw else None,
        source_topic=source_topic,
        original_b64=base64.b64encode(value).decode(),
        failed_at=clock(),
    )
    return NormalizeResult(provider, [], letter)
