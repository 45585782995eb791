"""Revisions, ids the follower skips, and upgrades of old document versions."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from backend.replication.documents import is_newer
from sync.contract import check_worker_doc, load_schemas
from sync.contract.schemas import SCHEMA_ROOT
from sync.couch import Change
from sync.couch.types import rev_generation
from sync.doctypes import is_server_owned
from sync.follower import relevant


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


def _example(path: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((SCHEMA_ROOT / "examples" / path).read_text())
    return data


def test_a_v0_hazard_is_upgraded_to_v1_without_losing_what_the_worker_wrote() -> None:
    old = _example("v0/valid/hazard.json")
    check = check_worker_doc(load_schemas(), old)
    assert check.valid
    assert (check.version, check.upgraded_from) == (0, 0)
    new = check.doc
    assert new["schema_version"] == 1
    assert new["location"] == {
        "lat": old["lat"], "lon": old["lon"], "provider": "unknown", "datum": "wgs84"
    }  # fmt: skip
    assert new["severity"] == old["level"]
    assert new["description"] == old["desc"]
    assert new["reported_at"] == "2025-06-02T02:15:00.000+00:00"
    assert new["_id"] == old["_id"]
    assert check_worker_doc(load_schemas(), new).valid  # the upgraded doc is valid v1


def test_a_v0_inspection_is_upgraded_with_its_site_and_answers() -> None:
    check = check_worker_doc(load_schemas(), _example("v0/valid/inspection.json"))
    assert check.valid
    assert check.upgraded_from == 0
    assert check.doc["site"] == {
        "name": "老街小吃店",
        "sector": "catering",
        "address": "东湖路 3 号",
    }
    assert check.doc["answers"] == [
        {"item_id": "alarm-installed", "answer": "yes"},
        {"item_id": "gas-pipe-ok", "answer": "no"},
    ]


def test_a_current_document_is_not_marked_upgraded() -> None:
    check = check_worker_doc(load_schemas(), _example("v1/valid/hazard.json"))
    assert check.valid
    assert (check.version, check.upgraded_from) == (1, None)


def test_huge_values_are_not_echoed_in_error_messages() -> None:
    doc = _example("v1/valid/hazard.json") | {"title": "隐" * 1_000_000}
    [error] = check_worker_doc(load_schemas(), doc).errors
    assert error == {"path": "/title", "message": "is longer than 200 characters"}


def test_things_that_are_not_documents_are_refused_plainly() -> None:
    things: list[object] = [[], "hazard", 3, None]
    for thing in things:
        check = check_worker_doc(load_schemas(), thing)
        assert not check.valid
        assert check.errors[0]["path"] == ""
