"""deploy/kube/kube-local.sh: a second control plane starts beside the session's, refuses
a double start, reports its state, and stops every process it started."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .chart import KUBE_LOCAL
from .cluster import KubeApi

pytestmark = pytest.mark.kube

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


def script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KUBE_LOCAL), *args], capture_output=True, text=True, timeout=180, check=False
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_start_status_and_stop_leave_no_process(kube_bin_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "kube"
    started = script("start", str(state))
    try:
        assert started.returncode == 0, started.stderr
        kubeconfig = Path(started.stdout.splitlines()[-1])
        assert kubeconfig == state / "kubeconfig"
        pids = {name: int((state / "run" / f"{name}.pid").read_text()) for name in COMPONENTS}
        assert all(alive(pid) for pid in pids.values())
        api = KubeApi(kubeconfig)
        try:
            (node,) = api.items("/api/v1/nodes")
            assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
            version = api.get("/version")
            assert version["gitVersion"] == "v1.37.2"
        finally:
            api.close()
        status = script("status", str(state))
        assert status.returncode == 0
        assert status.stdout.startswith("running: https://127.0.0.1:")
        again = script("start", str(state))
        assert again.returncode == 1
        assert "already running" in again.stderr
    finally:
        stopped = script("stop", str(state))
    assert stopped.returncode == 0, stopped.stderr
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert script("status", str(state)).returncode == 3
