"""Base for provider payload models: strict about types, tolerant of unknown fields.

Providers add fields often; an unknown field must not fail a page (the raw topic keeps
the original). A missing required field or a wrong type (a string where a count belongs,
a float token count) does fail it, and the page goes to the DLQ with the reason.
"""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["ProviderPayload"]


class ProviderPayload(BaseModel, extra="ignore", strict=True, frozen=True):
    pass
