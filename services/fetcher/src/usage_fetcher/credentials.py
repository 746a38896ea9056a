"""Credentials the fetcher may use. Only `credential_id` ever leaves this process."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from usage_common import ConfigError, Provider, Settings

from .providers import api_for

__all__ = [
    "Credential",
    "credentials_from_settings",
    "enabled_only",
    "endpoints_from_settings",
    "filters_from_settings",
]


@dataclass(frozen=True, slots=True)
class Credential:
    provider: Provider
    credential_id: str
    organization_id: str
    base_url: str
    secret: SecretStr

    def __repr__(self) -> str:  # dataclass repr would be safe (SecretStr), but be explicit
        return f"Credential({self.provider!r}, {self.credential_id!r})"


def enabled_only(credentials: list[Credential], settings: Settings) -> list[Credential]:
    """The credentials of the providers not switched off (`USAGE_<PROVIDER>_ENABLED`)."""
    on = {"anthropic": settings.anthropic_enabled, "openai": settings.openai_enabled}
    return [c for c in credentials if on[c.provider]]


def credentials_from_settings(settings: Settings) -> list[Credential]:
    """One credential per enabled provider whose admin key is set in the environment."""
    return enabled_only(_env_credentials(settings), settings)


def _env_credentials(settings: Settings) -> list[Credential]:
    found: list[Credential] = []
    if settings.anthropic_admin_key is not None:
        found.append(
            Credential(
                "anthropic",
                "env:anthropic",
                settings.anthropic_organization_id,
                settings.anthropic_base_url,
                settings.anthropic_admin_key,
            )
        )
    if settings.openai_admin_key is not None:
        found.append(
            Credential(
                "openai",
                "env:openai",
                settings.openai_organization_id,
                settings.openai_base_url,
                settings.openai_admin_key,
            )
        )
    return found


def endpoints_from_settings(settings: Settings) -> dict[str, list[str]]:
    """Endpoints to fetch per provider; unknown names are refused with the valid ones."""
    chosen: dict[str, list[str]] = {}
    for provider, text in (
        ("anthropic", settings.anthropic_endpoints),
        ("openai", settings.openai_endpoints),
    ):
        names = [n.strip() for n in text.split(",") if n.strip()]
        known = api_for(provider).endpoints
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"USAGE_{provider.upper()}_ENDPOINTS: unknown {', '.join(unknown)};"
                f" choose from {', '.join(known)}"
            )
        chosen[provider] = names
    return chosen


def filters_from_settings(settings: Settings) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """`USAGE_ENDPOINT_FILTERS` as query parameters per (provider, endpoint), validated
    against each endpoint's documented filters so a typo fails at start, not silently."""
    chosen: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for target, params in settings.endpoint_filters.items():
        provider, _, endpoint = target.partition(".")
        if provider not in ("anthropic", "openai"):
            raise ConfigError(f"USAGE_ENDPOINT_FILTERS: {target!r} is not <provider>.<endpoint>")
        spec = api_for(provider).endpoints.get(endpoint)
        if spec is None:
            raise ConfigError(f"USAGE_ENDPOINT_FILTERS: unknown endpoint {target!r}")
        unknown = [name for name in params if name not in spec.filters]
        if unknown:
            allowed = ", ".join(spec.filters) or "none"
            raise ConfigError(
                f"USAGE_ENDPOINT_FILTERS: {target} has no filter {', '.join(unknown)};"
                f" allowed: {allowed}"
            )
        chosen[(provider, endpoint)] = [
            (name, v) for name, values in params.items() for v in values
        ]
    return chosen
