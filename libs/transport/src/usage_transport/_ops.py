"""Operations HTTP endpoints every service serves: /metrics, /healthz, /readyz."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import uvicorn
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = ["ReadinessCheck", "create_ops_app", "serve_ops"]

ReadinessCheck = Callable[[], Awaitable[None]]
"""Raises when a dependency (broker, database) is not usable; returns otherwise."""


def create_ops_app(
    checks: dict[str, ReadinessCheck],
    registry: CollectorRegistry = REGISTRY,
    routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """Liveness is in-process and cheap; readiness runs every check with a deadline.
    `routes` are a service's own (the fetcher's `/runs`).

    Drops the `_created` series of counters and histograms, process-wide: one more series
    per labeled child that no alert or panel reads (a restart shows in `process_start_time`).
    """
    disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in 0.2x

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        failures: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout=5.0)
            except Exception as exc:  # any failure means not ready; say which
                failures[name] = type(exc).__name__
        if failures:
            return JSONResponse({"status": "unavailable", "failed": failures}, status_code=503)
        return JSONResponse({"status": "ok", "checks": sorted(checks)})

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *routes,
        ]
    )


@contextlib.asynccontextmanager
async def serve_ops(app: Starlette, host: str, port: int) -> AsyncIterator[int]:
    """Run the ops app in this event loop; yields the bound port (0 picks a free one)."""
    # log_config=None: uvicorn's lines go through the process's own handler and format.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="off", log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # re-raise the bind error
                raise RuntimeError("ops server stopped before it started")
            await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield int(bound)
    finally:
        server.should_exit = True
        await task
