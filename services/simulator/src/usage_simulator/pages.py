"""The core: turn a validated query and the current time into one page of buckets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .buckets import bucket_delta, snap
from .cursor import decode_cursor, encode_cursor
from .data import Row, aggregate, generate, select_combos
from .errors import BadRequestError
from .query import UsageQuery

__all__ = ["Bucket", "UsagePage", "build_page"]


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    end: datetime
    rows: list[Row]


@dataclass(frozen=True, slots=True)
class UsagePage:
    buckets: list[Bucket]
    has_more: bool
    next_page: str | None


def build_page(query: UsageQuery, *, seed: int, now: datetime) -> UsagePage:
    """Buckets from the query start (or cursor) onwards, at most `query.limit` of them.

    A bucket is listed, possibly with `rows == []`, when it starts before both
    `query.end` and `now`. The bucket still in progress holds only records stamped
    before `now`, so it grows as the clock moves, like the real APIs' partial buckets.
    """
    fingerprint = query.fingerprint()
    first = query.start
    if query.page is not None:
        first = decode_cursor(query.page, fingerprint)
        if first < query.start or snap(first, query.width) != first:
            raise BadRequestError("page", "page token does not belong to this query")
    stop = now if query.end is None else min(query.end, now)
    step = bucket_delta(query.width)

    starts: list[datetime] = []
    cursor = first
    while cursor < stop and len(starts) < query.limit:
        starts.append(cursor)
        cursor += step
    has_more = cursor < stop

    rows_by_start: dict[datetime, list[Row]] = {}
    if starts:
        combos = select_combos(query.provider, query.filters)
        records = generate(query.provider, starts[0], min(cursor, now), seed, combos)
        rows_by_start = aggregate(query.provider, records, query.width, query.group_by)
    buckets = [Bucket(start, start + step, rows_by_start.get(start, [])) for start in starts]
    return UsagePage(
        buckets=buckets,
        has_more=has_more,
        next_page=encode_cursor(cursor, fingerprint) if has_more else None,
    )
