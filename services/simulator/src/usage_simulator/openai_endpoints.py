"""Combos and metrics of the OpenAI usage endpoints other than completions.

Each endpoint has its own dimensions (the `group_by` values it accepts) and metric
fields (named exactly as in its result object). Combos reuse the projects, users and
keys of the completions catalogue, so a project or key filter means the same thing on
every endpoint. The moderation, embedding, image, speech and transcription models are
all in genai-prices' catalogue; the one unknown OpenAI model is a completions model.

`vector_stores.usage_bytes` is summed over records like every other metric, so buckets
of every width agree; the real value is closer to a storage gauge (a simplification).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .catalogue import Combo, Dimension
from .digests import u32

__all__ = [
    "CONTEXT_LEVELS",
    "IMAGE_SIZES",
    "IMAGE_SOURCES",
    "OPENAI_ENDPOINT_SPECS",
    "EndpointData",
]

IMAGE_SOURCES = frozenset({"image.generation", "image.edit", "image.variation"})
IMAGE_SIZES = frozenset({"256x256", "512x512", "1024x1024", "1792x1792", "1024x1792"})
CONTEXT_LEVELS = frozenset({"low", "medium", "high"})

Measure = Callable[[Combo, bytes], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class EndpointData:
    """Dimensions, metric fields, combos and the metric generator of one endpoint."""

    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    combos: tuple[Combo, ...]
    measure: Measure


_WEB = "proj_SimWebApp0000000001"
_RESEARCH = "proj_SimResearch00000003"
_ALICE = ("user-SimAlice00000001", "key_SimWebAlice0001")
_BOB = ("user-SimBob000000002", "key_SimWebBob00002")
_SERVICE = (None, "key_SimResearchSvc04")
_USER_DIMS = ("project_id", "user_id", "api_key_id", "model")


def _combo(key: str, volume: int, activity: int, **dims: Dimension) -> Combo:
    return Combo(key, MappingProxyType(dims), volume, activity)


def _owned(
    key: str,
    project: str,
    owner: tuple[str | None, str],
    volume: int,
    activity: int,
    **dims: Dimension,
) -> Combo:
    user_id, api_key_id = owner
    return _combo(
        key, volume, activity, project_id=project, user_id=user_id, api_key_id=api_key_id, **dims
    )


def _tokens(combo: Combo, d: bytes) -> tuple[int, ...]:
    tokens = combo.volume // 10 + u32(d, 4) % combo.volume
    requests = 1 + u32(d, 8) % (combo.volume // 5_000 + 3)
    return (tokens, requests)


def _images(combo: Combo, d: bytes) -> tuple[int, ...]:
    images = 1 + u32(d, 4) % combo.volume
    return (images, 1 + u32(d, 8) % images)


def _characters(combo: Combo, d: bytes) -> tuple[int, ...]:
    characters = combo.volume // 10 + u32(d, 4) % combo.volume
    return (characters, 1 + characters // 800)


def _seconds(combo: Combo, d: bytes) -> tuple[int, ...]:
    seconds = 5 + u32(d, 4) % combo.volume
    return (seconds, 1 + seconds // 90)


def _bytes(combo: Combo, d: bytes) -> tuple[int, ...]:
    return (combo.volume + u32(d, 4) % combo.volume,)


def _count(combo: Combo, d: bytes) -> tuple[int, ...]:
    return (1 + u32(d, 4) % combo.volume,)


def _web_searches(combo: Combo, d: bytes) -> tuple[int, ...]:
    requests = 1 + u32(d, 4) % combo.volume
    return (requests, requests + u32(d, 8) % (requests + 1))


OPENAI_ENDPOINT_SPECS: Mapping[str, EndpointData] = MappingProxyType(
    {
        "embeddings": EndpointData(
            _USER_DIMS,
            ("input_tokens", "num_model_requests"),
            (
                _owned(
                    "embeddings/web-small-alice",
                    _WEB,
                    _ALICE,
                    2_000_000,
                    50,
                    model="text-embedding-3-small",
                ),
                _owned(
                    "embeddings/research-large",
                    _RESEARCH,
                    _SERVICE,
                    5_000_000,
                    30,
                    model="text-embedding-3-large",
                ),
            ),
            _tokens,
        ),
        "moderations": EndpointData(
            _USER_DIMS,
            ("input_tokens", "num_model_requests"),
            (
                _owned(
                    "moderations/web-omni-bob",
                    _WEB,
                    _BOB,
                    300_000,
                    60,
                    model="omni-moderation-latest",
                ),
            ),
            _tokens,
        ),
        "images": EndpointData(
            (*_USER_DIMS, "size", "source"),
            ("images", "num_model_requests"),
            (
                _owned(
                    "images/research-generation",
                    _RESEARCH,
                    _SERVICE,
                    40,
                    35,
                    model="gpt-image-1",
                    size="1024x1024",
                    source="image.generation",
                ),
                _owned(
                    "images/web-edit-alice",
                    _WEB,
                    _ALICE,
                    12,
                    25,
                    model="gpt-image-1",
                    size="1024x1792",
                    source="image.edit",
                ),
                _owned(
                    "images/web-variation-bob",
                    _WEB,
                    _BOB,
                    8,
                    15,
                    model="gpt-image-1",
                    size="512x512",
                    source="image.variation",
                ),
            ),
            _images,
        ),
        "audio_speeches": EndpointData(
            _USER_DIMS,
            ("characters", "num_model_requests"),
            (_owned("audio_speeches/web-tts-alice", _WEB, _ALICE, 40_000, 40, model="tts-1"),),
            _characters,
        ),
        "audio_transcriptions": EndpointData(
            _USER_DIMS,
            ("seconds", "num_model_requests"),
            (
                _owned(
                    "audio_transcriptions/web-whisper-bob", _WEB, _BOB, 3_600, 40, model="whisper-1"
                ),
            ),
            _seconds,
        ),
        "vector_stores": EndpointData(
            ("project_id",),
            ("usage_bytes",),
            (
                _combo("vector_stores/web", 50_000_000, 90, project_id=_WEB),
                _combo("vector_stores/research", 900_000_000, 90, project_id=_RESEARCH),
            ),
            _bytes,
        ),
        "code_interpreter_sessions": EndpointData(
            ("project_id",),
            ("num_sessions",),
            (
                _combo("code_interpreter_sessions/research", 12, 30, project_id=_RESEARCH),
                _combo("code_interpreter_sessions/web", 4, 20, project_id=_WEB),
            ),
            _count,
        ),
        "file_search_calls": EndpointData(
            ("project_id", "user_id", "api_key_id", "vector_store_id"),
            ("num_requests",),
            (
                _owned(
                    "file_search_calls/web-docs-alice",
                    _WEB,
                    _ALICE,
                    300,
                    45,
                    vector_store_id="vs_SimProductDocs01",
                ),
                _owned(
                    "file_search_calls/research-papers",
                    _RESEARCH,
                    _SERVICE,
                    900,
                    30,
                    vector_store_id="vs_SimPapers000002",
                ),
            ),
            _count,
        ),
        "web_search_calls": EndpointData(
            (*_USER_DIMS, "context_level"),
            ("num_model_requests", "num_requests"),
            (
                _owned(
                    "web_search_calls/web-4o-alice",
                    _WEB,
                    _ALICE,
                    120,
                    40,
                    model="gpt-4o-2024-08-06",
                    context_level="medium",
                ),
                _owned(
                    "web_search_calls/web-mini-bob",
                    _WEB,
                    _BOB,
                    300,
                    45,
                    model="gpt-4o-mini-2024-07-18",
                    context_level="low",
                ),
                _owned(
                    "web_search_calls/research-4o",
                    _RESEARCH,
                    _SERVICE,
                    60,
                    25,
                    model="gpt-4o-2024-08-06",
                    context_level="high",
                ),
            ),
            _web_searches,
        ),
    }
)
"""Endpoint path segment -> its data; completions lives in `catalogue`."""
