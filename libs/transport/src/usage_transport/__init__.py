"""Transports for the pipeline stages: Kafka (FastStream) and in-process, plus ops HTTP."""

from ._base import Message, Publisher
from ._kafka import KafkaPublisher, LagReader, ensure_topics, make_broker
from ._memory import InProcessBus
from ._ops import ReadinessCheck, create_ops_app, serve_ops
from ._redelivery import AckAfterWork

__all__ = [
    "AckAfterWork",
    "InProcessBus",
    "KafkaPublisher",
    "LagReader",
    "Message",
    "Publisher",
    "ReadinessCheck",
    "create_ops_app",
    "ensure_topics",
    "make_broker",
    "serve_ops",
]
