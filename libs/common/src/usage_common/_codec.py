"""JSON encoding of wire models: one place, so every transport carries the same bytes."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

__all__ = ["decode", "encode"]

M = TypeVar("M", bound=BaseModel)


def encode(message: BaseModel) -> bytes:
    return message.model_dump_json().encode()


def decode(model: type[M], data: bytes) -> M:
    """Parse bytes straight into `model` (raises pydantic.ValidationError)."""
    return model.model_validate_json(data)
