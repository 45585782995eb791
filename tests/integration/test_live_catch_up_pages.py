"""A live map's look in SQL pages through what it told already: hundreds of hazards
stamped in the same instant (a boundary activation re-checks them all) all come through,
each once, and only inside the jurisdiction."""

from __future__ import annotations

from datetime import timedelta

from backend.database import create_engine, session_factory, unit_of_work
from backend.hazards.models import Hazard
from backend.live.catch_up import Watermark, look
from backend.settings import Settings
from backend.sqltypes import utcnow
from sync.devserver import DevCouch
from tests.integration.harness import running_app

SAME_INSTANT = 30


async def test_a_look_drains_changes_stamped_in_one_instant_each_once(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings, sign_in=False):
        pass  # migrated, demo grids in place
    engine = create_engine(settings.database_url)
    at = utcnow()
    try:
        async with unit_of_work(session_factory(engine)) as session:
            for i in range(SAME_INSTANT):
                grid = "donghu-01" if i % 3 else "xixi-01"
                session.add(Hazard.model_validate({
                    "doc_id": f"hazard:dev:{i:03d}", "grid_id": grid, "rev": "1-a",
                    "rev_generation": 1, "doc": {}, "title": f"h{i}", "updated_at": at,
                    "received_at": at,
                }))  # fmt: skip
        mark, xixi = Watermark(at - timedelta(seconds=1)), Watermark(at - timedelta(seconds=1))
        async with unit_of_work(session_factory(engine), read_only=True) as session:
            first = await look(session, None, mark, limit=20, page=7)
            second = await look(session, None, mark, limit=20, page=7)
            third = await look(session, None, mark, limit=20, page=7)
            inside = await look(session, {"xixi-01"}, xixi, limit=100, page=4)
    finally:
        await engine.dispose()

    told = [e["id"] for e in first + second]
    # pages of 7: the look stops after the page that reaches 20, the next one takes the rest
    assert (len(first), len(second), third) == (21, SAME_INSTANT - 21, [])
    assert sorted(told) == [f"hazard:dev:{i:03d}" for i in range(SAME_INSTANT)]
    assert {e["grid_id"] for e in inside} == {"xixi-01"}
    assert len(inside) == SAME_INSTANT // 3
