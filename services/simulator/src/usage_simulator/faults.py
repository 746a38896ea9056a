"""Injected failures and request counters, the simulator's test controls.

A `FaultPlan` says "fail the next N usage requests with this status". `FaultInjector`
holds the live plan (replaceable at runtime through POST /_sim/faults) and counts it
down; `RequestStats` counts every usage request by endpoint and status.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from .catalogue import PROVIDERS, Provider
from .errors import ConfigError

__all__ = ["FAULT_STATUSES", "FaultInjector", "FaultPlan", "RequestStats"]

FAULT_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultPlan:
    """Fail the next `fail_next` usage requests.

    Parameters:
        fail_next: how many requests fail; 0 disables the plan.
        status: 429, 500, 502, 503, 504 or 529 (Anthropic's "overloaded").
        retry_after: seconds for the `Retry-After` header; omitted when None.
        endpoint: "anthropic" or "openai" to fail only that API; None fails both.
    """

    fail_next: int = 0
    status: int = 429
    retry_after: int | None = None
    endpoint: Provider | None = None

    def __post_init__(self) -> None:
        if self.fail_next < 0:
            raise ConfigError("fail_next must be >= 0")
        if self.status not in FAULT_STATUSES:
            raise ConfigError(f"status must be one of {sorted(FAULT_STATUSES)}")
        if self.retry_after is not None and self.retry_after < 0:
            raise ConfigError("retry_after must be >= 0")

    @classmethod
    def from_json(cls, body: Any) -> FaultPlan:
        """Validate the body of POST /_sim/faults; raises ConfigError with the reason."""
        if not isinstance(body, dict):
            raise ConfigError("body must be a JSON object")
        unknown = set(body) - {"fail_next", "status", "retry_after", "endpoint"}
        if unknown:
            raise ConfigError(f"unknown fields: {', '.join(sorted(unknown))}")
        fail_next = _int_field(body, "fail_next", required=True)
        status = _int_field(body, "status")
        endpoint = body.get("endpoint")
        if endpoint is not None and endpoint not in PROVIDERS:
            raise ConfigError("endpoint must be 'anthropic', 'openai' or null")
        provider: Provider | None = None
        if endpoint == "anthropic":
            provider = "anthropic"
        elif endpoint == "openai":
            provider = "openai"
        return cls(
            fail_next=fail_next if fail_next is not None else 0,
            status=status if status is not None else 429,
            retry_after=_int_field(body, "retry_after"),
            endpoint=provider,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fail_next": self.fail_next,
            "status": self.status,
            "retry_after": self.retry_after,
            "endpoint": self.endpoint,
        }


class FaultInjector:
    """The live fault plan; `take` consumes one failure if the plan applies."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._plan = plan or FaultPlan()

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set(self, plan: FaultPlan) -> None:
        self._plan = plan

    def take(self, endpoint: Provider) -> FaultPlan | None:
        plan = self._plan
        if plan.fail_next == 0 or plan.endpoint not in (None, endpoint):
            return None
        self._plan = FaultPlan(
            fail_next=plan.fail_next - 1,
            status=plan.status,
            retry_after=plan.retry_after,
            endpoint=plan.endpoint,
        )
        return plan


class RequestStats:
    """Usage requests served, per endpoint and HTTP status (faults included), and the
    answered ones (200) in order, path and query, so a test can tell a repeated request.
    The log keeps the last `keep` requests."""

    def __init__(self, keep: int = 200_000) -> None:
        self._counts: dict[Provider, Counter[int]] = {name: Counter() for name in PROVIDERS}
        self._answered: deque[str] = deque(maxlen=keep)

    def record(self, endpoint: Provider, status: int, request: str = "") -> None:
        self._counts[endpoint][status] += 1
        if status == 200 and request:
            self._answered.append(request)

    def answered(self) -> list[str]:
        return list(self._answered)

    def reset(self) -> None:
        for counter in self._counts.values():
            counter.clear()
        self._answered.clear()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "total": sum(counter.values()),
                "by_status": {str(status): count for status, count in sorted(counter.items())},
            }
            for name, counter in self._counts.items()
        }


def _int_field(body: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ConfigError(f"{name} is required")
        return None
    # bool is an int subclass; `true` is not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer")
    return value
