"""The messages and keys a distributed crawl's workers and its ingest exchange through Redis.

Workers (``crawler/distributed.py``) push one JSON message per item, and an ``open`` and a
``close`` per run, onto :data:`ITEMS_KEY`; ``portal-archive ingest``
(``archive/commands/ingest.py``) pops and stores them, and publishes what the archive holds
under :func:`known_key` for the workers' incremental stop. Both sides encode and decode here,
so a field added on one side cannot be misread on the other.

An item message is ``{"type": KIND, "worker", "province", **fields}``: ``KIND`` is one of
:data:`ITEM_KINDS`, the fields are the crawler item's (``crawler/items.py``) and what
``archive.store.store_crawled_item`` reads; the raw body travels zlib-compressed, base64
(``raw_zlib_b64``), and the crawl-local ``frontier_url`` stays home. An event message is
``{"type": "open" | "close", "worker", "portal_id", "at", ...}``.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any, Mapping

PREFIX = "portal-archive"
ITEMS_KEY = f"{PREFIX}:items"  # the list workers push to and the ingest pops from
EVENTS = frozenset({"open", "close"})
ITEM_KINDS = frozenset({"article", "not_modified", "gone", "page"})
_LOCAL_FIELDS = ("frontier_url",)  # meaningful only inside the worker that produced the item


def processing_key(items_key: str = ITEMS_KEY) -> str:
    """The list a batch waits in while the ingest stores it (left there by a killed ingest)."""
    return f"{items_key}:ingesting"


def known_key(portal_id: str) -> str:
    """The hash of a portal's archived articles: canonical URL -> :func:`encode_known`'s value."""
    return f"{PREFIX}:known:{portal_id}"


def encode_item(kind: str, fields: Mapping[str, Any], *, worker: str, province: str | None) -> bytes:
    """One crawl result as the message a worker pushes."""
    if kind not in ITEM_KINDS:
        raise ValueError(f"unknown item kind {kind!r} (one of {', '.join(sorted(ITEM_KINDS))})")
    fields = {k: v for k, v in fields.items() if k not in _LOCAL_FIELDS}
    raw = fields.pop("raw", None)
    message = {"type": kind, "worker": worker, "province": province, **fields}
    if raw is not None:
        message["raw_zlib_b64"] = base64.b64encode(zlib.compress(raw, 1)).decode("ascii")
    return json.dumps(message, ensure_ascii=False).encode("utf-8")


def encode_event(kind: str, *, worker: str, portal_id: str, at: float, **extra: Any) -> bytes:
    """A worker's ``open`` or ``close`` of its run of a portal (``close`` carries its Scrapy stats)."""
    if kind not in EVENTS:
        raise ValueError(f"unknown event {kind!r} (one of {', '.join(sorted(EVENTS))})")
    message = {"type": kind, "worker": worker, "portal_id": portal_id, "at": at, **extra}
    return json.dumps(message, ensure_ascii=False, default=str).encode("utf-8")  # stats hold datetimes


def decode_message(message: bytes | str) -> dict[str, Any]:
    """A message as the worker meant it: an event, or an item's fields with ``raw`` as bytes."""
    data = json.loads(message)
    raw = data.pop("raw_zlib_b64", None)
    if raw is not None:
        data["raw"] = zlib.decompress(base64.b64decode(raw))
    return data


def is_event(message: Mapping[str, Any]) -> bool:
    return message.get("type") in EVENTS


# -- the published articles ---------------------------------------------------------------------
# Values leave out the URL (it is the hash field) and what is empty or equal to it: half the memory.
_KNOWN_DEFAULTS = {"gone_at": None, "etag": None, "last_modified": None}


def encode_known(info: Mapping[str, Any]) -> tuple[str, str]:
    """An archived article (as ``archive.store.known_articles`` gives it) as a (field, value) of the hash."""
    url = info["url"]
    value = {k: v for k, v in info.items() if v is not None and k != "url" and not (k == "fetched_url" and v == url)}
    return url, json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode_known(field: bytes | str, value: bytes | str) -> dict[str, Any]:
    """A hash entry back as the archive gave it: url, fetched_url, gone_at, etag, last_modified."""
    url = field.decode("utf-8") if isinstance(field, bytes) else field
    return {"url": url, "fetched_url": url, **_KNOWN_DEFAULTS, **json.loads(value)}
