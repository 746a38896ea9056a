"""The fixed set of usage "combos" each fake provider reports.

A combo is one full tuple of dimension values (which key, workspace, model, tier...).
Every usage record belongs to exactly one combo, so grouping by any subset of the
dimensions is a plain sum over combos, and the provider null rules live here as data:

- Anthropic `api_key_id` is None for Console/OAuth usage, `workspace_id` is None for the
  default workspace, and `inference_geo` is "not_available" for a model without geo.
- OpenAI `user_id` is None for a service-account key.

Each provider has exactly one model genai-prices does not know (`UNPRICED_MODELS`), so
"unknown model -> no estimate" can be tested; every other model is in its catalogue.
The console exports show names where the API shows ids: `ANTHROPIC_API_KEYS`,
`ANTHROPIC_WORKSPACES`, `MODEL_DISPLAY_NAMES`, `OPENAI_PROJECTS`, `OPENAI_USERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "ANTHROPIC_API_KEYS",
    "ANTHROPIC_COMBOS",
    "ANTHROPIC_CONTEXT_WINDOWS",
    "ANTHROPIC_DIMENSIONS",
    "ANTHROPIC_INFERENCE_GEOS",
    "ANTHROPIC_SERVICE_TIERS",
    "ANTHROPIC_SPEEDS",
    "ANTHROPIC_WORKSPACES",
    "DEFAULT_WORKSPACE_NAME",
    "MODEL_DISPLAY_NAMES",
    "OPENAI_COMBOS",
    "OPENAI_DIMENSIONS",
    "OPENAI_PROJECTS",
    "OPENAI_USERS",
    "ORGANIZATION",
    "PROVIDERS",
    "UNPRICED_MODELS",
    "ApiKey",
    "Combo",
    "Dimension",
    "Provider",
]

Provider = Literal["anthropic", "openai"]
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")

Dimension = str | bool | None

ANTHROPIC_DIMENSIONS: tuple[str, ...] = (
    "account_id",
    "api_key_id",
    "workspace_id",
    "service_account_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
)
OPENAI_DIMENSIONS: tuple[str, ...] = (
    "project_id",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
)

# Values the real API accepts in filters, even those no combo uses.
ANTHROPIC_SERVICE_TIERS = frozenset(
    {"standard", "batch", "priority", "priority_on_demand", "flex", "flex_discount"}
)
ANTHROPIC_CONTEXT_WINDOWS = frozenset({"0-200k", "200k-1M"})
ANTHROPIC_INFERENCE_GEOS = frozenset({"global", "us", "not_available"})
ANTHROPIC_SPEEDS = frozenset({"standard", "fast"})


@dataclass(frozen=True, slots=True)
class Combo:
    """One dimension tuple plus the knobs that shape its synthetic traffic.

    Parameters:
        key: stable name hashed into the data; renaming it changes every number.
        dims: value of every provider dimension (None where the provider reports null).
        volume: typical uncached input tokens in an active hour.
        activity: percent chance that the combo has usage in a busy hour.
        modalities: OpenAI input/output modalities besides text ("audio", "image").
    """

    key: str
    dims: Mapping[str, Dimension]
    volume: int
    activity: int
    modalities: frozenset[str] = frozenset()


def _anthropic(
    key: str,
    *,
    model: str,
    api_key_id: str | None,
    workspace_id: str | None,
    service_tier: str = "standard",
    context_window: str = "0-200k",
    inference_geo: str = "global",
    account_id: str | None = None,
    service_account_id: str | None = None,
    speed: str = "standard",
    volume: int,
    activity: int,
) -> Combo:
    dims: dict[str, Dimension] = {
        "account_id": account_id,
        "api_key_id": api_key_id,
        "workspace_id": workspace_id,
        "service_account_id": service_account_id,
        "model": model,
        "service_tier": service_tier,
        "context_window": context_window,
        "inference_geo": inference_geo,
        "speed": speed,
    }
    return Combo(key, MappingProxyType(dims), volume, activity)


_OPUS = "claude-opus-5"
_SONNET = "claude-sonnet-4-5"
_HAIKU = "claude-haiku-4-5"
_OLD_HAIKU = "claude-3-5-haiku-20241022"  # predates inference geo
_EXPERIMENTAL = "claude-experimental-1"  # fictional: genai-prices has no price for it
_KEY_PROD = "apikey_01SimProdKey000000000001"
_KEY_BATCH = "apikey_01SimBatchKey00000000002"
_KEY_CLAUDE_CODE = "apikey_01SimClaudeCodeDave0003"
_WS_PROD = "wrkspc_01SimProdWorkspace00001"
_WS_RESEARCH = "wrkspc_01SimResearchWorkspace2"
_ALICE = "user_01SimAlice0000000000001"
_CI = "svac_01SimCiPipeline000000001"

ANTHROPIC_COMBOS: tuple[Combo, ...] = (
    _anthropic(
        "opus-prod-global",
        model=_OPUS,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_PROD,
        volume=400_000,
        activity=60,
    ),
    _anthropic(
        "opus-prod-us-fast",
        model=_OPUS,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_PROD,
        inference_geo="us",
        speed="fast",
        volume=150_000,
        activity=30,
    ),
    _anthropic(
        "sonnet-prod-long-context",
        model=_SONNET,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_PROD,
        context_window="200k-1M",
        volume=2_500_000,
        activity=40,
    ),
    _anthropic(
        "sonnet-batch-default-ws",
        model=_SONNET,
        api_key_id=_KEY_BATCH,
        workspace_id=None,
        service_tier="batch",
        volume=1_500_000,
        activity=35,
    ),
    _anthropic(
        "haiku-batch-us",
        model=_HAIKU,
        api_key_id=_KEY_BATCH,
        workspace_id=None,
        service_tier="batch",
        inference_geo="us",
        volume=800_000,
        activity=35,
    ),
    _anthropic(
        "haiku-prod",
        model=_HAIKU,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_PROD,
        volume=300_000,
        activity=70,
    ),
    _anthropic(
        "old-haiku-prod",
        model=_OLD_HAIKU,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_PROD,
        inference_geo="not_available",
        volume=60_000,
        activity=50,
    ),
    _anthropic(
        "sonnet-console-default-ws",
        model=_SONNET,
        api_key_id=None,
        workspace_id=None,
        account_id=_ALICE,
        volume=40_000,
        activity=25,
    ),
    _anthropic(
        "old-haiku-console-prod-ws",
        model=_OLD_HAIKU,
        api_key_id=None,
        workspace_id=_WS_PROD,
        inference_geo="not_available",
        account_id=_ALICE,
        volume=8_000,
        activity=20,
    ),
    _anthropic(
        "opus-ci-service-account",
        model=_OPUS,
        api_key_id=None,
        workspace_id=_WS_PROD,
        service_account_id=_CI,
        volume=900_000,
        activity=30,
    ),
    # Priority Tier is billed outside the cost report: usage only, never a cost line.
    _anthropic(
        "sonnet-priority-prod",
        model=_SONNET,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_PROD,
        service_tier="priority",
        volume=200_000,
        activity=30,
    ),
    _anthropic(
        "experimental-research",
        model=_EXPERIMENTAL,
        api_key_id=_KEY_PROD,
        workspace_id=_WS_RESEARCH,
        volume=50_000,
        activity=30,
    ),
    _anthropic(
        "sonnet-claude-code-key",
        model=_SONNET,
        api_key_id=_KEY_CLAUDE_CODE,
        workspace_id=None,
        volume=120_000,
        activity=40,
    ),
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """How the Anthropic Console shows a key: its name and status."""

    name: str
    status: str


ANTHROPIC_API_KEYS: Mapping[str, ApiKey] = MappingProxyType(
    {
        _KEY_PROD: ApiKey("prod-backend", "active"),
        _KEY_BATCH: ApiKey("nightly-batch", "archived"),
        _KEY_CLAUDE_CODE: ApiKey("claude_code_key_dave_k3x9", "active"),
    }
)
DEFAULT_WORKSPACE_NAME = "Default"
"""The console's name for the default workspace, whose id the API reports as null."""
ANTHROPIC_WORKSPACES: Mapping[str, str] = MappingProxyType(
    {_WS_PROD: "Production", _WS_RESEARCH: "Research"}
)


