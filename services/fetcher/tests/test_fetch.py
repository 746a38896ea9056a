from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from usage_common import RawPage, decode
from usage_fetcher import (
    Credential,
    FetchContext,
    ProviderRejectedError,
    RetryPolicy,
    fetch_cycle,
    plan_window,
)
from usage_transport import Message

KEY = "sk-ant-admin01-SECRET-VALUE"
T0 = datetime(2025, 11, 1, tzinfo=UTC)
T1 = datetime(2025, 11, 3, tzinfo=UTC)
ONLY = {"anthropic": ["messages"], "openai": ["completions"]}


class ListPublisher:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        self.messages.extend(messages)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def anthropic(base: str = "http://sim") -> Credential:
    return Credential("anthropic", "env:anthropic", "org-1", base, SecretStr(KEY))


def page(cursor: str | None) -> dict[str, object]:
    return {"data": [], "has_more": cursor is not None, "next_page": cursor, "new_field": 1}


def make_ctx(
    handler: httpx.MockTransport, sleeps: Sleeps | None = None
) -> tuple[FetchContext, ListPublisher]:
    publisher = ListPublisher()
    ctx = FetchContext(
        client=httpx.AsyncClient(transport=handler),
        publisher=publisher,
        raw_topic="raw",
        policy=RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.02),
        sleep=sleeps or Sleeps(),
    )
    return ctx, publisher


async def test_follows_next_page_to_the_end_and_publishes_each_page_verbatim() -> None:
    seen: list[httpx.Request] = []
    bodies = {None: page("c1"), "c1": page("c2"), "c2": page(None)}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=bodies[request.url.params.get("page")])

    ctx, publisher = make_ctx(httpx.MockTransport(handle))
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1h", ONLY)

    assert [r.pages for r in reports] == [3] and reports[0].error is None
    assert [r.url.params.get("page") for r in seen] == [None, "c1", "c2"]
    first = seen[0]
    assert first.url.path == "/v1/organizations/usage_report/messages"
    assert first.url.params["starting_at"] == "2025-11-01T00:00:00Z"
    assert first.url.params["ending_at"] == "2025-11-03T00:00:00Z"
    assert first.url.params["limit"] == "168"
    assert "model" in first.url.params.get_list("group_by[]")
    assert first.headers["x-api-key"] == KEY
    assert first.headers["anthropic-version"] == "2023-06-01"
    pages = [decode(RawPage, m.value) for m in publisher.messages]
    assert [p.page_number for p in pages] == [1, 2, 3]
    assert json.loads(pages[0].body) == page("c1")  # unknown fields kept verbatim
    assert {m.key for m in publisher.messages} == {publisher.messages[0].key}
    assert all(KEY.encode() not in m.value for m in publisher.messages)


async def test_retries_429_honouring_retry_after_then_succeeds() -> None:
    calls = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(429, headers={"retry-after": "7"}, json={"error": {}})
        return httpx.Response(200, json=page(None))

    sleeps = Sleeps()
    ctx, publisher = make_ctx(httpx.MockTransport(handle), sleeps)
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert reports[0].error is None and calls == 2 and len(publisher.messages) == 1
    assert sleeps.delays == [7.0]


async def test_gives_up_after_bounded_attempts_on_5xx_and_reports_the_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            503, json={"type": "error", "error": {"type": "api_error", "message": "down"}}
        )

    sleeps = Sleeps()
    ctx, publisher = make_ctx(httpx.MockTransport(handle), sleeps)
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert reports[0].error is not None and "gave up after 3 attempts" in reports[0].error
    assert len(sleeps.delays) == 2 and all(0 <= d <= 0.02 for d in sleeps.delays)
    assert publisher.messages == []


async def test_auth_failure_is_not_retried_and_never_echoes_the_key() -> None:
    calls = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        body = {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        }
        return httpx.Response(401, json=body)

    ctx, _ = make_ctx(httpx.MockTransport(handle))
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert calls == 1
    assert reports[0].error is not None and "HTTP 401" in reports[0].error
    assert KEY not in reports[0].error


