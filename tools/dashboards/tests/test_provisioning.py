"""The provisioning files match the dashboards: the data sources they name exist with the
right type, and the password comes from the environment, never from the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from usage_dashboards import render_all
from usage_dashboards.datasources import POSTGRES, PROMETHEUS

ROOT = Path(__file__).resolve().parents[3]
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_datasources_are_the_ones_the_dashboards_default_to() -> None:
    provisioned = {
        d["uid"]: d for d in _load(PROVISIONING / "datasources" / "usage.yaml")["datasources"]
    }
    assert {u: d["type"] for u, d in provisioned.items()} == {
        PROMETHEUS.uid: PROMETHEUS.type,
        POSTGRES.uid: POSTGRES.type,
    }
    assert provisioned[PROMETHEUS.uid]["url"] == "http://prometheus:9090"
    postgres = provisioned[POSTGRES.uid]
    assert postgres["url"] == "postgres:5432"
    assert (postgres["user"], postgres["jsonData"]["database"]) == ("usage", "usage")
    assert postgres["secureJsonData"]["password"] == "${GRAFANA_USAGE_DB_PASSWORD}"
    assert "password" not in postgres  # only the encrypted secureJsonData holds it


def test_every_panel_reads_the_data_source_variable_of_its_dashboard() -> None:
    for name, text in render_all().items():
        board = json.loads(text)
        [variable] = [v for v in board["templating"]["list"] if v["type"] == "datasource"]
        source = PROMETHEUS if variable["query"] == PROMETHEUS.type else POSTGRES
        assert variable["current"]["value"] == source.uid, name
        expected = {"type": source.type, "uid": f"${{{variable['name']}}}"}
        for panel in board["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == expected, (name, panel["title"])
            assert all(t["datasource"] == expected for t in panel["targets"])


def test_the_dashboard_provider_loads_files_from_one_folder() -> None:
    [provider] = _load(PROVISIONING / "dashboards" / "usage.yaml")["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"].startswith("/var/lib/grafana/dashboards")
    assert provider["allowUiUpdates"] is False
