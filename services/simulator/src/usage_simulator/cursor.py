"""Opaque page cursors: `page_` + urlsafe base64 of "<next bucket start>.<query checksum>".

The checksum ties a cursor to the query that produced it, so a cursor is only valid
with the same start, end, width, group_by and filters.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from .errors import BadRequestError

__all__ = ["decode_cursor", "encode_cursor"]

_PREFIX = "page_"


def encode_cursor(next_start: datetime, fingerprint: str) -> str:
    payload = f"{int(next_start.timestamp())}.{fingerprint}".encode()
    return _PREFIX + base64.urlsafe_b64encode(payload).decode()


def decode_cursor(token: str, fingerprint: str) -> datetime:
    """Next bucket start encoded in `token`; 400 (param `page`) if it is not ours."""
    if not token.startswith(_PREFIX):
        raise BadRequestError("page", "malformed page token")
    try:
        payload = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode()).decode()
        epoch_text, checksum = payload.split(".")
        start = datetime.fromtimestamp(int(epoch_text), UTC)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError):
        raise BadRequestError("page", "malformed page token") from None
    if checksum != fingerprint:
        raise BadRequestError("page", "page token does not belong to this query")
    return start
