"""docker-compose.yml and the Dockerfile stay in step with the code (no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from usage_pipeline.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_every_compose_service_runs_a_real_command() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    runner = CliRunner()
    commands = {
        name: svc["command"]
        for name, svc in compose["services"].items()
        if svc.get("image") == "usage-pipeline:dev"
    }
    assert set(commands) == {"migrate", "simulator", "fetcher", "normalizer", "writer"}
    for name, command in commands.items():
        words = [w for w in command if not w.startswith("-")][:2]
        result = runner.invoke(app, [*words[: 1 if words[0] != "service" else 2], "--help"])
        assert result.exit_code == 0, (name, result.output)
    env = compose["x-app"]["environment"]
    assert {"USAGE_KAFKA_BOOTSTRAP_SERVERS", "USAGE_DATABASE_URL"} <= set(env)


def test_dockerfile_copies_every_workspace_member() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+)/pyproject.toml", dockerfile, flags=re.M))
    members = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("*/*/pyproject.toml")}
    assert copied == members
