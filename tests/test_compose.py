"""docker-compose.yml against the Compose specification's schema, and in step with the code:
every command parses as the CLI's, every USAGE_* variable is a setting with a valid value,
ports and healthchecks use the ports the processes listen on, and the start order holds.

No Docker engine (nor the compose plugin) is needed: the schema is vendored
(`tests/compose/SOURCE.md`) and the CLI parses the commands itself.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
import yaml

from usage_common import Settings
from usage_pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "compose" / "compose-spec.json"
SCHEMA_SHA256 = "56bab44c85c0ce8affb74474950293f37d510673283a243bcd7eeadb900fa35c"
IMAGE = "usage-pipeline:dev"
JOBS = {"migrate", "topics"}
# ${NAME:-default} in a value: what compose puts there when NAME is not set
DEFAULTED = re.compile(r"\$\{[A-Z0-9_]+:-([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    text = SCHEMA.read_bytes()
    assert hashlib.sha256(text).hexdigest() == SCHEMA_SHA256, "see tests/compose/SOURCE.md"
    schema = json.loads(text)
    # It names draft 2019-09 by a URL jsonschema does not know (http, with a '#').
    assert schema["$schema"] == "http://json-schema.org/draft/2019-09/schema#"
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def apps(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose["services"].items() if s.get("image") == IMAGE}


def test_the_file_follows_the_compose_specification(
    compose: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(compose)
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("services", "writer", "depends_on", "kafka", "condition"), "service_ready"),
        (("services", "writer", "restart_policy"), "always"),
        (("services", "postgres", "healthcheck", "retries"), "thirty"),
    ],
)
def test_the_schema_refuses_a_broken_file(
    compose: dict[str, Any],
    validator: jsonschema.protocols.Validator,
    path: tuple[str, ...],
    value: object,
) -> None:
    broken = copy.deepcopy(compose)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert not validator.is_valid(broken)


def test_every_app_service_runs_a_command_the_cli_accepts(compose: dict[str, Any]) -> None:
    services = apps(compose)
    assert set(services) == {
        "migrate", "topics", "simulator", "fetcher", "normalizer", "writer", "dashboard",
    }  # fmt: skip
    for name, service in services.items():
        try:
            parse(list(service["command"]))
        except Exception as exc:  # the CLI's usage errors (typer vendors click)
            raise AssertionError(f"{name}: {service['command']}: {exc}") from exc


def parse(words: list[str]) -> None:
    """Parse `words` as `usage-pipeline` would, down to the command's own options and
    arguments (types and choices checked), without running it."""
    command: Any = typer.main.get_command(app)
    context = command.make_context("usage-pipeline", [], resilient_parsing=True)
    while hasattr(command, "get_command"):  # a group: `service`, `dlq`, `topics`, ...
        name, *words = words
        found = command.get_command(context, name)
        assert found is not None, f"no command {name!r}"
        command = found
        if hasattr(command, "get_command"):
            context = command.make_context(name, [], parent=context, resilient_parsing=True)
        else:
            command.make_context(name, words, parent=context)


def _settings_values(environment: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name, value in environment.items():
        if name.startswith("USAGE_"):
            values[name.removeprefix("USAGE_").lower()] = DEFAULTED.sub(r"\1", str(value))
    return values


def test_every_usage_variable_is_a_setting_with_a_valid_value(compose: dict[str, Any]) -> None:
    for name, service in apps(compose).items():
        values = _settings_values(service["environment"])
        unknown = set(values) - set(Settings.model_fields)
        assert unknown == set(), f"{name}: no such setting: {sorted(unknown)}"
        Settings(**values)  # type: ignore[arg-type]  # refuses a bad value, naming it
    other = {
        n: v for s in compose["services"].values() if s.get("image") != IMAGE
        for n, v in (s.get("environment") or {}).items() if n.startswith("USAGE_")
    }  # fmt: skip
    assert other == {}, "USAGE_* variables belong to the pipeline's own services"


def _listens_on(service: dict[str, Any]) -> int:
    """The port the process binds: `--port` if the command has one, else USAGE_OPS_PORT."""
    command = list(service["command"])
    if "--port" in command:
        return int(command[command.index("--port") + 1])
    return int(Settings(**_settings_values(service["environment"])).ops_port)  # type: ignore[arg-type]


def test_published_ports_and_healthchecks_use_the_port_each_process_listens_on(
    compose: dict[str, Any],
) -> None:
    for name, service in apps(compose).items():
        port = _listens_on(service)
        for mapping in service.get("ports", []):
            assert int(str(mapping).rsplit(":", 1)[1]) == port, name
        check = service.get("healthcheck", {})
        if name in JOBS:
            assert check == {"disable": True}, f"{name} is a job: it exits, it is never healthy"
            continue
        probe = " ".join(check["test"])
        assert f"127.0.0.1:{port}/" in probe, (name, probe)
        assert "/readyz" in probe or name == "simulator", name


def test_the_start_order_waits_for_health_and_for_the_jobs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for needed, rule in (service.get("depends_on") or {}).items():
            assert needed in services, f"{name} depends on a missing {needed}"
            condition = rule["condition"]
            if needed in JOBS:
                assert condition == "service_completed_successfully", (name, needed)
            elif needed in ("kafka", "postgres", "simulator"):
                assert condition == "service_healthy", (name, needed)
    for name in ("fetcher", "writer", "dashboard", "grafana"):
        assert "migrate" in services[name]["depends_on"], f"{name} needs the schema first"
    for name in ("fetcher", "normalizer", "writer"):
        assert "topics" in services[name]["depends_on"], f"{name} needs its topics first"


def test_prometheus_and_grafana_read_their_files_from_deploy(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    grafana = compose["services"]["grafana"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    provisioning = ROOT / "deploy/grafana/provisioning"
    [provider] = yaml.safe_load((provisioning / "dashboards/usage.yaml").read_text())["providers"]
    dashboards = f"./deploy/grafana/dashboards:{provider['options']['path']}:ro"
    assert dashboards in grafana["volumes"], "the provider reads where compose mounts them"
    # Every ${VAR} the data sources take from Grafana's environment is set there.
    sources = (provisioning / "datasources/usage.yaml").read_text()
    wanted = {v for line in sources.splitlines() if not line.lstrip().startswith("#")
              for v in re.findall(r"\$\{(\w+)\}", line)}  # fmt: skip
    assert wanted and wanted <= set(grafana["environment"])
