"""The committed dashboards are what the generator makes, and `--check` says when not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from usage_dashboards import DASHBOARDS, render_all, stale_files
from usage_dashboards.cli import default_output_dir, main

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "deploy" / "grafana" / "dashboards"


def test_the_committed_dashboards_are_up_to_date() -> None:
    # On failure: `uv run generate-dashboards`, review the diff, commit it.
    assert stale_files(COMMITTED) == []
    assert sorted(p.name for p in COMMITTED.glob("*.json")) == sorted(DASHBOARDS)


def test_the_default_output_is_the_checkout() -> None:
    assert default_output_dir() == COMMITTED


def test_check_mode_fails_on_a_changed_missing_or_foreign_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(COMMITTED, tmp_path, dirs_exist_ok=True)
    assert main(["--check", "--output-dir", str(tmp_path)]) == 0
    spend = tmp_path / "spend.json"
    spend.write_text(spend.read_text().replace("spend_costs", "cost_events", 1))
    (tmp_path / "operations.json").unlink()
    (tmp_path / "hand-made.json").write_text("{}")
    assert main(["--check", "--output-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert all(name in err for name in ("spend.json", "operations.json", "hand-made.json"))
    assert main(["--output-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(DASHBOARDS)
    assert main(["--check", "--output-dir", str(tmp_path)]) == 0


def test_generation_is_deterministic_and_uids_are_stable() -> None:
    first, second = render_all(), render_all()
    assert first == second
    uids = {name: json.loads(text)["uid"] for name, text in first.items()}
    # Links and bookmarks use these: changing one breaks them.
    assert uids == {"operations.json": "usage-operations", "spend.json": "usage-spend"}


def test_panel_ids_are_unique_and_every_panel_has_a_query() -> None:
    for name, text in render_all().items():
        panels = json.loads(text)["panels"]
        ids = [p["id"] for p in panels]
        assert len(ids) == len(set(ids)), name
        for panel in panels:
            if panel["type"] != "row":
                assert panel["targets"], (name, panel["title"])
                assert [t["refId"] for t in panel["targets"]] == [
                    chr(ord("A") + i) for i in range(len(panel["targets"]))
                ]
