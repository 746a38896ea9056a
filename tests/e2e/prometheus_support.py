"""Helpers for the Prometheus tests: promtool on metrics text, a real Prometheus server
on a free local port, and the PromQL expressions of the rules and dashboards."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from usage_embedded_pg import free_port
from usage_testing import wait_for

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"

# What Grafana puts in for its interval variables; any other variable matches everything.
GRAFANA_INTERVALS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}
GRAFANA_VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]")


def check_metrics(promtool: str, text: str, source: str) -> None:
    """`promtool check metrics` accepts the exposition text, with no lint problem."""
    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"{source}: {done.stdout}{done.stderr}"


def rule_expressions() -> list[tuple[str, str]]:
    """(rule name, expr) of every recording and alerting rule."""
    return [
        (rule.get("record") or rule["alert"], rule["expr"])
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # collapsed rows hold their panels


def _is_prometheus(datasource: object) -> bool:
    if isinstance(datasource, dict):
        return datasource.get("type") in (None, "prometheus")
    return datasource is None or "prom" in str(datasource).lower()


def dashboard_expressions(folder: Path = DASHBOARDS) -> list[tuple[str, str]]:
    """(dashboard / panel, expr) of every Prometheus target of every dashboard JSON."""
    found = []
    for path in sorted(folder.glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in _panels(dashboard.get("panels", [])):
            for target in panel.get("targets", []):
                source = target.get("datasource", panel.get("datasource"))
                if target.get("expr") and _is_prometheus(source):
                    found.append((f"{path.name} / {panel.get('title', '?')}", target["expr"]))
    return found


def grafana_to_promql(expr: str) -> str:
    """Put in what Grafana would for its variables: intervals as durations, any template
    variable as a regex that matches everything (panels use them in `=~`)."""

    def value(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        return GRAFANA_INTERVALS.get(name, ".+")

    return GRAFANA_VARIABLE.sub(value, expr)


@dataclass
class Prometheus:
    url: str
    client: httpx.AsyncClient

    async def api(self, path: str, **params: str) -> Any:
        response = await self.client.get(f"{self.url}/api/v1/{path}", params=params)
        body = response.json()
        assert body.get("status") == "success", f"{path} {params}: {body}"
        return body["data"]

    async def query(self, expr: str, where: str = "") -> list[dict[str, Any]]:
        """An instant query's result; fails the test on a PromQL error, naming `where`
        the expression comes from."""
        response = await self.client.get(f"{self.url}/api/v1/query", params={"query": expr})
        body = response.json()
        assert body.get("status") == "success", f"{where or 'query'}: {expr}: {body}"
        data = body["data"]
        assert data["resultType"] in ("vector", "scalar"), (where, expr, data)
        result = data["result"]
        return result if data["resultType"] == "vector" else [{"value": result}]


@asynccontextmanager
async def prometheus_server(
    binary: str, work: Path, targets: list[str], rule_files: list[Path] = RULE_FILES
) -> AsyncIterator[Prometheus]:
    """A real Prometheus scraping `targets` every second and evaluating `rule_files` every
    second, with its storage in `work`; ready when it returns."""
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {"job_name": "usage-pipeline", "static_configs": [{"targets": targets}]}
        ],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (work / "prometheus.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        binary,
        f"--config.file={work / 'prometheus.yml'}",
        f"--storage.tsdb.path={work / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=10) as client:

            async def ready() -> bool:
                if proc.returncode is not None:
                    raise AssertionError(
                        f"prometheus exited: {(work / 'prometheus.log').read_text()}"
                    )
                try:
                    return (await client.get(f"{url}/-/ready")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(ready, 60, interval=0.1, message="prometheus never became ready")
            yield Prometheus(url, client)
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
        log.close()
