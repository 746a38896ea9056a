"""What the fetcher must know about a provider endpoint: path, parameters, auth, paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from usage_common import BucketWidth, Provider

__all__ = ["EndpointSpec", "ProviderApi"]

# Documented limits per bucket width (same numbers for both providers' usage endpoints).
USAGE_LIMITS: dict[str, tuple[int, int]] = {"1d": (7, 31), "1h": (24, 168), "1m": (60, 1440)}


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """One usage endpoint. `group_by` is what we ask for: every documented dimension that
    needs no extra opt-in, so rows are as fine-grained as the provider allows."""

    endpoint: str
    path: str
    group_by: tuple[str, ...]

    def max_limit(self, width: BucketWidth) -> int:
        return USAGE_LIMITS[width][1]


class ProviderApi(Protocol):
    """Implementations build the query and headers; they never log or store the key."""

    @property
    def provider(self) -> Provider: ...

    @property
    def endpoints(self) -> dict[str, EndpointSpec]: ...

    def params(
        self, spec: EndpointSpec, start: datetime, end: datetime, width: BucketWidth
    ) -> list[tuple[str, str]]: ...

    def headers(self, secret: str) -> dict[str, str]: ...

    def error_detail(self, body: bytes) -> str: ...
