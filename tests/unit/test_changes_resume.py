"""Where the follower goes on after a page of ``_changes``: never past a change it was
not sent."""

from __future__ import annotations

from sync.couch.types import Change, resume_point


def _rows(*seqs: str) -> list[Change]:
    return [Change(id=f"hazard:{s}", seq=s, revs=("1-a",)) for s in seqs]


def test_a_page_cut_at_its_limit_goes_on_from_its_last_row() -> None:
    # a clustered CouchDB, filtered, cut at 3: one shard's held-back change is behind
    # the last_seq it answers, because that shard's next filtered-out row moved it on
    rows = _rows("11-a", "12-b", "13-c")
    assert resume_point(rows, "17-z", limit=3) == "13-c"


def test_a_page_short_of_its_limit_goes_on_from_the_servers_last_seq() -> None:
    # nothing was held back: last_seq also passes the filtered-out rows after the last one
    assert resume_point(_rows("11-a", "12-b"), "17-z", limit=3) == "17-z"
    assert resume_point([], "17-z", limit=3) == "17-z"
    assert resume_point(_rows("11-a"), "17-z", limit=None) == "17-z"


def test_rows_without_their_own_sequence_leave_the_servers() -> None:
    rows = [Change(id="hazard:1", seq=None, revs=("1-a",))]
    assert resume_point(rows, 9, limit=1) == 9
