"""Contract tests: every saved page maps to exactly the canonical events on file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .golden import ROOT, expected_path, pages, produce, render


@pytest.mark.parametrize("page", pages(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_page_maps_to_its_golden_events(page: Path) -> None:
    assert expected_path(page).exists(), "run `python -m tests.contract.golden` and review"
    assert render(produce(page)) == expected_path(page).read_text()


def test_every_endpoint_has_a_golden_page() -> None:
    from usage_normalizer import MAPPERS

    api = {(p, e) for p, e in MAPPERS if not e.endswith("_csv")}
    assert {(p.parent.name, p.stem) for p in pages()} == api


def test_the_cli_prints_the_same_lines() -> None:
    page = ROOT / "anthropic" / "cost_report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "usage_pipeline",
            "normalize-file",
            "--provider",
            "anthropic",
            "--endpoint",
            "cost_report",
            "--organization-id",
            "org-golden",
            "--fetched-at",
            "2026-01-02T03:04:05Z",
            str(page),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected_path(page).read_text()


def test_the_cli_explains_an_invalid_page(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z", "results": [{"amount": 12}]}], "has_more": false}'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "usage_pipeline",
            "normalize-file",
            "--provider",
            "anthropic",
            "--endpoint",
            "cost_report",
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "data.0.results.0.amount" in result.stderr and "currency" in result.stderr
