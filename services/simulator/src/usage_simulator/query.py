"""The provider-neutral usage query and the parameter parsing both APIs share.

Each provider module turns its own parameters into a `UsageQuery`; from there on one
code path (`pages.build_page`) serves both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from starlette.datastructures import QueryParams

from .buckets import BUCKET_WIDTHS, LIMITS, BucketWidth
from .catalogue import Dimension, Provider
from .errors import BadRequestError

__all__ = [
    "Filter",
    "UsageQuery",
    "list_param",
    "parse_filters",
    "parse_group_by",
    "parse_limit",
    "parse_width",
]

Filter = tuple[str, frozenset[str] | None]
"""An array filter parameter's (dimension, accepted values or None for free text)."""


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """A validated usage request.

    Parameters:
        provider: which fake provider is answering.
        start: first bucket start, already snapped to `width` in UTC.
        end: exclusive bound on bucket starts, or None for "up to now". A bucket that
            starts before `end` is returned whole.
        width: bucket width.
        limit: buckets per page.
        group_by: grouped dimensions, de-duplicated, in the provider's field order.
        filters: dimension -> accepted values.
        page: the cursor the client sent, if any.
        endpoint: which endpoint of the provider ("" for messages / completions); part
            of the fingerprint, so a cursor is never valid on another endpoint.
    """

    provider: Provider
    start: datetime
    end: datetime | None
    width: BucketWidth
    limit: int
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, frozenset[Dimension]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    page: str | None = None
    endpoint: str = ""

    def fingerprint(self) -> str:
        """Checksum of everything that selects buckets and rows, but not limit or page.

        A cursor carries it so that replaying a cursor against a different query is a
        400 instead of silently skipping or repeating buckets. `limit` is left out
        because changing the page size between pages is harmless.
        """
        canonical = json.dumps(
            [
                self.provider,
                self.endpoint,
                self.start.isoformat(),
                None if self.end is None else self.end.isoformat(),
                self.width,
                list(self.group_by),
                sorted(
                    [name, sorted(str(value) for value in values)]
                    for name, values in self.filters.items()
                ),
            ]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse_width(
    params: QueryParams, allowed: tuple[BucketWidth, ...] = BUCKET_WIDTHS
) -> BucketWidth:
    """`bucket_width`, default 1d; cost endpoints allow only `("1d",)`."""
    value = params.get("bucket_width")
    if value is None:
        return "1d"
    for width in allowed:
        if value == width:
            return width
    raise BadRequestError("bucket_width", f"must be one of {', '.join(allowed)}; got {value!r}")


def parse_limit(
    params: QueryParams, width: BucketWidth, *, limits: tuple[int, int] | None = None
) -> int:
    """`limit`, defaulting and bounded per width (or by `limits` = (default, max))."""
    default, maximum = LIMITS[width] if limits is None else limits
    value = params.get("limit")
    if value is None:
        return default
    try:
        limit = int(value)
    except ValueError:
        raise BadRequestError("limit", f"must be an integer; got {value!r}") from None
    if not 1 <= limit <= maximum:
        raise BadRequestError(
            "limit", f"must be between 1 and {maximum} for bucket_width {width}; got {limit}"
        )
    return limit


def list_param(params: QueryParams, name: str) -> list[str]:
    """Values of an array parameter, sent as `name[]=a` (SDKs) or `name=a` (curl guides)."""
    values = params.getlist(f"{name}[]") + params.getlist(name)
    for value in values:
        if not value:
            raise BadRequestError(f"{name}[]", "values must not be empty")
    return values


def parse_group_by(
    params: QueryParams, allowed: tuple[str, ...], *, forbidden: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """Validated group_by values in `allowed` order; `forbidden` maps value -> reason."""
    requested = set(list_param(params, "group_by"))
    for value in sorted(requested):
        if forbidden and value in forbidden:
            raise BadRequestError("group_by[]", forbidden[value])
        if value not in allowed:
            raise BadRequestError(
                "group_by[]", f"unknown value {value!r}; allowed: {', '.join(allowed)}"
            )
    return tuple(name for name in allowed if name in requested)


def parse_filters(
    params: QueryParams, filters: Mapping[str, Filter], *, refused: Mapping[str, str] | None = None
) -> dict[str, frozenset[Dimension]]:
    """Dimension -> accepted values for every array filter sent; `refused` maps param -> reason."""
    parsed: dict[str, frozenset[Dimension]] = {}
    for param, (dimension, accepted) in filters.items():
        values = list_param(params, param)
        if not values:
            continue
        if refused and param in refused:
            raise BadRequestError(f"{param}[]", refused[param])
        for value in values:
            if accepted is not None and value not in accepted:
                allowed = ", ".join(sorted(accepted))
                raise BadRequestError(f"{param}[]", f"unknown value {value!r}; allowed: {allowed}")
        parsed[dimension] = frozenset(values)
    return parsed
