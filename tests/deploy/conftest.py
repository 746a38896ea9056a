"""Fixtures of the chart tests: helm alone (lint, template) and a local control plane.

Both need the pinned binaries from `deploy/kube/kube-local.sh build`. Without them the tests
skip with that instruction, unless USAGE_REQUIRE_INFRA is set (CI, which builds them before
pytest): then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .chart import KUBE_LOCAL, Helm, find_bin_dir
from .cluster import KubeApi, running_cluster


def _strict() -> bool:
    return os.environ.get("USAGE_REQUIRE_INFRA", "").strip() not in ("", "0")


@pytest.fixture(scope="session")
def kube_bin_dir() -> Path:
    found = find_bin_dir()
    if found is not None:
        return found
    message = (
        f"helm and the Kubernetes binaries are not built: run `{KUBE_LOCAL.relative_to(KUBE_LOCAL.parents[2])}"
        " build` (about 10 minutes the first time, then cached)"
    )
    if _strict():
        pytest.fail(f"USAGE_REQUIRE_INFRA=1: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def helm(kube_bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """helm for lint and template: no cluster."""
    return Helm(kube_bin_dir / "helm", tmp_path_factory.mktemp("helm"))


@pytest.fixture(scope="session")
def kubeconfig(kube_bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A running control plane for the session (about 5 s to start)."""
    with running_cluster(tmp_path_factory.mktemp("kube")) as config:
        yield config


@pytest.fixture(scope="session")
def kube(kubeconfig: Path) -> Iterator[KubeApi]:
    api = KubeApi(kubeconfig)
    yield api
    api.close()


@pytest.fixture(scope="session")
def cluster_helm(helm: Helm, kubeconfig: Path) -> Helm:
    return Helm(helm.binary, helm.home, kubeconfig)
