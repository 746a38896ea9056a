"""The chart installed for real on a local control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, kwok faking the node).

Exercised: the API server's validation and admission of every object (service accounts
must exist, resource limits, port ranges, CRD schemas), the hook order (hook prerequisites,
the migration Job, the topics Job, then the release's objects), the Job and Deployment
controllers and the scheduler, `helm install/upgrade --wait` on their status, and the
garbage collection after `helm uninstall`. Not exercised: containers. kwok reports Job
pods as succeeded and service pods as ready without running anything, so the image, the
commands, the probes and the application itself are not run here (the processes tests
run the same commands against real Kafka and PostgreSQL).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from .chart import CHART, Helm
from .cluster import KubeApi, poll_until

CRDS = Path(__file__).parent / "crds"
RELEASE = "pipeline"
FULLNAME = "pipeline-usage-pipeline"
SERVICES = ("fetcher", "normalizer", "writer")
CI = CHART / "ci"
WAIT = ("--wait", "--timeout", "120s")
# Objects every namespace has, and the record of what happened in it: not the release's.
NAMESPACE_DEFAULTS = {("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")}
NOT_OBJECTS = {"Event"}

pytestmark = [pytest.mark.kube, pytest.mark.timeout(600)]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture(scope="module")
def crds(kube: KubeApi) -> None:
    """The CRD stand-ins for ServiceMonitor, PrometheusRule and ScaledObject, established."""
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    names = []
    for file in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(file.read_text()):
            if not kube.exists(f"{path}/{crd['metadata']['name']}"):
                kube.create(path, crd)
            names.append(crd["metadata"]["name"])

    def established() -> bool:
        for name in names:
            conditions = kube.get(f"{path}/{name}").get("status", {}).get("conditions", [])
            if not any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                return False
        return True

    poll_until(established, 30, "CRDs not established")


@pytest.fixture
def namespace(kube: KubeApi) -> Iterator[str]:
    name = f"chart-{uuid.uuid4().hex[:8]}"
    kube.create("/api/v1/namespaces", {"metadata": {"name": name}})
    yield name
    # The namespace controller removes what is left; nothing waits for it.
    kube.delete(f"/api/v1/namespaces/{name}")


def hooks(helm: Helm, namespace: str) -> dict[str, dict[str, Any]]:
    """The release's hooks as helm recorded them: "Kind/name" -> its last run."""
    status = json.loads(helm.ok("status", RELEASE, "-n", namespace, "-o", "json"))
    return {f"{h['kind']}/{h['name']}": h["last_run"] for h in status["hooks"]}


def deployments(kube: KubeApi, namespace: str) -> dict[str, dict[str, Any]]:
    found = kube.items(
        f"/apis/apps/v1/namespaces/{namespace}/deployments",
        labelSelector=f"app.kubernetes.io/instance={RELEASE}",
    )
    return {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in found}


def completed_jobs(kube: KubeApi, namespace: str) -> set[str]:
    events = kube.items(f"/api/v1/namespaces/{namespace}/events")
    return {
        e["involvedObject"]["name"]
        for e in events
        if e["involvedObject"]["kind"] == "Job" and e["reason"] == "Completed"
    }


def leftovers(kube: KubeApi, namespace: str) -> list[str]:
    """Every object in the namespace, of every namespaced type the server serves."""
    found = []
    for resource in kube.namespaced_types():
        if resource.kind in NOT_OBJECTS:
            continue
        for obj in kube.items(resource.path(namespace)):
            key = (resource.kind, obj["metadata"]["name"])
            if key not in NAMESPACE_DEFAULTS:
                found.append(f"{resource.group_version} {resource.kind}/{key[1]}")
    return sorted(set(found))


