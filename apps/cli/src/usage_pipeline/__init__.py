"""The `usage-pipeline` command and the all-in-one pipeline."""

from .pipeline import Pipeline
from .tally import RunTally

__all__ = ["Pipeline", "RunTally"]
