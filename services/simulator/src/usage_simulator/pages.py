"""The core: turn a validated query and the current time into one page of buckets.

`paginate` walks bucket starts and cursors for any row source; `build_page` serves
usage rows and `build_cost_page` cost rows through it, so every bucketed endpoint
pages, snaps and stops at "now" the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from .buckets import bucket_delta, snap
from .costs import CostRow, cost_rows
from .cursor import decode_cursor, encode_cursor
from .data import Row, aggregate, generate, select_combos
from .errors import BadRequestError
from .query import UsageQuery

__all__ = ["Bucket", "Page", "UsagePage", "build_cost_page", "build_page", "paginate"]

R = TypeVar("R")

RowSource = Callable[[datetime, datetime], Mapping[datetime, Sequence[R]]]
"""(first bucket start, end of data) -> rows per bucket start, for the buckets in between."""


@dataclass(frozen=True, slots=True)
class Bucket(Generic[R]):
    start: datetime
    end: datetime
    rows: Sequence[R]


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    buckets: list[Bucket[R]]
    has_more: bool
    next_page: str | None


UsagePage = Page[Row]


def paginate(query: UsageQuery, now: datetime, source: RowSource[R]) -> Page[R]:
    """Buckets from the query start (or cursor) onwards, at most `query.limit` of them.

    A bucket is listed, possibly with no rows, when it starts before both
    `query.end` and `now`. The bucket still in progress holds only data stamped
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

    rows_by_start: Mapping[datetime, Sequence[R]] = {}
    if starts:
        rows_by_start = source(starts[0], min(cursor, now))
    buckets = [Bucket(start, start + step, rows_by_start.get(start, [])) for start in starts]
    return Page(
        buckets=buckets,
        has_more=has_more,
        next_page=encode_cursor(cursor, fingerprint) if has_more else None,
    )


def build_page(query: UsageQuery, *, seed: int, now: datetime) -> Page[Row]:
    """One page of a usage endpoint (`query.endpoint`; "" is messages / completions)."""
    endpoint = query.endpoint or None

    def usage(first: datetime, until: datetime) -> Mapping[datetime, Sequence[Row]]:
        combos = select_combos(query.provider, query.filters, endpoint=endpoint)
        records = generate(query.provider, first, until, seed, combos, endpoint=endpoint)
        return aggregate(query.provider, records, query.width, query.group_by, endpoint=endpoint)

    return paginate(query, now, usage)


def build_cost_page(query: UsageQuery, *, seed: int, now: datetime) -> Page[CostRow]:
    """One page of a cost endpoint: daily buckets of cost rows."""

    def costs(first: datetime, until: datetime) -> Mapping[datetime, Sequence[CostRow]]:
        return cost_rows(query.provider, first, until, seed, query.group_by, query.filters)

    return paginate(query, now, costs)
