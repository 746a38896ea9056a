"""What a stage needs from a transport: publish bytes to a topic with a key.

Both implementations carry the same serialized messages, so the stages run the same code
in Kafka mode and in the all-in-one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Message", "Publisher"]


@dataclass(frozen=True, slots=True)
class Message:
    """One record to publish: the key routes one identity to one partition."""

    topic: str
    key: bytes
    value: bytes


class Publisher(Protocol):
    """Implementations must guarantee that once `publish_many` returns, every message is
    durably accepted by the transport (a Kafka ack, or enqueued in-process), in order
    per key. Raise `usage_common.InfrastructureError` otherwise."""

    async def publish_many(self, messages: list[Message]) -> None: ...
