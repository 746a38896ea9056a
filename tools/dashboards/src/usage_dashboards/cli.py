"""`generate-dashboards [--check] [--output-dir DIR]`: write the Grafana dashboards.

Without `--check` it (re)writes `deploy/grafana/dashboards/*.json` and prints what
changed; with `--check` it writes nothing and exits 1 when a file is out of date (what
the test runs). Exit 2 when the output directory cannot be found.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .render import stale_files, write_all

__all__ = ["default_output_dir", "main"]


def default_output_dir() -> Path | None:
    """`deploy/grafana/dashboards` of the checkout this package is installed from (uv
    installs workspace members editable), or None outside a checkout."""
    root = Path(__file__).resolve().parents[4]
    return root / "deploy" / "grafana" / "dashboards" if (root / "deploy").is_dir() else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="generate-dashboards", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    parser.add_argument("--output-dir", type=Path, help="default: deploy/grafana/dashboards")
    args = parser.parse_args(argv)
    directory: Path | None = args.output_dir or default_output_dir()
    if directory is None:
        print("cannot find deploy/grafana/dashboards: pass --output-dir", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(directory)
        for name in stale:
            print(f"out of date: {directory / name}", file=sys.stderr)
        if stale:
            print("run `uv run generate-dashboards` and commit the result", file=sys.stderr)
        return 1 if stale else 0
    changed = write_all(directory)
    for name in changed:
        print(f"wrote {directory / name}")
    if not changed:
        print(f"{directory}: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
