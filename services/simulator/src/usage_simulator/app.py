"""The Starlette app: both providers' usage endpoints plus the /_sim test controls.

Routes:
    GET    /v1/organizations/usage_report/messages   Anthropic usage (x-api-key)
    GET    /v1/organization/usage/completions         OpenAI usage (Bearer)
    GET    /_sim/health                               liveness; no auth
    GET    /_sim/faults  POST /_sim/faults  DELETE    read, replace, clear the fault plan
    GET    /_sim/stats   DELETE /_sim/stats           usage requests per endpoint/status

Per usage request: an armed fault answers first (before auth, so "the next N
requests fail" holds for any caller), then the provider module answers; either way
the status is counted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import anthropic_api, openai_api
from .catalogue import Provider
from .config import SimulatorConfig
from .errors import ConfigError
from .faults import FaultInjector, FaultPlan, RequestStats

__all__ = ["create_app"]

Endpoint = Callable[[Request], Awaitable[Response]]


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """Build the simulator app; all mutable state (faults, stats) lives in this call."""
    config = config or SimulatorConfig()
    faults = FaultInjector(config.faults)
    stats = RequestStats()

    def usage_endpoint(provider: Provider) -> Endpoint:
        if provider == "anthropic":
            respond, fault_response = anthropic_api.respond, anthropic_api.fault_response
        else:
            respond, fault_response = openai_api.respond, openai_api.fault_response

        async def endpoint(request: Request) -> Response:
            plan = faults.take(provider)
            if plan is not None:
                response = fault_response(plan)
            else:
                response = respond(request.headers, request.query_params, config)
            stats.record(provider, response.status_code)
            return response

        return endpoint

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "seed": config.seed})

    async def get_faults(request: Request) -> Response:
        return JSONResponse(faults.plan.to_json())

    async def set_faults(request: Request) -> Response:
        try:
            plan = FaultPlan.from_json(json.loads(await request.body()))
        except (ValueError, ConfigError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        faults.set(plan)
        return JSONResponse(plan.to_json())

    async def clear_faults(request: Request) -> Response:
        faults.set(FaultPlan())
        return JSONResponse(faults.plan.to_json())

    async def get_stats(request: Request) -> Response:
        return JSONResponse(stats.snapshot())

    async def reset_stats(request: Request) -> Response:
        stats.reset()
        return JSONResponse(stats.snapshot())

    routes = [
        Route(anthropic_api.PATH, usage_endpoint("anthropic"), methods=["GET"]),
        Route(openai_api.PATH, usage_endpoint("openai"), methods=["GET"]),
        Route("/_sim/health", health, methods=["GET"]),
        Route("/_sim/faults", get_faults, methods=["GET"]),
        Route("/_sim/faults", set_faults, methods=["POST"]),
        Route("/_sim/faults", clear_faults, methods=["DELETE"]),
        Route("/_sim/stats", get_stats, methods=["GET"]),
        Route("/_sim/stats", reset_stats, methods=["DELETE"]),
    ]
    return Starlette(routes=routes)
