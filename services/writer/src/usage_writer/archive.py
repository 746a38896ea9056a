"""The archive: raw pages and dead letters kept in PostgreSQL, for replay and redrive.

Two subscriptions, both owned by the writer because it owns PostgreSQL writes:
- raw pages (only where no broker keeps them: the one-process mode on the in-process bus;
  on Kafka the raw topic itself is the archive) into `raw_pages`;
- dead letters of every stage, in both modes, into `dead_letters`, so `dlq list|show|
  redrive` read one table everywhere.
Each delivery is one insert statement with ON CONFLICT DO NOTHING (raw pages by
`page_id`, dead letters by a hash of the message), so a redelivery writes nothing. A
database failure raises: nothing is acknowledged and the delivery comes again.
A value that does not decode is not archived: an unreadable raw page is dead-lettered by
the normalizer, whose dead letter keeps its bytes; an unreadable dead letter is logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from pydantic import ValidationError

from usage_common import DeadLetter, RawPage, Settings, decode, page_window
from usage_transport import Subscription, Transport

from .errors import StorageError

__all__ = ["Archive", "StoredDeadLetter", "archive_group_id", "wire_archive"]

log = logging.getLogger(__name__)

_DB_ERRORS = (OSError, asyncpg.PostgresError)


@dataclass(frozen=True, slots=True)
class StoredDeadLetter:
    id: int
    page_id: str | None
    stage: str
    reason: str
    errors: list[str]
    provider: str | None
    endpoint: str | None
    source_topic: str
    original: bytes
    dead_lettered_at: datetime
    redriven_at: datetime | None


def _range(
    since: datetime | None, until: datetime | None, provider: str | None, first: int
) -> tuple[str, list[object]]:
    """WHERE clause: the page's window overlaps [since, until); a null window overlaps all."""
    clauses: list[str] = []
    args: list[object] = []
    n = first
    if until is not None:
        clauses.append(f"(window_start IS NULL OR window_start < ${n})")
        args.append(until)
        n += 1
    if since is not None:
        clauses.append(f"(window_end IS NULL OR window_end > ${n})")
        args.append(since)
        n += 1
    if provider is not None:
        clauses.append(f"provider = ${n}")
        args.append(provider)
    return (" AND ".join(clauses) or "true"), args


