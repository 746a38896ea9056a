"""Every Kafka client in the shipped code takes its connection from `KafkaConnection`, so
the authentication settings cannot be forgotten in a new admin client or consumer."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    path
    for pattern in ("libs/*/src/**/*.py", "services/*/src/**/*.py", "apps/*/src/**/*.py")
    for path in ROOT.glob(pattern)
)
CLIENTS = {"AIOKafkaAdminClient", "AIOKafkaConsumer", "AIOKafkaProducer", "AIOKafkaClient"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _takes_client_options(call: ast.Call) -> bool:
    return any(
        kw.arg is None
        and isinstance(kw.value, ast.Call)
        and _name(kw.value.func) == "client_options"
        for kw in call.keywords
    )


def _calls(name_filter: set[str]) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in name_filter:
                found.append((path, node))
    return found


def test_every_aiokafka_client_is_built_from_client_options() -> None:
    calls = _calls(CLIENTS)
    assert len(calls) >= 5  # the lag reader, topic scan and topic creation: the scan works
    missing = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call in calls
        if not _takes_client_options(call)
    ]
    assert missing == [], f"build these with **connection.client_options(): {missing}"


def test_every_faststream_broker_gets_the_security() -> None:
    calls = _calls({"KafkaBroker"})
    assert calls
    missing = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call in calls
        if not any(kw.arg == "security" for kw in call.keywords)
    ]
    assert missing == [], f"pass security=connection.broker_security(): {missing}"
