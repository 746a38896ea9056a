"""Base for provider payload models: strict about types, tolerant of unknown fields.

Providers add fields often; an unknown field must not fail a page (the raw topic keeps
the original). A missing required field or a wrong type (a string where a count belongs,
a float token count) does fail it, and the page goes to the DLQ with the reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

__all__ = ["JsonNumber", "ProviderPayload", "Timestamp"]


def _json_number(value: object) -> object:
    # Pages are parsed with fractions as Decimals and integers as ints; both are numbers.
    # A string, a bool or a float (which would already have lost digits) is not.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a JSON number")
    return Decimal(value)


JsonNumber = Annotated[Decimal, BeforeValidator(_json_number)]
"""An exact amount written as a JSON number (integer or decimal)."""

Timestamp = Annotated[AwareDatetime, Field(strict=False)]
"""A timestamp given as RFC 3339 text. Pages are validated from Python objects (so that
money keeps every digit, see mapping.parse_page), where strict mode would refuse strings."""


class ProviderPayload(BaseModel, extra="ignore", strict=True, frozen=True):
    pass
