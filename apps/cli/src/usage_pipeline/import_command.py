"""`usage-pipeline import-csv`: console CSV exports through the pipeline."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Not built yet."""
