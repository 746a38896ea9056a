"""Page cursors: opaque, bound to their query, and rejected when tampered with."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from usage_simulator import BadRequestError
from usage_simulator.cursor import decode_cursor, encode_cursor

AT = datetime(2026, 2, 10, 5, tzinfo=UTC)


def test_round_trip() -> None:
    token = encode_cursor(AT, "abc123")
    assert token.startswith("page_")
    assert decode_cursor(token, "abc123") == AT


@pytest.mark.parametrize(
    "token",
    [
        "",
        "page_",
        "cursor_" + base64.urlsafe_b64encode(b"1.abc123").decode(),
        "page_%%%",
        "page_" + base64.urlsafe_b64encode(b"soon.abc123").decode(),
        "page_" + base64.urlsafe_b64encode(b"99999999999999999.abc123").decode(),
        "page_" + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_malformed_tokens_name_the_page_parameter(token: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        decode_cursor(token, "abc123")
    assert caught.value.param == "page"


def test_token_from_another_query_is_refused() -> None:
    with pytest.raises(BadRequestError, match="does not belong"):
        decode_cursor(encode_cursor(AT, "abc123"), "other")
