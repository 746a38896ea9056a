"""Transports for the pipeline stages: Kafka (FastStream) and in-process, plus ops HTTP."""

from ._base import Handler, Message, Publisher, Subscriber, Subscription, Transport
from ._kafka import KafkaPublisher, KafkaTransport, ensure_topics
from ._kafka_connection import KafkaConnection, SecurityProtocol, kafka_connection
from ._kafka_lag import LagMonitor, LagReader
from ._kafka_scan import TopicScan
from ._kafka_topics import TopicReport, TopicSpec, ensure_topic_specs, pipeline_topics
from ._memory import InProcessBus
from ._ops import ReadinessCheck, create_ops_app, serve_ops

__all__ = [
    "Handler",
    "InProcessBus",
    "KafkaConnection",
    "KafkaPublisher",
    "KafkaTransport",
    "LagMonitor",
    "LagReader",
    "Message",
    "Publisher",
    "ReadinessCheck",
    "SecurityProtocol",
    "Subscriber",
    "Subscription",
    "TopicReport",
    "TopicScan",
    "TopicSpec",
    "Transport",
    "create_ops_app",
    "ensure_topic_specs",
    "ensure_topics",
    "kafka_connection",
    "pipeline_topics",
    "serve_ops",
]