def _openai(
    key: str,
    *,
    project_id: str,
    user_id: str | None,
    api_key_id: str,
    model: str,
    batch: bool = False,
    volume: int,
    activity: int,
    modalities: frozenset[str] = frozenset(),
) -> Combo:
    dims: dict[str, Dimension] = {
        "project_id": project_id,
        "user_id": user_id,
        "api_key_id": api_key_id,
        "model": model,
        "batch": batch,
        "service_tier": "default",
    }
    return Combo(key, MappingProxyType(dims), volume, activity, modalities)


_PROJ_WEB = "proj_SimWebApp0000000001"
_PROJ_BATCH = "proj_SimBatchJobs000000002"
_PROJ_RESEARCH = "proj_SimResearch00000003"
_GPT4O = "gpt-4o-2024-08-06"
_GPT4O_MINI = "gpt-4o-mini-2024-07-18"
_GPT4O_AUDIO = "gpt-4o-audio-preview-2024-12-17"
_GPT_IMAGE = "gpt-image-1"
_GPT_INTERNAL = "gpt-internal-preview"  # fictional: genai-prices has no price for it
_CAROL = "user-SimCarol0000003"

OPENAI_COMBOS: tuple[Combo, ...] = (
    _openai(
        "web-4o-alice",
        project_id=_PROJ_WEB,
        user_id="user-SimAlice00000001",
        api_key_id="key_SimWebAlice0001",
        model=_GPT4O,
        volume=600_000,
        activity=60,
    ),
    _openai(
        "web-mini-bob",
        project_id=_PROJ_WEB,
        user_id="user-SimBob000000002",
        api_key_id="key_SimWebBob00002",
        model=_GPT4O_MINI,
        volume=2_000_000,
        activity=70,
    ),
    _openai(
        "web-audio-alice",
        project_id=_PROJ_WEB,
        user_id="user-SimAlice00000001",
        api_key_id="key_SimWebAlice0001",
        model=_GPT4O_AUDIO,
        volume=120_000,
        activity=30,
        modalities=frozenset({"audio"}),
    ),
    _openai(
        "batch-mini-bob",
        project_id=_PROJ_BATCH,
        user_id="user-SimBob000000002",
        api_key_id="key_SimBatchBob0003",
        model=_GPT4O_MINI,
        batch=True,
        volume=3_000_000,
        activity=35,
    ),
    _openai(
        "batch-4o-bob",
        project_id=_PROJ_BATCH,
        user_id="user-SimBob000000002",
        api_key_id="key_SimBatchBob0003",
        model=_GPT4O,
        batch=True,
        volume=900_000,
        activity=25,
    ),
    _openai(
        "research-4o-service",
        project_id=_PROJ_RESEARCH,
        user_id=None,
        api_key_id="key_SimResearchSvc04",
        model=_GPT4O,
        volume=250_000,
        activity=45,
    ),
    _openai(
        "research-image-service",
        project_id=_PROJ_RESEARCH,
        user_id=None,
        api_key_id="key_SimResearchSvc04",
        model=_GPT_IMAGE,
        volume=50_000,
        activity=20,
        modalities=frozenset({"image"}),
    ),
    _openai(
        "research-internal-carol",
        project_id=_PROJ_RESEARCH,
        user_id=_CAROL,
        api_key_id="key_SimResearchCarol5",
        model=_GPT_INTERNAL,
        volume=80_000,
        activity=25,
    ),
)