async def test_timeouts_are_retried() -> None:
    calls = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=page(None))

    ctx, publisher = make_ctx(httpx.MockTransport(handle))
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert reports[0].error is None and calls == 3 and len(publisher.messages) == 1


async def test_openai_uses_unix_seconds_and_bearer_auth() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"object": "page", "data": [], "has_more": False, "next_page": None}
        )

    ctx, _ = make_ctx(httpx.MockTransport(handle))
    cred = Credential("openai", "env:openai", "org", "http://sim/v1", SecretStr("sk-admin-x"))
    await fetch_cycle(ctx, [cred], T0, T1, "1d", ONLY)
    assert seen[0].url.path == "/v1/organization/usage/completions"
    assert seen[0].url.params["start_time"] == str(int(T0.timestamp()))
    assert seen[0].headers["authorization"] == "Bearer sk-admin-x"


def test_plan_window_widens_to_whole_buckets() -> None:
    start, end = plan_window(
        datetime(2025, 11, 1, 10, 30, tzinfo=UTC), datetime(2025, 11, 1, 12, 5, tzinfo=UTC), "1h"
    )
    assert (start.hour, end.hour) == (10, 13)
    with pytest.raises(ValueError, match="empty window"):
        plan_window(T1, T0, "1h")


def test_rejected_error_is_terminal() -> None:
    from usage_common import TerminalError

    assert issubclass(ProviderRejectedError, TerminalError)


async def test_cost_report_is_fetched_in_whole_days_and_claude_code_once_per_day() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=page(None))

    ctx, publisher = make_ctx(httpx.MockTransport(handle))
    since = datetime(2025, 11, 1, 5, tzinfo=UTC)
    until = datetime(2025, 11, 3, 1, tzinfo=UTC)
    endpoints = {"anthropic": ["cost_report", "claude_code"]}
    reports = await fetch_cycle(ctx, [anthropic()], since, until, "1h", endpoints)
    assert [(r.endpoint, r.pages) for r in reports] == [("cost_report", 1), ("claude_code", 3)]
    cost = seen[0].url.params
    assert (cost["bucket_width"], cost["limit"]) == ("1d", "31")
    assert (cost["starting_at"], cost["ending_at"]) == (
        "2025-11-01T00:00:00Z",
        "2025-11-04T00:00:00Z",
    )
    assert cost.get_list("group_by[]") == ["workspace_id", "description"]
    days = [r.url.params["starting_at"] for r in seen[1:]]
    assert days == ["2025-11-01", "2025-11-02", "2025-11-03"]
    assert all(decode(RawPage, m.value).bucket_width == "1d" for m in publisher.messages)


async def test_fast_mode_beta_adds_speed_and_its_header() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=page(None))

    ctx, _ = make_ctx(httpx.MockTransport(handle))
    ctx.anthropic_fast_mode = True
    await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert "speed" in seen[0].url.params.get_list("group_by[]")
    assert seen[0].headers["anthropic-beta"] == "fast-mode-2026-02-01"


async def test_every_openai_endpoint_has_its_own_path_and_group_by() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "page", "data": [], "has_more": False})

    ctx, _ = make_ctx(httpx.MockTransport(handle))
    cred = Credential("openai", "env:openai", "org", "http://sim/v1", SecretStr("sk-admin-x"))
    reports = await fetch_cycle(ctx, [cred], T0, T1, "1h")
    assert len(reports) == 11 and all(r.error is None for r in reports)
    by_path = {r.url.path: r.url.params for r in seen}
    assert by_path["/v1/organization/usage/images"].get_list("group_by[]")[-2:] == [
        "size",
        "source",
    ]
    assert by_path["/v1/organization/usage/vector_stores"].get_list("group_by[]") == ["project_id"]
    assert by_path["/v1/organization/costs"]["bucket_width"] == "1d"
    # 31 of the 180 allowed: a page of 180 days can pass the broker's message limit.
    assert by_path["/v1/organization/costs"]["limit"] == "31"
    assert by_path["/v1/organization/usage/embeddings"]["limit"] == "168"


