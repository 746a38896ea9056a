"""The credentials the polling loop reads every cycle: reloaded, failures logged, and the
last set kept while the store cannot be read."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from usage_common import InfrastructureError
from usage_fetcher import Credential, EndpointReport, LoadedCredentials, credential_source


def credential(name: str) -> Credential:
    return Credential("anthropic", name, f"org-{name}", "http://sim", SecretStr("sk-ant-admin-x"))


async def test_reloads_each_cycle_and_keeps_the_last_set_on_a_store_outage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = EndpointReport("openai", "*", credential_id="lost", error="credential 'lost': broken")
    loads: list[LoadedCredentials | Exception] = [
        InfrastructureError("store down"),
        LoadedCredentials([credential("a")], [bad]),
        InfrastructureError("store down"),
        LoadedCredentials([credential("a"), credential("b")], []),
    ]

    async def load() -> LoadedCredentials:
        item = loads.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    source = credential_source(load)
    with pytest.raises(InfrastructureError):  # nothing loaded yet: nothing to fall back to
        await source()
    with caplog.at_level(logging.WARNING):
        cycles = [await source() for _ in range(3)]
    assert [[c.credential_id for c in found.usable] for found in cycles] == [
        ["a"],
        ["a"],
        ["a", "b"],
    ]
    # While the store is down, the last failures still count: the run records keep saying so.
    assert [[f.credential_id for f in found.failed] for found in cycles] == [["lost"], ["lost"], []]
    assert "credential skipped: credential 'lost': broken" in caplog.text
    assert "store down" in caplog.text
