from __future__ import annotations

from datetime import timedelta

import pytest

from usage_common import ConfigError
from usage_ledger import ReconcileQuery

from .factories import QUERY, SINCE, UNTIL


def test_a_query_is_validated() -> None:
    with pytest.raises(ConfigError, match="not before"):
        ReconcileQuery("openai", UNTIL, SINCE)
    with pytest.raises(ConfigError, match="unknown provider"):
        ReconcileQuery("azure", SINCE, UNTIL)  # type: ignore[arg-type]
    assert QUERY.notes() == []
    noon = ReconcileQuery("openai", SINCE + timedelta(hours=12), UNTIL)
    assert "not midnight UTC" in noon.notes()[0]