def test_install_upgrade_and_uninstall_leave_nothing_behind(
    cluster_helm: Helm, kube: KubeApi, namespace: str, crds: None
) -> None:
    helm, ns = cluster_helm, namespace
    out = helm.ok(
        "install", RELEASE, str(CHART), "-n", ns, "-f", str(CI / "defaults-values.yaml"), *WAIT
    )
    assert f"kubectl -n {ns} port-forward service/{FULLNAME}-fetcher 8000" in out  # NOTES

    # The hooks ran in order, before any of the release's own objects existed.
    ran = hooks(helm, ns)
    migration, topics = ran[f"Job/{FULLNAME}-migration"], ran[f"Job/{FULLNAME}-topics"]
    assert all(run["phase"] == "Succeeded" for run in ran.values()), ran
    assert set(ran) == {
        f"Job/{FULLNAME}-migration", f"Job/{FULLNAME}-topics",
        f"ServiceAccount/{FULLNAME}-hooks", f"Secret/{FULLNAME}-hooks",
    }  # fmt: skip
    assert parse_time(migration["completed_at"]) <= parse_time(topics["started_at"])
    # The job controller says so too (its events are written asynchronously).
    poll_until(
        lambda: completed_jobs(kube, ns) == {f"{FULLNAME}-migration", f"{FULLNAME}-topics"},
        10,
        "no Completed event for each hook Job",
    )
    deployed = deployments(kube, ns)
    assert set(deployed) == set(SERVICES)
    for name, d in deployed.items():
        assert d["status"]["readyReplicas"] == d["spec"]["replicas"] == 1, name
        created = parse_time(d["metadata"]["creationTimestamp"])
        assert created >= parse_time(topics["completed_at"]).replace(microsecond=0), name
    # Hook objects are deleted once they succeeded: no Job, no copy of the database URL.
    for job in ("migration", "topics"):
        assert not kube.exists(f"/apis/batch/v1/namespaces/{ns}/jobs/{FULLNAME}-{job}")
    assert not kube.exists(f"/api/v1/namespaces/{ns}/secrets/{FULLNAME}-hooks")
    assert not kube.exists(f"/api/v1/namespaces/{ns}/serviceaccounts/{FULLNAME}-hooks")

    # Upgrade: new settings roll the pods, the migration runs again, the Prometheus
    # Operator and KEDA objects are created (their CRDs are installed).
    writer_before = deployed["writer"]["spec"]["template"]["metadata"]["annotations"]
    helm.ok(
        "upgrade", RELEASE, str(CHART), "-n", ns, "-f", str(CI / "defaults-values.yaml"),
        "-f", str(CI / "monitoring-values.yaml"), "-f", str(CI / "keda-values.yaml"),
        "--set", "config.pollIntervalSeconds=60", "--set", "fetcher.replicas=2", *WAIT,
    )  # fmt: skip
    again = hooks(helm, ns)[f"Job/{FULLNAME}-migration"]
    assert again["phase"] == "Succeeded"
    assert parse_time(again["started_at"]) > parse_time(migration["completed_at"])
    config = kube.get(f"/api/v1/namespaces/{ns}/configmaps/{FULLNAME}")["data"]
    assert config["USAGE_POLL_INTERVAL_SECONDS"] == "60"
    assert config["USAGE_KAFKA_GROUP_PREFIX"] == "team-usage"
    deployed = deployments(kube, ns)
    assert deployed["fetcher"]["status"]["readyReplicas"] == 2
    writer_after = deployed["writer"]["spec"]["template"]["metadata"]["annotations"]
    assert writer_after["checksum/config"] != writer_before["checksum/config"]
    for plural, group in (("servicemonitors", "monitoring.coreos.com/v1"),
                          ("prometheusrules", "monitoring.coreos.com/v1")):  # fmt: skip
        assert kube.exists(f"/apis/{group}/namespaces/{ns}/{plural}/{FULLNAME}")
    scaled = kube.get(f"/apis/keda.sh/v1alpha1/namespaces/{ns}/scaledobjects/{FULLNAME}-writer")
    assert scaled["spec"]["triggers"][0]["metadata"]["consumerGroup"] == "team-usage-writer"
    revision = json.loads(helm.ok("status", RELEASE, "-n", ns, "-o", "json"))["version"]
    assert revision == 2

    # What the uninstall must remove, as the same listing sees it now.
    present = leftovers(kube, ns)
    for kind in ("ConfigMap", "Secret", "ServiceAccount", "Service", "PodDisruptionBudget",
                 "ServiceMonitor", "PrometheusRule", "ScaledObject", "Deployment", "ReplicaSet"):  # fmt: skip
        assert any(f" {kind}/{FULLNAME}" in entry for entry in present), kind
    assert any(" Pod/" in entry for entry in present)

    helm.ok("uninstall", RELEASE, "-n", ns, "--wait", "--timeout", "120s")
    # The garbage collector removes the ReplicaSets and pods after their owners.
    poll_until(lambda: leftovers(kube, ns) == [], 90, "objects left behind")
    assert leftovers(kube, ns) == []


def test_an_existing_secret_and_service_account_are_used_as_they_are(
    cluster_helm: Helm, kube: KubeApi, namespace: str
) -> None:
    ns = namespace
    data = {"DATABASE_URL": "postgresql://u:p@db/usage", "MASTER_KEY": "a2V5"}
    kube.create(
        f"/api/v1/namespaces/{ns}/secrets",
        {
            "metadata": {"name": "usage-pipeline-credentials"},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        },
    )
    # Admission refuses pods whose service account does not exist, hook Jobs' included.
    kube.create(
        f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "usage-pipeline"}}
    )
    values = ["-n", ns, "-f", str(CI / "existing-secret-values.yaml"), *WAIT]
    cluster_helm.ok("install", RELEASE, str(CHART), *values)
    ran = hooks(cluster_helm, ns)
    assert set(ran) == {f"Job/{FULLNAME}-migration", f"Job/{FULLNAME}-topics"}
    assert not kube.exists(f"/api/v1/namespaces/{ns}/secrets/{FULLNAME}")
    pods = kube.items(
        f"/api/v1/namespaces/{ns}/pods",
        labelSelector="app.kubernetes.io/component=fetcher",
    )
    (pod,) = pods
    assert pod["spec"]["serviceAccountName"] == "usage-pipeline"
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in pod["spec"]["containers"][0]["env"]}
    assert env["USAGE_DATABASE_URL"] == {
        "name": "usage-pipeline-credentials",
        "key": "DATABASE_URL",
    }
    cluster_helm.ok("uninstall", RELEASE, "-n", ns, "--wait")


def test_the_server_refuses_what_the_values_schema_cannot_know(
    cluster_helm: Helm, namespace: str
) -> None:
    defaults = str(CI / "defaults-values.yaml")
    base = ["install", RELEASE, str(CHART), "-n", namespace, "-f", defaults, "--no-hooks"]
    # Each value alone is valid; together they are not, and only the API server knows.
    err = cluster_helm.fails(
        *base, "--set", "writer.resources.requests.memory=1Gi",
        "--set", "writer.resources.limits.memory=512Mi",
    )  # fmt: skip
    assert "must be less than or equal to memory limit of 512Mi" in err
    cluster_helm.ok("uninstall", RELEASE, "-n", namespace, "--wait")
    # The schema refuses a port out of range; past it, so does the server.
    assert "/ops/port" in cluster_helm.fails(*base, "--set", "ops.port=99999")
    err = cluster_helm.fails(*base, "--set", "ops.port=99999", "--skip-schema-validation")
    assert "Invalid value: 99999: must be between 1 and 65535, inclusive" in err
    cluster_helm.ok("uninstall", RELEASE, "-n", namespace, "--wait")
