"""Server document ids sort by time and never collide."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.ids import new_ulid
from sync.provisioning import InvalidGridId, Namespace


@given(st.integers(0, 2**48 - 2))
def test_ulids_sort_by_their_millisecond(ms: int) -> None:
    earlier, later = new_ulid(ms), new_ulid(ms + 1)
    assert len(earlier) == len(later) == 26
    assert earlier < later


def test_ulids_are_unique() -> None:
    assert len({new_ulid(0) for _ in range(10_000)}) == 10_000


def test_grid_database_names_are_safe_couchdb_names() -> None:
    ns = Namespace("t1_")
    assert ns.grid_db("donghu-01") == "t1_grid_donghu-01"
    for bad in ("Donghu", "../_users", "", "a" * 64, "grid 1"):
        with pytest.raises(InvalidGridId):
            ns.grid_db(bad)
