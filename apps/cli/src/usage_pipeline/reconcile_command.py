"""`usage-pipeline reconcile`: usage and cost against the bill and console CSVs."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Not built yet."""