def test_unknown_endpoint_names_in_settings_are_refused() -> None:
    from usage_common import ConfigError, Settings
    from usage_fetcher import endpoints_from_settings

    with pytest.raises(ConfigError, match="USAGE_OPENAI_ENDPOINTS: unknown fine_tuning"):
        endpoints_from_settings(Settings(openai_endpoints="completions,fine_tuning"))


async def test_configured_filters_are_sent_and_typos_are_refused() -> None:
    from usage_common import ConfigError, Settings
    from usage_fetcher import filters_from_settings

    settings = Settings(
        endpoint_filters={
            "anthropic.messages": {"models[]": ["claude-opus-5", "claude-haiku-4-5"]},
            "openai.completions": {"batch": ["true"]},
        }
    )
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=page(None))

    ctx, _ = make_ctx(httpx.MockTransport(handle))
    ctx.filters = filters_from_settings(settings)
    await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert seen[0].url.params.get_list("models[]") == ["claude-opus-5", "claude-haiku-4-5"]
    with pytest.raises(ConfigError, match="has no filter models"):
        filters_from_settings(
            Settings(endpoint_filters={"openai.vector_stores": {"models[]": ["x"]}})
        )
    with pytest.raises(ConfigError, match="unknown endpoint"):
        filters_from_settings(Settings(endpoint_filters={"openai.fine_tuning": {}}))


async def test_a_page_too_large_for_the_broker_is_fetched_again_as_two_halves() -> None:
    windows: list[tuple[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        start, end = request.url.params["starting_at"], request.url.params["ending_at"]
        windows.append((start, end))
        days = 2 if (start, end) == ("2025-11-01T00:00:00Z", "2025-11-03T00:00:00Z") else 1
        filler = "x" * 3000 * days  # a page grows with its window
        return httpx.Response(200, json={**page(None), "filler": filler})

    ctx, publisher = make_ctx(httpx.MockTransport(handle))
    ctx.max_message_bytes = 5000
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)

    assert reports[0].error is None, reports[0].error
    assert windows == [
        ("2025-11-01T00:00:00Z", "2025-11-03T00:00:00Z"),
        ("2025-11-01T00:00:00Z", "2025-11-02T00:00:00Z"),
        ("2025-11-02T00:00:00Z", "2025-11-03T00:00:00Z"),
    ]
    assert len(publisher.messages) == 2
    assert all(len(m.value) <= 5000 for m in publisher.messages)


async def test_a_single_bucket_too_large_fails_its_endpoint_with_a_clear_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**page(None), "filler": "x" * 10_000})

    ctx, publisher = make_ctx(httpx.MockTransport(handle))
    ctx.max_message_bytes = 5000
    reports = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert publisher.messages == []
    assert reports[0].error is not None and "USAGE_KAFKA_MAX_MESSAGE_BYTES" in reports[0].error


async def test_request_stats_count_requests_retries_429s_and_codes() -> None:
    answers = iter([429, 503, 200])

    def handle(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return httpx.Response(status, json=page(None) if status == 200 else {"error": {}})

    ctx, _ = make_ctx(httpx.MockTransport(handle))
    [report] = await fetch_cycle(ctx, [anthropic()], T0, T1, "1d", ONLY)
    assert (report.stats.requests, report.stats.retries, report.stats.rate_limited) == (3, 2, 1)
    assert dict(report.stats.codes) == {"429": 1, "503": 1}


def test_a_disabled_provider_contributes_no_credential() -> None:
    from usage_common import Settings
    from usage_fetcher import credentials_from_settings

    both = Settings(anthropic_admin_key="sk-ant-admin01-x", openai_admin_key="sk-admin-y")
    assert [c.provider for c in credentials_from_settings(both)] == ["anthropic", "openai"]
    off = both.model_copy(update={"openai_enabled": False})
    assert [c.provider for c in credentials_from_settings(off)] == ["anthropic"]
