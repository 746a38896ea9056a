"""What the server providers share: the environment contract and the Docker check."""

from __future__ import annotations

import functools
import gc
import os
import socket
import warnings
from dataclasses import dataclass

__all__ = [
    "DATABASE_URL_ENV",
    "KAFKA_BOOTSTRAP_ENV",
    "REQUIRE_INFRA_ENV",
    "InfraUnavailable",
    "Provided",
    "docker_engine_answers",
    "env_value",
    "free_port_pair",
]

KAFKA_BOOTSTRAP_ENV = "USAGE_TEST_KAFKA_BOOTSTRAP_SERVERS"
DATABASE_URL_ENV = "USAGE_TEST_DATABASE_URL"
REQUIRE_INFRA_ENV = "USAGE_REQUIRE_INFRA"
DOCKER_PING_TIMEOUT = 2.0


class InfraUnavailable(Exception):
    """No way to get this server here; the message says how to provide one."""


@dataclass(frozen=True, slots=True)
class Provided:
    """Where a server came from, for the end-of-session summary."""

    address: str
    source: str
    seconds: float


@functools.cache
def docker_engine_answers() -> bool:
    """Whether a Docker engine answers a ping within a couple of seconds.

    Asked once per session. It goes through testcontainers' own client (``DOCKER_HOST``,
    testcontainers properties, docker contexts), so "answers" means "testcontainers can use
    it". No engine at all fails at once (the socket is missing); an unreachable remote one
    fails after the timeout instead of hanging the session.
    """
    try:
        from testcontainers.core.docker_client import DockerClient
    except ImportError:
        return False
    # A failed connection leaves the docker client's socket to the garbage collector, whose
    # ResourceWarning would surface later in an unrelated test: collect it here, silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            client = DockerClient(timeout=DOCKER_PING_TIMEOUT)
            try:
                return bool(client.client.ping())
            finally:
                client.client.close()
        except Exception:
            # Whatever the failure (no socket, refused, TLS, timeout): no usable engine.
            return False
        finally:
            gc.collect()


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_pair(count: int = 2) -> int:
    """A port P such that P to P+count-1 are all free right now (Kafka's broker and
    controller, and with SCRAM its SASL listener)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port + count - 1 <= 65535 and all(_bindable(port + i) for i in range(1, count)):
            return port
    raise RuntimeError(f"found no {count} adjacent free TCP ports on 127.0.0.1")


def env_value(name: str) -> str | None:
    """The variable's value, with unset and blank treated alike."""
    value = os.environ.get(name, "").strip()
    return value or None
