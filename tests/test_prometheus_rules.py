"""deploy/prometheus: the rules pass promtool's checks and unit tests, every alert is
documented, linked to its runbook and tested both ways, and the scrape config matches the
compose services."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from usage_common import Settings

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = ROOT / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.yml"))


def promtool_ok(promtool: str, *args: str) -> str:
    done = subprocess.run(
        [promtool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def alerts() -> list[dict[str, Any]]:
    return [
        rule
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_rules_and_config_pass_promtool_checks(promtool: str) -> None:
    assert RULE_FILES, "no rule files in deploy/prometheus/rules"
    promtool_ok(promtool, "check", "rules", *map(str, RULE_FILES))
    out = promtool_ok(promtool, "check", "config", "prometheus.yml")
    assert f"{len(RULE_FILES)} rule files found" in out


def test_rule_unit_tests_pass(promtool: str) -> None:
    assert TEST_FILES
    promtool_ok(promtool, "test", "rules", *map(str, TEST_FILES))


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in TEST_FILES:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {a["alert"] for a in alerts()}
    assert names - firing == set(), "alerts never shown firing"
    assert names - silent == set(), "alerts never shown not firing"


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_every_alert_is_documented_and_links_its_runbook_section() -> None:
    readme = (ROOT / "README.md").read_text()
    alerts_section = readme.split("\n### Alerts\n", 1)[1].split("\n## ", 1)[0]
    in_section = _anchors(alerts_section)
    for alert in alerts():
        annotations = alert["annotations"]
        assert {"summary", "description", "runbook_url"} <= set(annotations), alert["alert"]
        assert alert["labels"]["severity"] in ("critical", "warning"), alert["alert"]
        page, _, anchor = annotations["runbook_url"].rpartition("#")
        assert page.endswith("README.md"), annotations["runbook_url"]
        assert anchor == alert["alert"].lower() and anchor in in_section, alert["alert"]


def test_scrape_targets_are_the_compose_services_on_the_ops_port() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    targets = [
        t
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for t in static["targets"]
    ]
    hosts = {t.rsplit(":", 1)[0] for t in targets}
    assert hosts == {"fetcher", "normalizer", "writer"} and hosts <= set(compose)
    assert {int(t.rsplit(":", 1)[1]) for t in targets} == {
        Settings.model_fields["ops_port"].default
    }
