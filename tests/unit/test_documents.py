"""Reading hazard documents and revisions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.hazards.documents import InvalidDocument, parse_hazard
from backend.hazards.service import is_newer
from sync.couch import Change
from sync.couch.types import rev_generation
from sync.doctypes import is_server_owned
from sync.follower import relevant
from tests.helpers import hazard_doc


def _doc(**changes: Any) -> dict[str, Any]:
    doc = hazard_doc(device_id="d1", author="device_d1", grid_id="g1", **changes)
    doc["_rev"] = "1-abc"
    return doc


def test_a_complete_hazard_reads_with_its_location() -> None:
    hazard = parse_hazard(_doc())
    assert hazard.location is not None
    assert hazard.location.lat == 30.2712
    assert hazard.reported_at is not None
    assert hazard.reported_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"location": {"lat": 91, "lon": 120}}, "/location/lat"),
        ({"location": {"lat": "NaN", "lon": 120}}, "/location/lat"),
        ({"location": {"lat": 30, "lon": 120, "accuracy_m": -1}}, "/location/accuracy_m"),
        ({"title": ""}, "/title"),
        ({"title": "x" * 201}, "/title"),
        ({"reported_at": "2026-11-20T09:31:00"}, "/reported_at"),
        ({"type": "verdict"}, "/type"),
    ],
)
def test_a_broken_hazard_names_the_field_at_fault(changes: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidDocument) as refused:
        parse_hazard(_doc(**changes))
    assert [e["path"] for e in refused.value.errors] == [path]


def test_a_hazard_without_author_is_refused() -> None:
    doc = _doc()
    del doc["author"]
    with pytest.raises(InvalidDocument) as refused:
        parse_hazard(doc)
    assert refused.value.errors[0]["path"] == "/author"


@given(st.integers(1, 10_000), st.integers(1, 10_000), st.text("0123456789abcdef", min_size=1))
def test_a_higher_generation_always_wins(a: int, b: int, digest: str) -> None:
    assert is_newer(f"{a}-{digest}", f"{b}-{digest}") == (a > b)
    assert rev_generation(f"{a}-{digest}") == a


def test_equal_revisions_are_not_newer() -> None:
    assert not is_newer("3-abc", "3-abc")
    assert is_newer("3-abd", "3-abc")  # CouchDB's tie-break: the larger hash wins


def test_the_follower_skips_design_docs_and_server_documents() -> None:
    assert relevant(Change(id="hazard:d1:01J", seq=1, revs=("1-a",)))
    for doc_id in ("_design/grid_rules", "verdict:hazard:d1:01J", "ledger:h:01J", "grid:g1"):
        assert not relevant(Change(id=doc_id, seq=1, revs=("1-a",)))
        assert doc_id.startswith("_design/") or is_server_owned(doc_id)
