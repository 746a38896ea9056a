"""Credentials the fetcher may use. Only `credential_id` ever leaves this process."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from usage_common import Provider, Settings

__all__ = ["Credential", "credentials_from_settings"]


@dataclass(frozen=True, slots=True)
class Credential:
    provider: Provider
    credential_id: str
    organization_id: str
    base_url: str
    secret: SecretStr

    def __repr__(self) -> str:  # dataclass repr would be safe (SecretStr), but be explicit
        return f"Credential({self.provider!r}, {self.credential_id!r})"


def credentials_from_settings(settings: Settings) -> list[Credential]:
    """One credential per provider whose admin key is set in the environment."""
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
