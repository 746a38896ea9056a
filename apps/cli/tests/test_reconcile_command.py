"""The reconcile command's input handling: bad input exits 2, an unreachable database 3;
no database is reached."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from usage_common import CostEvent, InvalidPayloadError, UsageEvent
from usage_pipeline import reconcile_command
from usage_pipeline.cli import app


def refusing_reader(
    provider: str, kind: str, text: str, *, organization_id: str, fetched_at: datetime
) -> list[UsageEvent | CostEvent]:
    """Stands in for the normalizer's reader: it reads nothing, as the real one refuses a
    file that is not an export."""
    wanted = {"usage": "uncached", "cost": "cost_usd"}[kind]
    raise InvalidPayloadError(f"not a {kind} export: no {wanted} column")


runner = CliRunner()
BASE = ["reconcile", "--provider", "anthropic", "--since", "2025-11-01", "--until", "2025-11-03"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since/--until"),
        (["--until", "2025-10-01"], "not before"),
        (["--tolerance-pct", "lots"], "--tolerance-pct"),
        (["--tolerance-usd", "-1"], "--tolerance-usd"),
        (["--tolerance-tokens", "-1"], "tolerance-tokens"),
        (["--provider", "azure"], "provider"),
        (["--against-csv", "/nonexistent/file.csv"], "--against-csv"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    out = runner.invoke(
        app, [*BASE, *args], env={"USAGE_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}
    )
    assert out.exit_code == 2, out.output
    assert message in out.output


def test_an_unreadable_csv_exits_2_with_the_readers_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconcile_command, "load_csv_reader", lambda: refusing_reader)
    bad = tmp_path / "export.csv"
    bad.write_text("a,b\n1,2\n")
    out = runner.invoke(app, [*BASE, "--against-csv", str(bad)])
    assert out.exit_code == 2
    assert "no uncached column" in out.output


def test_an_unreachable_database_exits_3_not_1(tmp_path: Path) -> None:
    out = runner.invoke(app, BASE, env={"USAGE_DATABASE_URL": "postgresql://u@127.0.0.1:1/db"})
    assert out.exit_code == 3, out.output
    assert "database" in out.output
