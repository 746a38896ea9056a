"""Golden contract files: saved provider pages and the canonical events they must produce.

`python -m tests.contract.golden` rewrites every `*.expected.jsonl` from the current code;
review the diff before committing it, because the expected files are the contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from usage_common import parse_instant
from usage_pipeline.normalize_command import normalize_file

ROOT = Path(__file__).parent / "golden"
FETCHED_AT = parse_instant("2026-01-02T03:04:05Z")


def pages() -> list[Path]:
    return sorted(ROOT.glob("*/*.json"))


def expected_path(page: Path) -> Path:
    return page.with_suffix(".expected.jsonl")


def produce(page: Path) -> list[dict[str, Any]]:
    return normalize_file(
        page.parent.name,
        page.stem,
        page.read_text(),
        organization_id="org-golden",
        fetched_at=FETCHED_AT,
    )


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)


if __name__ == "__main__":
    for page in pages():
        expected_path(page).write_text(render(produce(page)))
        print(f"wrote {expected_path(page).relative_to(ROOT)}")
