"""The chart renders valid Kubernetes objects from every CI values file, in step with the code.

helm alone, no cluster: `helm lint --strict`, `helm template`, every built-in object checked
against the Kubernetes 1.37 schemas (kubernetes-validate, strict: unknown fields fail) and
every custom resource against the CRD stand-ins the install test uses. The settings, the
consumer groups and the commands are compared with the code they configure.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

from usage_common import DLQ_TOPIC, EVENTS_TOPIC, RAW_TOPIC, Settings
from usage_normalizer.app import group_id as normalizer_group
from usage_pipeline.cli import app
from usage_writer.app import group_id as writer_group

from .chart import CHART, CI_VALUES, Helm

pytestmark = pytest.mark.kube

KUBERNETES_VERSION = "1.37"
CRDS = Path(__file__).parent / "crds"
SERVICES = ("fetcher", "normalizer", "writer")
FULLNAME = "release-usage-pipeline"
DEFAULTS = CHART / "ci" / "defaults-values.yaml"

# Settings the ConfigMap does not carry, and why: secrets come from the Secret, the ops
# server's port is the chart's own `ops.port`, the rest mean nothing in a pod.
SECRET_SETTINGS = {
    "database_url": "databaseUrl",
    "master_key": "masterKey",
    "master_keys_previous": "masterKeysPrevious",
    "trigger_token": "triggerToken",
    "anthropic_admin_key": "anthropicAdminKey",
    "openai_admin_key": "openaiAdminKey",
    "kafka_sasl_username": "kafkaSaslUsername",
    "kafka_sasl_password": "kafkaSaslPassword",
}
NOT_CONFIG = {
    "ops_port",
    "ops_host",
    "data_dir",
    "master_key_file",
    "master_keys_previous_file",
    "kafka_sasl_password_file",
}
KAFKA_LOGIN = {"USAGE_KAFKA_SASL_USERNAME", "USAGE_KAFKA_SASL_PASSWORD"}


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def chart_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
    return schema


def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> openAPIV3Schema of the CRD stand-ins."""
    found = {}
    for path in CRDS.glob("*.yaml"):
        for crd in yaml.safe_load_all(path.read_text()):
            spec = crd["spec"]
            for version in spec["versions"]:
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                found[key] = version["schema"]["openAPIV3Schema"]
    return found


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    return found


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        f"{o['kind']}/{o['metadata']['name']}": o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in ("Deployment", "Job")
    }


def container(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (only,) = named(objects, kind, name)["spec"]["template"]["spec"]["containers"]
    return only


@pytest.fixture(scope="module")
def rendered(helm: Helm) -> dict[str, list[dict[str, Any]]]:
    """Every CI values file rendered once: file stem -> objects."""
    return {path.stem: helm.template("-f", str(path)) for path in CI_VALUES}


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda p: p.stem)
def test_lint_passes_strictly_with_each_ci_values_file(helm: Helm, values: Path) -> None:
    out = helm.ok("lint", "--strict", str(CHART), "-f", str(values))
    assert "1 chart(s) linted, 0 chart(s) failed" in out


