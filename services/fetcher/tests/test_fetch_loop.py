"""The polling loop reloads credentials every cycle and reports the ones that failed."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from usage_common import InfrastructureError, Settings
from usage_fetcher import Credential, EndpointReport, FetchContext, LoadedCredentials
from usage_fetcher.app import run_fetch_loop
from usage_transport import Message


class ListPublisher:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        self.messages.extend(messages)


def credential(name: str, org: str) -> Credential:
    return Credential("anthropic", name, org, "http://sim", SecretStr(f"sk-ant-admin-{name}"))


async def test_each_cycle_reloads_keeps_the_last_set_on_a_store_outage_and_reports_failures() -> (
    None
):
    keys: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["x-api-key"])
        return httpx.Response(200, json={"data": [], "has_more": False, "next_page": None})

    bad = EndpointReport("openai", "*", credential_id="lost", error="credential 'lost': ...")
    loads: list[LoadedCredentials | Exception] = [
        LoadedCredentials([credential("a", "org-a")], [bad]),
        InfrastructureError("store down"),
        LoadedCredentials([credential("a", "org-a"), credential("b", "org-b")], []),
    ]

    async def loader() -> LoadedCredentials:
        item = loads.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    cycles: list[list[EndpointReport]] = []
    stop = asyncio.Event()

    def on_cycle(reports: list[EndpointReport]) -> None:
        cycles.append(reports)
        if len(cycles) == 3:
            stop.set()

    publisher = ListPublisher()
    ctx = FetchContext(httpx.AsyncClient(transport=httpx.MockTransport(handle)), publisher, "raw")
    settings = Settings(anthropic_endpoints="messages", poll_interval_seconds=0.01)
    await asyncio.wait_for(run_fetch_loop(ctx, loader, settings, stop, on_cycle), 30)

    assert [[r.credential_id for r in c] for c in cycles] == [
        ["lost", "a"],
        ["lost", "a"],  # the store was down: the last set that loaded, failures included
        ["a", "b"],
    ]
    assert cycles[0][0].error == "credential 'lost': ..."
    assert sorted(set(keys)) == ["sk-ant-admin-a", "sk-ant-admin-b"]
