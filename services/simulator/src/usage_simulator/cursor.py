"""Opaque page cursors: `page_` + urlsafe base64 of "<position>.<query checksum>".

The position is the next bucket start (Unix seconds) for bucketed endpoints, or the
next record's offset for Claude Code. The checksum ties a cursor to the query that
produced it, so a cursor is only valid with the same start, end, width, group_by and
filters (or the same day).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from .errors import BadRequestError

__all__ = ["decode_cursor", "decode_offset", "encode_cursor", "encode_offset"]

_PREFIX = "page_"


def encode_cursor(next_start: datetime, fingerprint: str) -> str:
    return encode_offset(int(next_start.timestamp()), fingerprint)


def decode_cursor(token: str, fingerprint: str) -> datetime:
    """Next bucket start encoded in `token`; 400 (param `page`) if it is not ours."""
    epoch = decode_offset(token, fingerprint)
    try:
        return datetime.fromtimestamp(epoch, UTC)
    except (ValueError, OverflowError, OSError):
        raise BadRequestError("page", "malformed page token") from None


def encode_offset(position: int, fingerprint: str) -> str:
    payload = f"{position}.{fingerprint}".encode()
    return _PREFIX + base64.urlsafe_b64encode(payload).decode()


def decode_offset(token: str, fingerprint: str) -> int:
    """The position encoded in `token`; 400 (param `page`) if it is not ours."""
    if not token.startswith(_PREFIX):
        raise BadRequestError("page", "malformed page token")
    try:
        payload = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode()).decode()
        position_text, checksum = payload.split(".")
        position = int(position_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequestError("page", "malformed page token") from None
    if checksum != fingerprint:
        raise BadRequestError("page", "page token does not belong to this query")
    return position
