"""Providing a Kafka broker: environment, testcontainers, or deploy/kafka/kafka-local.sh."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from ._infra import (
    KAFKA_BOOTSTRAP_ENV,
    InfraUnavailable,
    Provided,
    docker_engine_answers,
    env_value,
    free_port_pair,
)

__all__ = ["provide_kafka", "start_scram_kafka"]

KAFKA_IMAGE_ENV = "USAGE_TEST_KAFKA_IMAGE"
# The image testcontainers' KafkaContainer is tested with; its KRaft mode needs Confluent's.
DEFAULT_KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
_SCRIPT = Path("deploy") / "kafka" / "kafka-local.sh"
# Covers a first-time jar download by Maven; the script bounds the broker start itself.
_START_TIMEOUT = 600.0
_STOP_TIMEOUT = 120.0
_START_ATTEMPTS = 3

HOW_TO_GET_KAFKA = (
    f"set {KAFKA_BOOTSTRAP_ENV}=host:port (`deploy/kafka/kafka-local.sh start /tmp/kafka` "
    "starts one and prints it), or start a Docker engine so testcontainers can run one, "
    "or put `java` (17+) and `mvn` on PATH so the tests start deploy/kafka/kafka-local.sh "
    "themselves"
)


def find_kafka_script(*roots: Path) -> Path | None:
    """Locate deploy/kafka/kafka-local.sh above any of ``roots`` (and above this package)."""
    for root in (*roots, Path(__file__).resolve()):
        for directory in (root, *root.parents):
            candidate = directory / _SCRIPT
            if candidate.is_file():
                return candidate
    return None


def provide_kafka(stack: ExitStack, workdir: Path, repo_root: Path) -> Provided:
    """Return a broker's bootstrap address; whatever is started is stopped by ``stack``.

    Raises InfraUnavailable when there is no way to get a broker here.
    """
    if (address := env_value(KAFKA_BOOTSTRAP_ENV)) is not None:
        return Provided(address, f"${KAFKA_BOOTSTRAP_ENV}", 0.0)
    if docker_engine_answers():
        return _start_container(stack)
    return _start_local(stack, workdir, repo_root)


def _start_container(stack: ExitStack) -> Provided:
    from testcontainers.community.kafka import KafkaContainer

    began = time.monotonic()
    image = env_value(KAFKA_IMAGE_ENV) or DEFAULT_KAFKA_IMAGE
    container = KafkaContainer(image).with_kraft()
    # Registered before start: a container that starts but never gets ready is removed too.
    stack.callback(container.stop)
    container.start(timeout=120)
    return Provided(
        container.get_bootstrap_server(), f"testcontainers {image}", time.monotonic() - began
    )


def start_scram_kafka(
    stack: ExitStack, workdir: Path, repo_root: Path, user: str, password: str
) -> Provided:
    """A broker of its own from kafka-local.sh with its SCRAM-SHA-512 listener for `user`;
    the address returned is that SASL_PLAINTEXT listener (PLAINTEXT stays on port-2).

    Raises InfraUnavailable when the script, `java` or `mvn` is missing."""
    env = {"KAFKA_LOCAL_SCRAM_USER": user, "KAFKA_LOCAL_SCRAM_PASSWORD": password}
    provided = _start_local(stack, workdir, repo_root, env=env)
    host, port = provided.address.rsplit(":", 1)
    return Provided(f"{host}:{int(port) + 2}", provided.source, provided.seconds)


def _start_local(
    stack: ExitStack, workdir: Path, repo_root: Path, env: dict[str, str] | None = None
) -> Provided:
    script = find_kafka_script(repo_root)
    if script is None:
        raise InfraUnavailable(f"no Kafka broker: {_SCRIPT} not found; {HOW_TO_GET_KAFKA}")
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        raise InfraUnavailable(
            f"no Kafka broker: no Docker engine and {' and '.join(missing)} not on PATH; "
            f"{HOW_TO_GET_KAFKA}"
        )
    began = time.monotonic()
    failures: list[str] = []
    for attempt in range(_START_ATTEMPTS):
        data_dir = workdir / f"kafka-{attempt}"
        port = free_port_pair(3 if env else 2)
        result = _run_script(
            script, "start", str(data_dir), str(port), timeout=_START_TIMEOUT, env=env
        )
        if result.returncode == 0:
            stack.callback(_stop_local, script, data_dir)
            address = result.stdout.strip().splitlines()[-1]
            return Provided(address, f"{script.name} ({data_dir})", time.monotonic() - began)
        failures.append(result.stderr.strip())
        # Another process may take a port between our check and the broker's bind: only
        # that is worth another try; anything else is a real failure.
        if "already in use" not in result.stderr:
            break
    raise RuntimeError(f"{script} start failed:\n" + "\n---\n".join(failures))


def _stop_local(script: Path, data_dir: Path) -> None:
    _run_script(script, "stop", str(data_dir), timeout=_STOP_TIMEOUT)


def _run_script(
    script: Path, *args: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        env=None if env is None else {**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