def test_every_rendered_object_is_valid_for_kubernetes_and_its_crd(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    crds = crd_schemas()
    kinds: set[str] = set()
    for stem, objects in rendered.items():
        for obj in objects:
            kinds.add(obj["kind"])
            where = f"{stem}: {obj['kind']}/{obj['metadata']['name']}"
            schema = crds.get((obj["apiVersion"], obj["kind"]))
            if schema is not None:
                jsonschema.validate(obj, schema)
                continue
            try:
                kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{where}: {exc.message} at {list(exc.path)}")
    # The CI values files between them render every kind the chart has.
    assert kinds == {
        "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Job", "PodDisruptionBudget",
        "PrometheusRule", "ScaledObject", "Secret", "Service", "ServiceAccount", "ServiceMonitor",
    }  # fmt: skip


def test_every_pod_runs_locked_down(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for stem, objects in rendered.items():
        specs = pod_specs(objects)
        assert len(specs) >= 4, stem
        for where, spec in specs.items():
            assert spec["securityContext"]["runAsNonRoot"] is True, where
            assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert spec["automountServiceAccountToken"] is False, where
            (c,) = spec["containers"]
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            # The only writable place: /tmp, an emptyDir.
            assert c["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}], where
            assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"], where
            assert c["resources"]["requests"] and c["resources"]["limits"]["memory"], where


def test_services_run_their_command_with_probes_on_the_ops_port(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = rendered["defaults-values"]
    config = named(objects, "ConfigMap", FULLNAME)["data"]
    runner = CliRunner()
    for name in SERVICES:
        c = container(objects, "Deployment", f"{FULLNAME}-{name}")
        assert c["args"] == ["service", name]
        assert runner.invoke(app, [*c["args"], "--help"]).exit_code == 0
        assert c["ports"] == [
            {"name": "ops", "containerPort": int(config["USAGE_OPS_PORT"]), "protocol": "TCP"}
        ]
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
        assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        # /readyz gives each dependency 5 s; the fetcher and the writer have two.
        assert c["readinessProbe"]["timeoutSeconds"] > 10
        assert c["envFrom"] == [{"configMapRef": {"name": FULLNAME}}]
        service = named(objects, "Service", f"{FULLNAME}-{name}")
        assert service["spec"]["ports"][0]["targetPort"] == "ops"
        selector = named(objects, "Deployment", f"{FULLNAME}-{name}")["spec"]["selector"]
        assert service["spec"]["selector"] == selector["matchLabels"]
        pdb = named(objects, "PodDisruptionBudget", f"{FULLNAME}-{name}")
        assert pdb["spec"]["selector"] == selector


def test_hook_jobs_migrate_then_ensure_topics_before_the_services(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = rendered["defaults-values"]
    runner = CliRunner()
    jobs = {o["metadata"]["name"]: o for o in of_kind(objects, "Job")}
    assert set(jobs) == {f"{FULLNAME}-migration", f"{FULLNAME}-topics"}
    migration, topics = jobs[f"{FULLNAME}-migration"], jobs[f"{FULLNAME}-topics"]
    for job, args in ((migration, ["migrate"]), (topics, ["topics", "ensure"])):
        notes = job["metadata"]["annotations"]
        assert notes["helm.sh/hook"] == "pre-install,pre-upgrade"
        (c,) = job["spec"]["template"]["spec"]["containers"]
        assert c["args"] == args
        assert runner.invoke(app, [*args, "--help"]).exit_code == 0
    weight = lambda o: int(o["metadata"]["annotations"]["helm.sh/hook-weight"])  # noqa: E731
    # What the Jobs need exists before them: hook objects of a lower weight.
    prerequisites = [o for o in objects if "helm.sh/hook" in o["metadata"].get("annotations", {})]
    before = {f"{o['kind']}/{o['metadata']['name']}" for o in prerequisites if o["kind"] != "Job"}
    assert before == {f"ServiceAccount/{FULLNAME}-hooks", f"Secret/{FULLNAME}-hooks"}
    assert all(weight(o) < weight(migration) for o in prerequisites if o["kind"] != "Job")
    assert weight(migration) < weight(topics)
    (env,) = [
        e for e in container(objects, "Job", f"{FULLNAME}-migration")["env"]
        if e["name"] == "USAGE_DATABASE_URL"
    ]  # fmt: skip
    assert env["valueFrom"]["secretKeyRef"]["name"] == f"{FULLNAME}-hooks"


def test_the_values_schema_covers_every_setting_with_the_same_constraints() -> None:
    settings = Settings.model_json_schema()["properties"]
    config = chart_schema()["properties"]["config"]["properties"]
    secret_values = chart_schema()["properties"]["secret"]["properties"]["values"]["properties"]
    wanted = {camel(f) for f in settings} - {camel(f) for f in (*SECRET_SETTINGS, *NOT_CONFIG)}
    assert set(config) == wanted, "a setting is missing from (or unknown to) values.schema.json"
    assert set(secret_values) == set(SECRET_SETTINGS.values())
    for field, spec in settings.items():
        if camel(field) not in config:
            continue
        ours = config[camel(field)]
        theirs = {k: v for k, v in spec.items() if k not in ("title", "default", "description")}
        if "anyOf" in theirs:  # optional: compare with what a value must be when it is set
            [theirs] = [t for t in theirs["anyOf"] if t.get("type") != "null"]
        for key in ("type", "minimum", "maximum", "exclusiveMinimum", "enum"):
            assert ours.get(key) == theirs.get(key), (field, key)


def test_the_configmap_is_what_the_settings_read(
    rendered: dict[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"USAGE_{name.upper()}", raising=False)
    data = named(rendered["existing-secret-values"], "ConfigMap", FULLNAME)["data"]
    for key, value in data.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    values = yaml.safe_load((CHART / "ci" / "existing-secret-values.yaml").read_text())["config"]
    assert len(values) >= 10
    for key, value in values.items():
        field = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), key)
        assert getattr(settings, field) == value, key
    assert settings.ops_port == 8000


def test_secrets_reach_only_the_workloads_that_use_them(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = rendered["existing-secret-values"]
    env_names = {f"USAGE_{f.upper()}" for f in SECRET_SETTINGS}

    def secret_env(kind: str, name: str) -> dict[str, dict[str, Any]]:
        env = container(objects, kind, f"{FULLNAME}-{name}").get("env", [])
        return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env if e["name"] in env_names}

    assert set(secret_env("Deployment", "fetcher")) == env_names
    assert set(secret_env("Deployment", "writer")) == {"USAGE_DATABASE_URL", *KAFKA_LOGIN}
    assert set(secret_env("Deployment", "normalizer")) == KAFKA_LOGIN
    assert set(secret_env("Job", "migration")) == {"USAGE_DATABASE_URL"}
    assert set(secret_env("Job", "topics")) == KAFKA_LOGIN
    fetcher = secret_env("Deployment", "fetcher")
    assert {ref["name"] for ref in fetcher.values()} == {"usage-pipeline-credentials"}
    assert fetcher["USAGE_DATABASE_URL"] == {
        "name": "usage-pipeline-credentials", "key": "DATABASE_URL"
    }  # fmt: skip
    # A missing database URL must stop the pod, never fall back to no database.
    assert all(
        ref.get("optional") is True for n, ref in fetcher.items() if n != "USAGE_DATABASE_URL"
    )
    assert of_kind(objects, "Secret") == []


def test_secret_values_appear_only_in_secrets(helm: Helm) -> None:
    secrets = {
        "databaseUrl": "postgresql://usage:s3cret-db@db:5432/usage",
        "anthropicAdminKey": "sk-ant-admin01-s3cret",
        "triggerToken": "s3cret-trigger",
        "masterKey": base64.b64encode(b"k" * 32).decode(),
        "kafkaSaslUsername": "usage-s3cret-login",
        "kafkaSaslPassword": "s3cret-kafka-password",
    }
    args = ["-f", str(DEFAULTS), "--set", "config.kafkaSecurityProtocol=SASL_SSL"]
    for field, value in secrets.items():
        args += ["--set", f"secret.values.{field}={value}"]
    objects = helm.template(*args)
    for obj in objects:
        if obj["kind"] == "Secret":
            continue
        text = yaml.safe_dump(obj)
        for value in secrets.values():
            assert value not in text, f"{obj['kind']}/{obj['metadata']['name']}"
    stored = base64.b64decode(named(objects, "Secret", FULLNAME)["data"]["trigger-token"])
    assert stored.decode() == secrets["triggerToken"]
    hooks = named(objects, "Secret", f"{FULLNAME}-hooks")["data"]
    assert base64.b64decode(hooks["kafka-sasl-password"]).decode() == secrets["kafkaSaslPassword"]
    topics_env = {e["name"]: e for e in container(objects, "Job", f"{FULLNAME}-topics")["env"]}
    assert topics_env["USAGE_KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    assert topics_env["USAGE_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": f"{FULLNAME}-hooks", "key": "kafka-sasl-password", "optional": True
    }  # fmt: skip


@pytest.mark.parametrize("prefix", [None, "team-usage"])
def test_keda_scales_each_consumer_on_its_own_group_and_topic(
    helm: Helm, prefix: str | None
) -> None:
    if prefix is None:  # the application's default prefix
        on = (
            "autoscaling.engine=keda",
            *(f"{c}.autoscaling.enabled=true" for c in ("normalizer", "writer")),
        )
        objects = helm.template("-f", str(DEFAULTS), *(a for s in on for a in ("--set", s)))
    else:
        objects = helm.template("-f", str(CHART / "ci" / "keda-values.yaml"))
    settings = Settings() if prefix is None else Settings(kafka_group_prefix=prefix)
    assert (settings.topic_raw, settings.topic_events) == (RAW_TOPIC, EVENTS_TOPIC)
    wanted = {
        "normalizer": (normalizer_group(settings), RAW_TOPIC),
        "writer": (writer_group(settings), EVENTS_TOPIC),
    }
    for name, (group, topic) in wanted.items():
        scaled = named(objects, "ScaledObject", f"{FULLNAME}-{name}")
        assert scaled["spec"]["scaleTargetRef"]["name"] == f"{FULLNAME}-{name}"
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == group
        assert trigger["metadata"]["topic"] == topic
        assert trigger["metadata"]["offsetResetPolicy"] == "earliest"
        # The autoscaler owns the replica count.
        assert "replicas" not in named(objects, "Deployment", f"{FULLNAME}-{name}")["spec"]
    assert of_kind(objects, "HorizontalPodAutoscaler") == []


def test_topic_names_in_the_chart_follow_the_settings(helm: Helm) -> None:
    objects = helm.template(
        "-f", str(CHART / "ci" / "keda-values.yaml"), "--set", "config.topicEvents=ev.v2"
    )
    (trigger,) = named(objects, "ScaledObject", f"{FULLNAME}-writer")["spec"]["triggers"]
    assert trigger["metadata"]["topic"] == "ev.v2"
    assert Settings().topic_dlq == DLQ_TOPIC


def test_hpa_targets_cpu_and_stops_at_the_partition_count(
    helm: Helm, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    hpa = named(rendered["hpa-values"], "HorizontalPodAutoscaler", f"{FULLNAME}-writer")
    assert hpa["spec"]["maxReplicas"] == 2
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 90
    assert of_kind(rendered["hpa-values"], "ScaledObject") == []
    err = helm.fails(
        "template", "r", str(CHART), "-f", str(CHART / "ci" / "hpa-values.yaml"),
        "--set", "writer.autoscaling.maxReplicas=4",
    )  # fmt: skip
    assert "writer.autoscaling.maxReplicas (4) exceeds the topic partitions" in err


def test_prometheus_rule_carries_the_rules_file_verbatim(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = rendered["monitoring-values"]
    rule = named(objects, "PrometheusRule", FULLNAME)
    shipped = [
        group
        for name in ("recording.yml", "alerts.yml")
        for group in yaml.safe_load((CHART / "files" / name).read_text())["groups"]
    ]
    assert rule["spec"]["groups"] == shipped
    assert "{{ $labels.provider }}" in yaml.safe_dump(rule)
    # The chart carries copies (helm reads only files inside the chart): the same bytes as
    # the rules Prometheus loads in compose and promtool tests.
    for name in ("recording.yml", "alerts.yml"):
        source = CHART.parents[1] / "prometheus" / "rules" / name
        assert (CHART / "files" / name).read_bytes() == source.read_bytes(), name
    monitor = named(objects, "ServiceMonitor", FULLNAME)
    assert monitor["spec"]["endpoints"] == [
        {"port": "ops", "path": "/metrics", "interval": "15s", "scrapeTimeout": "10s"}
    ]
    selected = monitor["spec"]["selector"]["matchLabels"]
    services = [
        s
        for s in of_kind(objects, "Service")
        if selected.items() <= s["metadata"]["labels"].items()
    ]
    assert len(services) == 3


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("config.kafkaBootstrapServer=typo:9092", "additional properties 'kafkaBootstrapServer'"),
        ("config.bucketWidth=2h", "/config/bucketWidth"),
        ("config.lookbackHours=0", "/config/lookbackHours"),
        ("config.openaiBaseUrl=ftp://x", "/config/openaiBaseUrl"),
        ("ops.port=99999", "/ops/port"),
        ("image.pullPolicy=Sometimes", "/image/pullPolicy"),
        ("autoscaling.engine=vpa", "/autoscaling/engine"),
        ("terminationGracePeriodSeconds=5", "/terminationGracePeriodSeconds"),
        ("writer.replicas=-1", "/writer/replicas"),
        ("surprise=1", "additional properties 'surprise'"),
        ("config.kafkaSecurityProtocol=SASL", "/config/kafkaSecurityProtocol"),
        ("config.kafkaSaslMechanism=GSSAPI", "/config/kafkaSaslMechanism"),
    ],
)
def test_the_schema_refuses_bad_values(helm: Helm, setting: str, complaint: str) -> None:
    err = helm.fails("template", "r", str(CHART), "-f", str(DEFAULTS), "--set", setting)
    assert complaint in err


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--set", "config.kafkaBootstrapServers=k:9092"], "secret.values.databaseUrl (or secret.existingSecret) is required"),
        (["--set", "config.kafkaBootstrapServers=k:9092", "--set", "secret.values.databaseUrl=postgresql://x/y"], "the fetcher needs a credential"),
        ([], "/config/kafkaBootstrapServers"),
        (["-f", str(DEFAULTS), "--set", "config.kafkaSecurityProtocol=SASL_SSL", "--set", "secret.values.kafkaSaslUsername=usage"], "config.kafkaSecurityProtocol SASL_SSL needs secret.values.kafkaSaslUsername and kafkaSaslPassword"),
        (["-f", str(CHART / "ci" / "keda-values.yaml"), "--set", "config.kafkaSecurityProtocol=SASL_PLAINTEXT", "--set", "secret.values.kafkaSaslUsername=u", "--set", "secret.values.kafkaSaslPassword=p"], "autoscaling.engine keda reaches Kafka without authentication"),
    ],
)  # fmt: skip
def test_a_release_that_cannot_work_is_refused(helm: Helm, args: list[str], complaint: str) -> None:
    assert complaint in helm.fails("template", "r", str(CHART), *args)
