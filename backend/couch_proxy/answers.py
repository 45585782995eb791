"""What a proxied CouchDB answer may say to the browser: never a page of this origin.

Attachments are tablet-supplied bytes with a tablet-chosen content type; they go out as
an image from a short allow-list or as a download, and every answer carries ``nosniff``
and a sandboxing CSP, so nothing served under ``/couch/`` can run script here.
"""

from __future__ import annotations

from collections.abc import Mapping

from backend.couch_proxy.routes import Target

KEPT = ("etag", "cache-control")
"""Not ``Set-Cookie`` (no CouchDB session reaches a browser), not ``Location`` (CouchDB's
own address), not ``WWW-Authenticate`` (a browser would pop up its own sign-in box)."""
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})
PROTOCOL_TYPES = frozenset({"application/json", "text/plain", "multipart/mixed",
                            "multipart/related"})  # fmt: skip
DOWNLOAD = "application/octet-stream"
HARDENING = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


def answer_headers(target: Target, upstream: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The headers to send and the media type."""
    headers = {k: v for k, v in upstream.items() if k.lower() in KEPT}
    headers.update(HARDENING)
    declared = upstream.get("content-type", "application/json")
    essence = declared.split(";", 1)[0].strip().lower()
    if target.kind == "attachment":
        if essence in IMAGE_TYPES:
            return headers, essence
        headers["content-disposition"] = "attachment"
        return headers, DOWNLOAD
    if essence in PROTOCOL_TYPES:
        return headers, declared
    return headers, DOWNLOAD
