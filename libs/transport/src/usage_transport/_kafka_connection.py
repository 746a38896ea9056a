"""How to reach Kafka: bootstrap address plus authentication, the one place every client
(FastStream broker, aiokafka admin clients and consumers) takes its connection options from.

Usage:
    connection = KafkaConnection.from_settings(settings)  # checks the combination
    AIOKafkaAdminClient(**connection.client_options())
    KafkaBroker(connection.bootstrap, security=connection.broker_security())

A plain bootstrap string (tests, a local broker) stands for an unauthenticated PLAINTEXT
connection: `kafka_connection("127.0.0.1:9092")`.

The password is a `SecretStr` until the moment a client is built, and no error message here
contains it: a misconfiguration names the variables, never their values.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import SecretStr

from usage_common import ConfigError, Settings

__all__ = ["KafkaConnection", "SecurityProtocol", "kafka_connection"]

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]
SaslMechanism = Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]

_SASL = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})
_TLS = frozenset({"SSL", "SASL_SSL"})
_SASL_SECURITY: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    "PLAIN": SASLPlaintext,
    "SCRAM-SHA-256": SASLScram256,
    "SCRAM-SHA-512": SASLScram512,
}


@dataclass(frozen=True, slots=True)
class KafkaConnection:
    """A validated Kafka address and authentication.

    Parameters:
        bootstrap: `host:port[,host:port...]`.
        security_protocol: as Kafka's `security.protocol`.
        sasl_mechanism: with the SASL_* protocols.
        username, password: the SASL credentials (both or neither).
        ssl_cafile: CA bundle to verify the brokers with (SSL, SASL_SSL); None: system CAs.
    """

    bootstrap: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None
    ssl_cafile: Path | None = None

    def __post_init__(self) -> None:
        if not self.bootstrap:
            raise ConfigError("USAGE_KAFKA_BOOTSTRAP_SERVERS is not set")
        sasl = self.security_protocol in _SASL
        if sasl and (not self.username or self.password is None):
            raise ConfigError(
                f"USAGE_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs"
                " USAGE_KAFKA_SASL_USERNAME and USAGE_KAFKA_SASL_PASSWORD (or _FILE)"
            )
        if not sasl and (self.username or self.password is not None):
            raise ConfigError(
                "USAGE_KAFKA_SASL_USERNAME/PASSWORD are set but"
                f" USAGE_KAFKA_SECURITY_PROTOCOL={self.security_protocol} does not use them"
                " (set SASL_PLAINTEXT or SASL_SSL)"
            )
        if self.ssl_cafile is not None:
            if self.security_protocol not in _TLS:
                raise ConfigError(
                    "USAGE_KAFKA_SSL_CAFILE is set but"
                    f" USAGE_KAFKA_SECURITY_PROTOCOL={self.security_protocol} uses no TLS"
                )
            if not self.ssl_cafile.is_file():
                raise ConfigError(f"USAGE_KAFKA_SSL_CAFILE {self.ssl_cafile} is not a file")

    @classmethod
    def from_settings(cls, settings: Settings) -> KafkaConnection:
        """The connection the settings describe; ConfigError when they do not fit together."""
        password = settings.kafka_sasl_password
        if settings.kafka_sasl_password_file is not None:
            if password is not None:
                raise ConfigError(
                    "set USAGE_KAFKA_SASL_PASSWORD or USAGE_KAFKA_SASL_PASSWORD_FILE, not both"
                )
            password = SecretStr(_read_secret(settings.kafka_sasl_password_file))
        return cls(
            bootstrap=settings.kafka_bootstrap_servers or "",
            security_protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            username=settings.kafka_sasl_username,
            password=password,
            ssl_cafile=settings.kafka_ssl_cafile,
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for every aiokafka client (admin, consumer, producer)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in _TLS:
            options["ssl_context"] = self._ssl_context()
        if self.security_protocol in _SASL:
            assert self.password is not None  # checked in __post_init__
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password.get_secret_value()
        return options

    def broker_security(self) -> BaseSecurity | None:
        """FastStream's `security=` for a `KafkaBroker`; None for PLAINTEXT."""
        if self.security_protocol == "PLAINTEXT":
            return None
        context = self._ssl_context() if self.security_protocol in _TLS else None
        if self.security_protocol == "SSL":
            return BaseSecurity(ssl_context=context, use_ssl=True)
        assert self.username is not None and self.password is not None
        security = _SASL_SECURITY[self.sasl_mechanism]
        return security(
            self.username,
            self.password.get_secret_value(),
            ssl_context=context,
            use_ssl=context is not None,
        )

    def explain(self, exc: BaseException) -> str:
        """`exc` for an error message, with what to check when this connection
        authenticates: aiokafka reports a refused login only as a failed bootstrap."""
        if self.security_protocol not in _SASL:
            return repr(exc)
        return (
            f"{exc!r} (logging in as {self.username!r} with {self.sasl_mechanism} over"
            f" {self.security_protocol}: check USAGE_KAFKA_SASL_USERNAME/PASSWORD and"
            " USAGE_KAFKA_SASL_MECHANISM if the broker is up)"
        )

    def _ssl_context(self) -> ssl.SSLContext:
        cafile = None if self.ssl_cafile is None else str(self.ssl_cafile)
        return ssl.create_default_context(cafile=cafile)


def kafka_connection(target: str | KafkaConnection) -> KafkaConnection:
    """`target` itself, or an unauthenticated connection to the bootstrap string."""
    return target if isinstance(target, KafkaConnection) else KafkaConnection(target)


def _read_secret(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read USAGE_KAFKA_SASL_PASSWORD_FILE {path}: {exc}") from exc
    if not text:
        raise ConfigError(f"USAGE_KAFKA_SASL_PASSWORD_FILE {path} is empty")
    return text