OPENAI_PROJECTS: Mapping[str, str] = MappingProxyType(
    {_PROJ_WEB: "Web App", _PROJ_BATCH: "Batch Jobs", _PROJ_RESEARCH: "Research"}
)
OPENAI_USERS: Mapping[str, str] = MappingProxyType(
    {
        "user-SimAlice00000001": "alice@sim.example",
        "user-SimBob000000002": "bob@sim.example",
        _CAROL: "carol@sim.example",
    }
)
ORGANIZATION: Mapping[Provider, tuple[str, str]] = MappingProxyType(
    {
        "anthropic": ("8c5f3e2a-5b1d-4a7e-9c2f-5e1d3b7a9f01", "Simulator Org"),
        "openai": ("org-SimOrganization00000001", "Simulator Org"),
    }
)
"""(organization id, organization name) per provider."""

UNPRICED_MODELS: Mapping[Provider, str] = MappingProxyType(
    {"anthropic": _EXPERIMENTAL, "openai": _GPT_INTERNAL}
)
"""The one model per provider that genai-prices does not know."""

MODEL_DISPLAY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        _OPUS: "Claude Opus 5",
        _SONNET: "Claude Sonnet 4.5",
        _HAIKU: "Claude Haiku 4.5",
        # A dated id keeps its date, so the name maps back to exactly this id.
        _OLD_HAIKU: "Claude Haiku 3.5 2024-10-22",
        _EXPERIMENTAL: "Claude Experimental 1",
        "claude-opus-4-1": "Claude Opus 4.1",
    }
)
"""Anthropic model id -> the display name the Console cost export uses."""
