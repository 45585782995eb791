"""Benchmark: schema checks of synced documents on one core.

Baseline: jsonschema-rs alone (``is_valid`` of a validator precompiled with its built-in
formats) over the same documents. Ours: :func:`sync.contract.check_worker_doc` — type and
version detection, validation with our ``date-time`` (a real instant, 2000–2099), error
details for invalid documents and v0 → v1 upgrades.

Run: ``.venv/bin/python -m tests.bench.bench_validation`` (or ``make bench``).
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections.abc import Callable
from typing import Any

import jsonschema_rs

from sync.contract import check_worker_doc, load_schemas
from sync.contract.schemas import SCHEMA_ROOT, SchemaSet

DOCS = 100_000
ROUNDS = 3


def _corpus(n: int) -> list[tuple[int, str, dict[str, Any]]]:
    """90 % valid v1 hazards and inspections with varied values, 5 % v0, 5 % invalid."""
    examples = SCHEMA_ROOT / "examples"
    hazard = json.loads((examples / "v1/valid/hazard.json").read_text())
    inspection = json.loads((examples / "v1/valid/inspection.json").read_text())
    old = json.loads((examples / "v0/valid/hazard.json").read_text())
    rng = random.Random(7)
    docs: list[tuple[int, str, dict[str, Any]]] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.05:
            doc = copy.deepcopy(old)
            docs.append((0, "hazard", doc))
            continue
        doc = copy.deepcopy(hazard if roll < 0.6 else inspection)
        doc["location"]["lat"] = 30.27 + rng.random() / 100
        if roll > 0.95:
            doc["location"]["lat"] = 91 + i % 5
        docs.append((1, doc["type"], doc))
    return docs


def _rate(run: Callable[[], None], n: int) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n / best


def _plain_validators(schemas: SchemaSet) -> dict[tuple[int, str], Any]:
    """jsonschema-rs's own validators of the same schemas, its built-in formats only."""
    files = schemas.files.values()
    registry = jsonschema_rs.Registry([(f.schema["$id"], f.schema) for f in files])
    return {
        (f.version, f.name): jsonschema_rs.validator_for(
            f.schema, registry=registry, validate_formats=True
        )
        for f in files
        if f.name != "common"
    }


def main() -> None:
    schemas = load_schemas()
    corpus = _corpus(DOCS)
    validators = _plain_validators(schemas)
    pairs = [(validators[(v, t)], d) for v, t, d in corpus]
    plain = [d for _, _, d in corpus]

    def raw() -> None:
        for validator, doc in pairs:
            validator.is_valid(doc)

    def ours() -> None:
        for doc in plain:
            check_worker_doc(schemas, doc)

    raw_rate, our_rate = _rate(raw, DOCS), _rate(ours, DOCS)
    print(f"documents: {DOCS} (90 % valid v1, 5 % v0 upgraded, 5 % invalid with details)")
    print(f"raw jsonschema-rs is_valid: {raw_rate:>10,.0f} docs/s")
    print(f"check_worker_doc:           {our_rate:>10,.0f} docs/s  (target ≥ 50,000)")
    print(f"ratio ours/raw:             {our_rate / raw_rate:>10.2f}")


if __name__ == "__main__":
    main()
