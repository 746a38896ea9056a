"""The generated files: each dashboard as stable JSON text, written or compared.

`render_all` is the single source of what `deploy/grafana/dashboards/` must hold, so the
generator and the up-to-date test cannot disagree about it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from .operations import operations_dashboard
from .spend import spend_dashboard

__all__ = ["DASHBOARDS", "render", "render_all", "stale_files", "write_all"]

# File name -> the function building it.
DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "operations.json": operations_dashboard,
    "spend.json": spend_dashboard,
}


def render(dashboard: Dashboard) -> str:
    """Sorted keys and a final newline, so a regenerated file diffs only where it changed."""
    return json.dumps(dashboard, cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def render_all() -> dict[str, str]:
    return {name: render(build()) for name, build in DASHBOARDS.items()}


def stale_files(directory: Path) -> list[str]:
    """Names in `directory` that differ from the generator's output: missing, changed, or
    a `*.json` the generator does not make (Grafana would still load it)."""
    expected = render_all()
    stale = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file() or (directory / name).read_text() != text
    ]
    stale += sorted(p.name for p in directory.glob("*.json") if p.name not in expected)
    return stale


def write_all(directory: Path) -> list[str]:
    """Write every dashboard, remove `*.json` files the generator no longer makes, and
    return the names that changed."""
    changed = stale_files(directory)
    directory.mkdir(parents=True, exist_ok=True)
    expected = render_all()
    for name in changed:
        path = directory / name
        if name in expected:
            path.write_text(expected[name])
        else:
            path.unlink()
    return changed
