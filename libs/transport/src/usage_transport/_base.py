"""What a stage needs from a transport: publish bytes to a topic with a key, and have its
handler called with the record values of a topic it subscribes to.

Both implementations (Kafka, in-process) carry the same serialized messages, so the stages
run the same code in Kafka mode and in the all-in-one process. Each service's `wire`
function takes a `Transport` and subscribes its handler; it never knows which one it got.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Handler", "Message", "Publisher", "Subscriber", "Subscription", "Transport"]

Handler = Callable[[list[bytes]], Awaitable[None]]
"""Handles the values of one delivery (one record, or a batch of up to `max_batch`)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One record to publish: the key routes one identity to one partition."""

    topic: str
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class Subscription:
    """A handler consuming a topic as one consumer group (a stage).

    `max_batch` > 1 asks for batches of up to that many records, waiting at most
    `batch_timeout_ms` to fill one.
    """

    topic: str
    group: str
    handler: Handler
    max_batch: int = 1
    batch_timeout_ms: int = 500


class Publisher(Protocol):
    """Implementations must guarantee that once `publish_many` returns, every message is
    durably accepted by the transport (a Kafka ack, or enqueued in-process), in order
    per key. Raise `usage_common.InfrastructureError` otherwise."""

    async def publish_many(self, messages: list[Message]) -> None: ...


class Subscriber(Protocol):
    """Implementations must guarantee at-least-once delivery with acknowledgement after
    work: a delivery counts as consumed only once its handler has returned; when the
    handler raises, nothing of that delivery is acknowledged and the same records are
    delivered again after a backoff. Records of one key arrive in publish order.
    Subscribe before `start`."""

    def subscribe(self, subscription: Subscription) -> None: ...


class Transport(Publisher, Subscriber, Protocol):
    """A publisher and a subscriber over one medium, started and stopped as a whole."""

    durable_on_publish: bool
    """True when a published message survives this process (a broker holds it); False
    when it lives only in memory until handled, so progress must wait for `drain`."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def drain(self) -> None:
        """Return once every subscription has consumed everything published before the
        call, including what its handlers published onward to other subscriptions."""
        ...
