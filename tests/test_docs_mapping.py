"""docs/mapping.md matches the code: every mapped endpoint has a section, every canonical
column it names exists on the record kind it maps to."""

from __future__ import annotations

import re
from pathlib import Path

from usage_common import ClaudeCodeEvent, ClaudeCodeModelUsage, CostEvent, UsageEvent
from usage_normalizer import MAPPERS

DOC = (Path(__file__).resolve().parents[1] / "docs" / "mapping.md").read_text()
SECTION = re.compile(r"^## (anthropic|openai) `(\w+)`$", re.M)


def sections() -> dict[tuple[str, str], str]:
    found = {}
    matches = list(SECTION.finditer(DOC))
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        found[(m[1], m[2])] = DOC[m.end() : nxt.start() if nxt else len(DOC)]
    return found


def canonical_columns(text: str) -> set[str]:
    columns = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            left = line.split("|")[1]
            columns |= set(re.findall(r"`([\w.\[\]]+)`", left))
    return columns


def test_every_api_endpoint_has_a_section() -> None:
    api = {key for key in MAPPERS if not key[1].endswith("_csv")}
    assert set(sections()) == api


def test_every_named_column_exists_on_its_record() -> None:
    models = {"cost_report": CostEvent, "costs": CostEvent, "claude_code": ClaudeCodeEvent}
    for (_, endpoint), text in sections().items():
        model = models.get(endpoint, UsageEvent)
        for column in canonical_columns(text):
            head = column.split(".")[0]
            if head.startswith("models[]"):
                assert column.split(".")[1] in ClaudeCodeModelUsage.model_fields, column
            else:
                assert head in model.model_fields, (endpoint, column)
