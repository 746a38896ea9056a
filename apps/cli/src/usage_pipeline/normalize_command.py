"""`usage-pipeline normalize-file`: canonical events of one saved API page."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Not built yet."""
