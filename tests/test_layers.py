"""The layer rules cover every package of the workspace, so a new one cannot slip past them."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_workspace_package_is_under_the_import_rules() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    packages = {p.parent.name for p in ROOT.glob("*/*/src/*/__init__.py")}
    assert set(config["root_packages"]) == packages
    for contract in config["contracts"]:
        named = {*contract.get("source_modules", ()), *contract.get("modules", ())}
        named |= set(contract.get("forbidden_modules", ()))
        assert named <= packages, contract["name"]


def test_the_cli_stays_a_thin_shell() -> None:
    # Logic that grows past this belongs in a service or a library, not in the CLI.
    long = {
        str(p.relative_to(ROOT)): n
        for p in ROOT.glob("apps/*/src/**/*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}
