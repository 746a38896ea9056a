"""HTTP access to one provider endpoint: one page per call, with bounded retries.

httpx errors are translated here and nowhere else (code above sees `FetchError`s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from .errors import ProviderRejectedError, ProviderUnavailableError
from .metrics import FETCH_DURATION, FETCH_RATE_LIMITED, FETCH_REQUESTS, FETCH_RETRIES
from .providers import EndpointSpec, ProviderApi
from .retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after

__all__ = ["Acquire", "PageResponse", "RequestStats", "fetch_page"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Acquire = Callable[[], Awaitable[None]]
"""Waits for the provider's request budget before each attempt."""


@dataclass
class RequestStats:
    """What the requests of one fetch did, for its `ingestion_runs` row."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    """Outcomes other than 200: HTTP status, `timeout` or `transport_error`."""


@dataclass(frozen=True, slots=True)
class PageResponse:
    status: int
    content_type: str
    body: bytes


async def fetch_page(
    client: httpx.AsyncClient,
    api: ProviderApi,
    spec: EndpointSpec,
    base_url: str,
    secret: str,
    params: list[tuple[str, str]],
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
    *,
    acquire: Acquire | None = None,
    stats: RequestStats | None = None,
) -> PageResponse:
    """GET one page; retry 429/5xx/timeouts per `policy`; raise on anything else.

    The cursor travels only as a query parameter to the configured base URL, so a
    hostile cursor cannot redirect the key to another host.
    """
    url = base_url + spec.path
    provider = api.provider
    last_problem = "no attempt made"
    stats = stats if stats is not None else RequestStats()
    for attempt in range(policy.max_attempts):
        if attempt:
            FETCH_RETRIES.labels(provider).inc()
            stats.retries += 1
        if acquire is not None:
            await acquire()
        stats.requests += 1
        started = time.perf_counter()
        retry_after: float | None = None
        try:
            response = await client.get(
                url, params=tuple(params), headers=api.headers(secret, spec), follow_redirects=False
            )
        except httpx.TimeoutException:
            FETCH_REQUESTS.labels(provider, spec.endpoint, "timeout").inc()
            stats.codes["timeout"] += 1
            last_problem = "timed out"
        except httpx.TransportError as exc:
            FETCH_REQUESTS.labels(provider, spec.endpoint, "transport_error").inc()
            stats.codes["transport_error"] += 1
            last_problem = f"transport error {type(exc).__name__}"
        else:
            FETCH_DURATION.labels(provider, spec.endpoint).observe(time.perf_counter() - started)
            status = response.status_code
            FETCH_REQUESTS.labels(provider, spec.endpoint, str(status)).inc()
            if status == 200:
                return PageResponse(
                    status, response.headers.get("content-type", ""), response.content
                )
            stats.codes[str(status)] += 1
            detail = api.error_detail(response.content)
            if status not in RETRYABLE_STATUS:
                raise ProviderRejectedError(provider, spec.endpoint, status, detail)
            if status == 429:
                FETCH_RATE_LIMITED.labels(provider).inc()
                stats.rate_limited += 1
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            last_problem = f"HTTP {status}: {detail}"
        if attempt + 1 < policy.max_attempts:
            delay = policy.delay(attempt, retry_after)
            log.warning(
                "request failed (%s); retrying in %.1f s",
                last_problem,
                delay,
                extra={"attempt": attempt + 1, "retry_in_seconds": round(delay, 3)},
            )
            await sleep(delay)
    raise ProviderUnavailableError(
        provider,
        spec.endpoint,
        f"gave up after {policy.max_attempts} attempts; last: {last_problem}",
    )
