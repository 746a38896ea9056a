"""Kafka authentication settings: which combinations start, what each client gets, and that
the password shows up in no repr or error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import certifi
import pytest
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import SecretStr

from usage_common import ConfigError, Settings
from usage_transport import KafkaConnection, kafka_connection
from usage_transport._kafka import make_broker

SECRET = "hunter2-never-shown"


def _settings(**values: Any) -> Settings:
    return Settings(kafka_bootstrap_servers="k1:9092,k2:9092", **values)


def _sasl(**values: Any) -> Settings:
    return _settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="usage",
        kafka_sasl_password=SecretStr(SECRET),
        **values,
    )


def test_the_default_is_plaintext_without_credentials() -> None:
    connection = KafkaConnection.from_settings(_settings())
    assert connection.client_options() == {
        "bootstrap_servers": "k1:9092,k2:9092",
        "security_protocol": "PLAINTEXT",
    }
    assert connection.broker_security() is None
    assert kafka_connection("h:1") == KafkaConnection("h:1")


@pytest.mark.parametrize(
    ("mechanism", "security"),
    [("SCRAM-SHA-512", SASLScram512), ("SCRAM-SHA-256", SASLScram256), ("PLAIN", SASLPlaintext)],
)
def test_sasl_settings_reach_the_aiokafka_clients_and_the_broker(
    mechanism: str, security: type[BaseSecurity]
) -> None:
    connection = KafkaConnection.from_settings(_sasl(kafka_sasl_mechanism=mechanism))
    options = connection.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == mechanism
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("usage", SECRET)
    assert options["ssl_context"] is not None
    broker_security = connection.broker_security()
    assert type(broker_security) is security
    assert broker_security.use_ssl


def test_the_broker_builds_its_consumers_with_the_security() -> None:
    broker = make_broker(_sasl(kafka_sasl_mechanism="SCRAM-SHA-256"))
    # FastStream's consumer factory: every subscriber's AIOKafkaConsumer comes from it.
    consumer_kwargs = broker.config.broker_config.builder.keywords
    assert consumer_kwargs["security_protocol"] == "SASL_SSL"
    assert consumer_kwargs["sasl_mechanism"] == "SCRAM-SHA-256"
    assert consumer_kwargs["sasl_plain_password"] == SECRET


def test_ssl_verifies_with_the_ca_file() -> None:
    cafile = Path(certifi.where())
    connection = KafkaConnection.from_settings(
        _settings(kafka_security_protocol="SSL", kafka_ssl_cafile=cafile)
    )
    options = connection.client_options()
    assert options["security_protocol"] == "SSL"
    assert options["ssl_context"].cert_store_stats()["x509_ca"] > 0
    security = connection.broker_security()
    assert type(security) is BaseSecurity and security.use_ssl


def test_the_password_may_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "kafka-password"
    secret.write_text(SECRET + "\n")
    settings = _settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="usage",
        kafka_sasl_password_file=secret,
    )
    options = KafkaConnection.from_settings(settings).client_options()
    assert options["sasl_plain_password"] == SECRET
    assert "ssl_context" not in options


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"kafka_security_protocol": "SASL_PLAINTEXT"}, "USAGE_KAFKA_SASL_USERNAME"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "usage"},
            "USAGE_KAFKA_SASL_PASSWORD",
        ),
        (
            {"kafka_sasl_username": "usage", "kafka_sasl_password": SecretStr(SECRET)},
            "USAGE_KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use them",
        ),
        (
            {"kafka_ssl_cafile": Path(certifi.where())},
            "USAGE_KAFKA_SSL_CAFILE is set but USAGE_KAFKA_SECURITY_PROTOCOL=PLAINTEXT",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": Path("/nonexistent/ca.pem")},
            "is not a file",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_username": "usage",
                "kafka_sasl_password": SecretStr(SECRET),
                "kafka_sasl_password_file": Path("/run/secrets/kafka"),
            },
            "not both",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_username": "usage",
                "kafka_sasl_password_file": Path("/nonexistent/kafka"),
            },
            "cannot read USAGE_KAFKA_SASL_PASSWORD_FILE",
        ),
    ],
)
def test_combinations_that_cannot_work_are_refused_at_construction(
    values: dict[str, Any], names: str
) -> None:
    settings = _settings(**values)
    with pytest.raises(ConfigError, match=names) as info:
        KafkaConnection.from_settings(settings)
    assert SECRET not in str(info.value)
    # The transport checks them the same way, before any client exists.
    with pytest.raises(ConfigError):
        make_broker(settings)


def test_the_password_is_in_no_repr_or_explanation() -> None:
    settings = _sasl()
    connection = KafkaConnection.from_settings(settings)
    explained = connection.explain(RuntimeError("bootstrap failed"))
    assert "USAGE_KAFKA_SASL_USERNAME/PASSWORD" in explained and "'usage'" in explained
    for text in (repr(settings), str(settings), repr(connection), explained):
        assert SECRET not in text