class Archive:
    """The `raw_pages` and `dead_letters` tables on an asyncpg pool (opened by the caller)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, dsn: str) -> Archive:
        try:
            return cls(await asyncpg.create_pool(dsn, min_size=1, max_size=2))
        except _DB_ERRORS as exc:
            raise StorageError(f"cannot open PostgreSQL: {exc}") from exc

    async def close(self) -> None:
        await self._pool.close()

    async def add_raw_pages(self, values: list[bytes]) -> int:
        rows = []
        for value in values:
            try:
                page = decode(RawPage, value)
            except ValidationError:
                continue
            window = page_window(page)
            start, end = window if window else (None, None)
            rows.append(
                (
                    page.page_id,
                    page.provider,
                    page.organization_id,
                    page.credential_id,
                    page.source,
                    page.endpoint,
                    start,
                    end,
                    page.fetched_at,
                    value,
                )
            )
        if not rows:
            return 0
        sql = (
            "INSERT INTO raw_pages (page_id, provider, organization_id, credential_id, source,"
            " endpoint, window_start, window_end, fetched_at, page)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
            " $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::bytea[])"
            " ON CONFLICT (page_id) DO NOTHING"
        )
        try:
            await self._pool.execute(sql, *(list(c) for c in zip(*rows, strict=True)))
        except _DB_ERRORS as exc:
            raise StorageError(f"archiving {len(rows)} raw page(s) failed: {exc}") from exc
        return len(rows)

    async def add_dead_letters(self, values: list[bytes]) -> int:
        added = 0
        for value in values:
            try:
                letter = decode(DeadLetter, value)
            except ValidationError:
                log.error("a DLQ record is not a dead letter; not archived: %r", value[:200])
                continue
            try:
                await self._pool.execute(
                    "INSERT INTO dead_letters (letter_key, page_id, stage, reason, errors,"
                    " provider, endpoint, source_topic, original, dead_lettered_at)"
                    " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)"
                    " ON CONFLICT (letter_key) DO NOTHING",
                    hashlib.sha256(value).hexdigest(),
                    letter.page_id,
                    letter.stage,
                    letter.reason,
                    json.dumps(letter.errors),
                    letter.provider,
                    letter.endpoint,
                    letter.source_topic,
                    base64.b64decode(letter.original_b64),
                    letter.failed_at,
                )
            except _DB_ERRORS as exc:
                raise StorageError(f"archiving a dead letter failed: {exc}") from exc
            added += 1
        return added

    async def count_raw_pages(
        self, since: datetime | None, until: datetime | None, provider: str | None
    ) -> int:
        where, args = _range(since, until, provider, 1)
        try:
            return int(
                await self._pool.fetchval(f"SELECT count(*) FROM raw_pages WHERE {where}", *args)
            )
        except _DB_ERRORS as exc:
            raise StorageError(f"reading raw_pages failed: {exc}") from exc

    async def raw_pages(
        self,
        since: datetime | None,
        until: datetime | None,
        provider: str | None,
        batch: int = 200,
    ) -> AsyncIterator[bytes]:
        """The encoded pages in fetch order (keyset pages of `batch`, no long transaction)."""
        where, args = _range(since, until, provider, 3)
        sql = (
            "SELECT page_id, fetched_at, page FROM raw_pages"
            f" WHERE (fetched_at, page_id) > ($1, $2) AND {where}"
            f" ORDER BY fetched_at, page_id LIMIT {int(batch)}"
        )
        after: tuple[datetime, str] = (datetime.min.replace(tzinfo=UTC), "")
        while True:
            try:
                rows = await self._pool.fetch(sql, *after, *args)
            except _DB_ERRORS as exc:
                raise StorageError(f"reading raw_pages failed: {exc}") from exc
            for row in rows:
                yield bytes(row["page"])
            if len(rows) < batch:
                return
            after = (rows[-1]["fetched_at"], rows[-1]["page_id"])

    async def dead_letters(
        self, since: datetime | None = None, *, pending_only: bool = False
    ) -> list[StoredDeadLetter]:
        clauses = ["true"]
        args: list[object] = []
        if since is not None:
            clauses.append("dead_lettered_at >= $1")
            args.append(since)
        if pending_only:
            clauses.append("redriven_at IS NULL")
        return await self._letters(f"WHERE {' AND '.join(clauses)} ORDER BY id", args)

    async def dead_letter(self, letter_id: int) -> StoredDeadLetter | None:
        found = await self._letters("WHERE id = $1", [letter_id])
        return found[0] if found else None

    async def mark_redriven(self, ids: list[int]) -> None:
        try:
            await self._pool.execute(
                "UPDATE dead_letters SET redriven_at = now() WHERE id = ANY($1::bigint[])", ids
            )
        except _DB_ERRORS as exc:
            raise StorageError(f"marking dead letters redriven failed: {exc}") from exc

    async def _letters(self, tail: str, args: list[object]) -> list[StoredDeadLetter]:
        sql = (
            "SELECT id, page_id, stage, reason, errors, provider, endpoint, source_topic,"
            f" original, dead_lettered_at, redriven_at FROM dead_letters {tail}"
        )
        try:
            rows = await self._pool.fetch(sql, *args)
        except _DB_ERRORS as exc:
            raise StorageError(f"reading dead_letters failed: {exc}") from exc
        return [
            StoredDeadLetter(
                id=r["id"],
                page_id=r["page_id"],
                stage=r["stage"],
                reason=r["reason"],
                errors=list(json.loads(r["errors"])),
                provider=r["provider"],
                endpoint=r["endpoint"],
                source_topic=r["source_topic"],
                original=bytes(r["original"]),
                dead_lettered_at=r["dead_lettered_at"],
                redriven_at=r["redriven_at"],
            )
            for r in rows
        ]


def archive_group_id(settings: Settings) -> str:
    return f"{settings.kafka_group_prefix}-archive"


def wire_archive(
    transport: Transport, settings: Settings, archive: Archive, *, raw_pages: bool
) -> None:
    """Subscribe the archive: dead letters always, raw pages when `raw_pages` (no broker
    keeps them). Wire it after the stages, so a Kafka drain reads the DLQ's lag last."""
    group = archive_group_id(settings)

    async def pages(values: list[bytes]) -> None:
        await archive.add_raw_pages(values)

    async def letters(values: list[bytes]) -> None:
        await archive.add_dead_letters(values)

    if raw_pages:
        transport.subscribe(Subscription(settings.topic_raw, group, pages, max_batch=100))
    transport.subscribe(Subscription(settings.topic_dlq, group, letters, max_batch=100))
