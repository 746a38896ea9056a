"""Transports for the pipeline stages: Kafka (FastStream) and in-process, plus ops HTTP."""

from ._base import Message, Publisher
from ._kafka import KafkaPublisher, consumer_lag, ensure_topics, make_broker
from ._memory import InProcessBus
from ._ops import ReadinessCheck, create_ops_app, serve_ops

__all__ = [
    "InProcessBus",
    "KafkaPublisher",
    "Message",
    "Publisher",
    "ReadinessCheck",
    "consumer_lag",
    "create_ops_app",
    "ensure_topics",
    "make_broker",
    "serve_ops",
]
