"""JSON encoding of wire models: one place, so every transport carries the same bytes."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, TypeAdapter

from ._models import CanonicalEvent, ClaudeCodeEvent, CostEvent, UsageEvent

__all__ = ["decode", "decode_event", "encode"]

M = TypeVar("M", bound=BaseModel)


def encode(message: BaseModel) -> bytes:
    return message.model_dump_json().encode()


def decode(model: type[M], data: bytes) -> M:
    """Parse bytes straight into `model` (raises pydantic.ValidationError)."""
    return model.model_validate_json(data)


_EVENTS: TypeAdapter[UsageEvent | CostEvent | ClaudeCodeEvent] = TypeAdapter(CanonicalEvent)


def decode_event(data: bytes) -> UsageEvent | CostEvent | ClaudeCodeEvent:
    """Parse one message of the events topic (the `kind` tag picks the model)."""
    return _EVENTS.validate_json(data)
