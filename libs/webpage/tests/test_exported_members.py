from __future__ import annotations

import usage_webpage


def test_exports_are_sorted_and_present() -> None:
    names = usage_webpage.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in names:
        assert hasattr(usage_webpage, name)
