"""What the fetcher must know about a provider endpoint: path, parameters, auth, paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from usage_common import BucketWidth, Provider

__all__ = ["USAGE_LIMITS", "EndpointSpec", "ProviderApi"]

USAGE_LIMITS: dict[BucketWidth, tuple[int, int]] = {
    "1d": (7, 31),
    "1h": (24, 168),
    "1m": (60, 1440),
}
"""Documented (default, max) buckets per page for both providers' usage endpoints."""

Shape = Literal["buckets", "daily"]


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """One endpoint.

    `group_by` is what we ask for: every documented dimension that needs no opt-in, so rows
    are as fine-grained as the provider allows. `widths` lists the bucket widths it accepts
    (cost reports: only 1d); `limits` its documented maximum page size per width. A
    `daily` endpoint takes one UTC date per request instead of a window (Claude Code).
    """

    endpoint: str
    path: str
    group_by: tuple[str, ...] = ()
    widths: tuple[BucketWidth, ...] = ("1m", "1h", "1d")
    limits: dict[BucketWidth, int] = field(
        default_factory=lambda: {w: m for w, (_, m) in USAGE_LIMITS.items()}
    )
    filters: tuple[str, ...] = ()
    """Documented filter parameters (array ones end in `[]`)."""
    shape: Shape = "buckets"
    record_limit: int = 0
    """Page size of a `daily` endpoint (records, not buckets)."""
    refetch_hours: float | None = None
    """Hours re-read behind the watermark every cycle; None: `USAGE_LOOKBACK_HOURS`."""

    def width_for(self, wanted: BucketWidth) -> BucketWidth:
        return wanted if wanted in self.widths else self.widths[-1]

    def max_limit(self, width: BucketWidth) -> int:
        return self.limits[width]

    def request_buckets(self, width: BucketWidth) -> int:
        """Buckets one request window covers: a whole page, or one day for `daily`."""
        return 1 if self.shape == "daily" else self.max_limit(width)


class ProviderApi(Protocol):
    """Implementations build the query and headers; they never log or store the key."""

    @property
    def provider(self) -> Provider: ...

    @property
    def endpoints(self) -> dict[str, EndpointSpec]: ...

    def params(
        self, spec: EndpointSpec, start: datetime, end: datetime, width: BucketWidth
    ) -> list[tuple[str, str]]: ...

    def headers(self, secret: str, spec: EndpointSpec) -> dict[str, str]: ...

    def error_detail(self, body: bytes) -> str: ...
