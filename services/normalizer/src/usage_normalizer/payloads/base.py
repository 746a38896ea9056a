"""Base for provider payload models: strict about types, tolerant of unknown fields.

Providers add fields often; an unknown field must not fail a page (the raw topic keeps
the original). A missing required field or a wrong type (a string where a count belongs,
a float token count) does fail it, and the page goes to the DLQ with the reason.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

__all__ = ["ProviderPayload", "Timestamp"]

Timestamp = Annotated[AwareDatetime, Field(strict=False)]
"""A timestamp given as RFC 3339 text. Pages are validated from Python objects (so that
money keeps every digit, see mapping.parse_page), where strict mode would refuse strings."""


class ProviderPayload(BaseModel, extra="ignore", strict=True, frozen=True):
    pass
