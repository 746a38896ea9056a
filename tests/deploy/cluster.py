"""A local Kubernetes control plane for the chart's install tests, and a small API client.

`deploy/kube/kube-local.sh start` runs etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (one fake node) on free 127.0.0.1 ports. The client speaks plain
REST to the apiserver with the kubeconfig's token: enough to create fixtures, read what the
release made and list every namespaced object, without a Kubernetes client library.
"""

from __future__ import annotations

import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from .chart import KUBE_LOCAL

__all__ = ["KubeApi", "ResourceType", "poll_until", "running_cluster"]

START_TIMEOUT = 180.0
STOP_TIMEOUT = 120.0


@dataclass(frozen=True)
class ResourceType:
    """A namespaced kind the server can list: `path` is its collection under a namespace."""

    group_version: str
    plural: str
    kind: str

    def path(self, namespace: str) -> str:
        prefix = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        return f"{prefix}/namespaces/{namespace}/{self.plural}"


class KubeApi:
    """REST calls to the apiserver named by a kubeconfig (its first cluster and user)."""

    def __init__(self, kubeconfig: Path) -> None:
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        token = config["users"][0]["user"]["token"]
        self._client = httpx.Client(
            base_url=cluster["server"],
            verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, **params: str) -> dict[str, Any]:
        response = self._client.get(path, params=params)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def exists(self, path: str) -> bool:
        response = self._client.get(path)
        if response.status_code == 404:
            return False
        response.raise_for_status()
        return True

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._client.post(path, json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def delete(self, path: str) -> None:
        response = self._client.delete(path)
        if response.status_code != 404:
            response.raise_for_status()

    def items(self, path: str, **params: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(path, **params)["items"]
        return items

    def namespaced_types(self) -> list[ResourceType]:
        """Every namespaced kind the server serves and can list, by discovery: the
        built-in groups and the custom resources alike, in their preferred versions."""
        versions = ["v1"]
        for group in self.get("/apis")["groups"]:
            versions.append(group["preferredVersion"]["groupVersion"])
        found: list[ResourceType] = []
        for group_version in versions:
            path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
            for resource in self.get(path)["resources"]:
                if (
                    resource["namespaced"]
                    and "/" not in resource["name"]  # subresources such as pods/log
                    and "list" in resource["verbs"]
                ):
                    found.append(ResourceType(group_version, resource["name"], resource["kind"]))
        return found


def poll_until(predicate: Callable[[], bool], timeout: float, message: str) -> None:
    """Check `predicate` every 0.2 s until it holds; fail with `message` after `timeout`.

    The controllers act on their own schedule (garbage collection, CRD establishment);
    this waits on the condition itself, with a deadline.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} (after {timeout} s)")
        time.sleep(0.2)


def _script(*args: str, timeout: float) -> str:
    result = subprocess.run(
        [str(KUBE_LOCAL), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"kube-local.sh {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextmanager
def running_cluster(state: Path) -> Iterator[Path]:
    """Start the control plane with its state in `state`; yield the kubeconfig; stop it."""
    try:
        kubeconfig = Path(_script("start", str(state), timeout=START_TIMEOUT).splitlines()[-1])
        yield kubeconfig
    finally:
        _script("stop", str(state), timeout=STOP_TIMEOUT)
