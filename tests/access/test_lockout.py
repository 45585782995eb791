"""A tablet retrying a wrong password locks out only itself. Apache CouchDB locks a user
out for minutes after a few failed sign-ins, keyed on user and client address; every
tablet reaches CouchDB from the service's address, so the service forwards each tablet's
own (``upstream_headers``). The dev CouchDB has no lockout: there only the second half
(the other address still signs in) is checked."""

from __future__ import annotations

import secrets

import httpx

from backend.couch_proxy.upstream import upstream_headers
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.helpers import basic_auth


async def test_failed_sign_ins_from_one_tablet_do_not_lock_out_another_address(
    dev_couch: DevCouch, couch_admin: CouchClient, namespace_prefix: str
) -> None:
    name, password = f"{namespace_prefix}device_lockout", secrets.token_urlsafe(12)
    await couch_admin.put_user(name, password)
    vendor = str((await couch_admin.server_info()).get("vendor", {}).get("name", ""))
    try:
        async with httpx.AsyncClient(base_url=dev_couch.url, timeout=30) as couch:

            async def session(secret: str, address: str) -> int:
                headers = upstream_headers(basic_auth(name, secret), address)
                return (await couch.get("/_session", headers=headers)).status_code

            wrong = [await session("stale-password", "10.0.0.7") for _ in range(8)]
            same_tablet = await session(password, "10.0.0.7")
            other_tablet = await session(password, "10.0.0.8")
    finally:
        await couch_admin.delete_user(name)
    assert set(wrong) <= {401, 403}
    assert other_tablet == 200, "one tablet's failures locked the user out everywhere"
    if "Apache" in vendor:  # the lockout exists there, and is this tablet's alone
        assert wrong[-1] == 403
        assert same_tablet == 403
