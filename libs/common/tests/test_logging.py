from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from usage_common import configure_logging, log_context, log_fields, log_handler, scrub

KEY = "sk-ant-admin01-Zx9_abcdefghijklmnop"


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO, io.StringIO]]:
    """A logger writing JSON to one buffer and text to another."""
    logger = logging.getLogger(f"test.logging.{id(object())}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    as_json, as_text = io.StringIO(), io.StringIO()
    handlers = [log_handler("json", as_json), log_handler("text", as_text)]
    for handler in handlers:
        logger.addHandler(handler)
    yield logger, as_json, as_text
    for handler in handlers:
        logger.removeHandler(handler)


def parsed(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_one_json_object_per_line_with_the_context_and_the_extra_fields(
    lines: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    logger, as_json, as_text = lines
    with log_context(service="fetcher", provider="openai"):
        with log_context(endpoint="costs", run_id="ab" * 16, organization=None):
            logger.info(
                "fetch finished\nsecond line",
                extra={
                    "pages": 3,
                    "cost": Decimal("0.10"),
                    "at": datetime(2025, 11, 1, tzinfo=UTC),
                },
            )
        logger.warning("after the inner block")
    first, second = parsed(as_json)
    assert first == {
        "ts": first["ts"],
        "level": "info",
        "logger": logger.name,
        "message": "fetch finished\nsecond line",
        "service": "fetcher",
        "provider": "openai",
        "endpoint": "costs",
        "run_id": "ab" * 16,
        "pages": 3,
        "cost": "0.10",
        "at": "2025-11-01T00:00:00Z",
    }
    assert str(first["ts"]).endswith("Z") and "organization" not in first
    assert second["provider"] == "openai" and "endpoint" not in second
    text = as_text.getvalue().splitlines()
    assert len(text) == 3  # the message's own newline is kept in text, not in JSON
    assert text[-1].endswith("after the inner block [service=fetcher provider=openai]")
    assert log_fields() == {}


async def test_each_task_keeps_its_own_context(
    lines: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    logger, as_json, _ = lines
    both = asyncio.Event()
    waiting = 0

    async def job(provider: str) -> None:
        nonlocal waiting
        with log_context(provider=provider):
            waiting += 1
            if waiting == 2:
                both.set()
            await both.wait()  # both blocks are open at once
            logger.info("done")

    await asyncio.gather(job("anthropic"), job("openai"))
    assert sorted(str(e["provider"]) for e in parsed(as_json)) == ["anthropic", "openai"]


def test_a_key_or_token_never_reaches_a_line(
    lines: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    logger, as_json, as_text = lines
    logger.warning("rejected %s", KEY, extra={"header": "Bearer abcdef.123456"})
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        logger.exception("failed")
    out = as_json.getvalue() + as_text.getvalue()
    assert KEY not in out and "abcdef.123456" not in out
    assert "sk-***" in out and "Bearer ***" in out
    assert "ValueError: bad key sk-***" in parsed(as_json)[1]["exception"]  # type: ignore[operator]
    assert scrub("task-queue risk-free sk-ab") == "task-queue risk-free sk-ab"


def test_configuring_leaves_a_foreign_handler_alone_and_replaces_its_own() -> None:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        foreign = logging.NullHandler()
        root.handlers = [foreign]
        configure_logging("json", logging.INFO, io.StringIO())
        assert root.handlers == [foreign]  # pytest's capture, an embedding program

        root.handlers = []
        first, second = io.StringIO(), io.StringIO()
        configure_logging("text", logging.INFO, first)
        configure_logging("json", logging.INFO, second)
        logging.getLogger("test.logging.root").info("once")
        assert first.getvalue() == "" and json.loads(second.getvalue())["message"] == "once"
        assert len(root.handlers) == 1
    finally:
        root.handlers, root.level = saved, level
