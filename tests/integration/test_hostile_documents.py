"""A document nobody can decode must not block its grid database."""

from __future__ import annotations

from backend.settings import Settings
from sync.couch import CouchClient
from sync.couch.transport import doc_path
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, hazard_for, running_app, tablet


async def test_a_document_nested_thousands_deep_is_quarantined_and_the_feed_goes_on(
    sqlite_settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        depth = 1500  # beyond Python's decoder, within the dev server's
        nested = '{"type":"hazard","author":"%s","x":%s1%s}' % (  # noqa: UP031
            cred.couch_user,
            '{"a":' * depth,
            "}" * depth,
        )
        deep_id = f"hazard:{cred.device_id}:01JDEEP0000000000000000000"
        await couch_admin.request(
            "PUT", doc_path(cred.database, deep_id), content=nested.encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        good = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, good)
        [entry] = await eventually(
            lambda: get_json(client, "/api/sync/quarantine"), lambda rows: len(rows) == 1
        )
        hazards = await eventually(
            lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1
        )
    assert entry["doc_id"] == deep_id
    assert entry["reason"].startswith("document cannot be decoded: RecursionError")
    assert hazards[0]["doc_id"] == good["_id"]
