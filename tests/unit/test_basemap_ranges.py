"""Which bytes of the base map archive a ``Range`` header asks for (RFC 9110 §14)."""

from __future__ import annotations

import pytest

from backend.basemap.archive import Unsatisfiable, requested_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-126", (0, 126)),
        ("bytes=127-16383", (127, 999)),  # clipped to the end
        ("bytes=990-", (990, 999)),
        ("bytes=-10", (990, 999)),  # the last ten
        ("bytes=-5000", (0, 999)),  # a suffix longer than the file: all of it
        (" bytes=5-5 ", (5, 5)),
        ("bytes=5-4", None),  # malformed: ignored, the whole file
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-5", None),
        ("bytes=-", None),
        ("bytes=a-b", None),
        ("bytes=" + "9" * 5000 + "-", None),  # no giant integers parsed
        ("bytes=٣-٤", None),  # digits of other scripts are not digits here
    ],
)
def test_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert requested_range(header, SIZE) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_ranges_beyond_the_end_are_unsatisfiable(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        requested_range(header, SIZE)
