"""The Starlette app: both providers' usage and cost endpoints plus the /_sim controls.

Routes:
    GET    /v1/organizations/usage_report/messages     Anthropic usage (x-api-key)
    GET    /v1/organizations/usage_report/claude_code  Anthropic Claude Code analytics
    GET    /v1/organizations/cost_report               Anthropic costs
    GET    /v1/organization/usage/{X}                  OpenAI usage, X in openai_api.ENDPOINTS
    GET    /v1/organization/costs                      OpenAI costs (Bearer)
    GET    /_sim/health                                liveness; no auth
    GET    /_sim/faults  POST /_sim/faults  DELETE    read, replace, clear the fault plan
    GET    /_sim/stats   DELETE /_sim/stats           usage requests per endpoint/status
    GET    /_sim/requests                              answered requests in order (path?query)

Per provider request: an armed fault answers first (before auth, so "the next N
requests fail" holds for any caller), then the endpoint module answers; either way
the status is counted under the provider.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import (
    anthropic_api,
    anthropic_claude_code_api,
    anthropic_cost_api,
    anthropic_http,
    openai_api,
    openai_costs_api,
    openai_http,
)
from .catalogue import Provider
from .config import SimulatorConfig
from .errors import ConfigError
from .faults import FaultInjector, FaultPlan, RequestStats

__all__ = ["create_app"]

Endpoint = Callable[[Request], Awaitable[Response]]
Responder = Callable[[Headers, QueryParams, SimulatorConfig], Response]


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """Build the simulator app; all mutable state (faults, stats) lives in this call."""
    config = config or SimulatorConfig()
    faults = FaultInjector(config.faults)
    stats = RequestStats()

    def provider_endpoint(provider: Provider, respond: Responder) -> Endpoint:
        if provider == "anthropic":
            fault_response = anthropic_http.fault_response
        else:
            fault_response = openai_http.fault_response

        async def endpoint(request: Request) -> Response:
            plan = faults.take(provider)
            response: Response
            if plan is not None:
                response = fault_response(plan)
            else:
                response = respond(request.headers, request.query_params, config)
            stats.record(provider, response.status_code, f"{request.url.path}?{request.url.query}")
            return response

        return endpoint

    def openai_usage(name: str) -> Responder:
        def respond(headers: Headers, params: QueryParams, config: SimulatorConfig) -> Response:
            return openai_api.respond(headers, params, config, name)

        return respond

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

    async def get_requests(request: Request) -> Response:
        return JSONResponse({"answered": stats.answered()})

    async def reset_stats(request: Request) -> Response:
        stats.reset()
        return JSONResponse(stats.snapshot())

    provider_routes: list[tuple[str, Provider, Responder]] = [
        (anthropic_api.PATH, "anthropic", anthropic_api.respond),
        (anthropic_claude_code_api.PATH, "anthropic", anthropic_claude_code_api.respond),
        (anthropic_cost_api.PATH, "anthropic", anthropic_cost_api.respond),
        *((spec.path, "openai", openai_usage(name)) for name, spec in openai_api.ENDPOINTS.items()),
        (openai_costs_api.PATH, "openai", openai_costs_api.respond),
    ]
    routes = [
        *(
            Route(path, provider_endpoint(provider, respond), methods=["GET"])
            for path, provider, respond in provider_routes
        ),
        Route("/_sim/health", health, methods=["GET"]),
        Route("/_sim/faults", get_faults, methods=["GET"]),
        Route("/_sim/faults", set_faults, methods=["POST"]),
        Route("/_sim/faults", clear_faults, methods=["DELETE"]),
        Route("/_sim/stats", get_stats, methods=["GET"]),
        Route("/_sim/stats", reset_stats, methods=["DELETE"]),
        Route("/_sim/requests", get_requests, methods=["GET"]),
    ]
    return Starlette(routes=routes)
