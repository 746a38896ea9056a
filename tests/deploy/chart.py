"""The chart under test, helm as a subprocess, and the pinned binaries that run it.

The binaries (helm, etcd, the Kubernetes servers, kwok) are built by
`deploy/kube/kube-local.sh build`; `kube-local.sh bin` says where they are, or exits 3
when they have not been built on this machine.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CHART",
    "CI_VALUES",
    "KUBE_LOCAL",
    "ROOT",
    "Helm",
    "HelmFailed",
    "find_bin_dir",
    "objects_of",
]

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "usage-pipeline"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
KUBE_LOCAL = ROOT / "deploy" / "kube" / "kube-local.sh"
HELM_TIMEOUT = 180.0


def find_bin_dir() -> Path | None:
    """The directory of the pinned binaries, or None when they are not built here."""
    result = subprocess.run(
        [str(KUBE_LOCAL), "bin"], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode == 3:
        return None
    if result.returncode != 0:
        raise RuntimeError(f"kube-local.sh bin failed: {result.stderr}")
    return Path(result.stdout.strip().splitlines()[-1])


class HelmFailed(AssertionError):
    """helm exited non-zero; the message carries its stderr."""

    def __init__(self, args: list[str], stderr: str) -> None:
        super().__init__(f"helm {' '.join(args)} failed:\n{stderr}")
        self.stderr = stderr


@dataclass(frozen=True)
class Helm:
    """helm with its own config, cache and data directories (and a kubeconfig, if any)."""

    binary: Path
    home: Path
    kubeconfig: Path | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUBE"))}
        env |= {
            f"HELM_{kind}_HOME": str(self.home / kind.lower())
            for kind in ("CACHE", "CONFIG", "DATA")
        }
        if self.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.kubeconfig)
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=HELM_TIMEOUT,
            check=False,
        )

    def ok(self, *args: str) -> str:
        """stdout of a helm command that must succeed."""
        result = self.run(*args)
        if result.returncode != 0:
            raise HelmFailed(list(args), result.stderr)
        return result.stdout

    def fails(self, *args: str) -> str:
        """stderr of a helm command that must fail."""
        result = self.run(*args)
        assert result.returncode != 0, f"helm {' '.join(args)} succeeded:\n{result.stdout}"
        return result.stderr

    def template(self, *args: str) -> list[dict[str, Any]]:
        """The objects `helm template` renders from the chart with these arguments."""
        return objects_of(self.ok("template", "release", str(CHART), *args))


def objects_of(manifest: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(manifest) if doc]
