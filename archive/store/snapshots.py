"""Raw responses: every fetched page kept as it came, compressed and deduplicated.

A body is stored once per sha256 (``snapshot_bodies``), zstd-compressed with its portal's own
dictionary once the portal has enough pages to train one (``compression_dicts``,
archive/compression.py); a snapshot row says which URL gave those bytes, when, and with which
headers. Fetching the same bytes from the same URL again only moves ``last_fetched_at``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from archive import compression
from archive.store.errors import ArchiveError
from crawler.contracts.headers import header_value  # the crawler's reading of a stored header, not a second one
from archive.store.transactions import transaction, utcnow


def store_snapshot(db: Database, *, url: str, body: bytes, status: int, headers: dict[str, Any], portal_id: str | None = None, crawl_id: int | None = None, fetched_at: str | None = None, origin: str = "crawl") -> int:
    """Keep a raw response, compressed (zstd with the portal's dictionary) and deduplicated by
    sha256; return the snapshot id.

    Fetching the same bytes from the same URL again only moves ``last_fetched_at``.
    """
    fetched_at = fetched_at or utcnow()
    digest = hashlib.sha256(body).hexdigest()
    stored = db.execute("SELECT 1 FROM snapshot_bodies WHERE sha256 = ?", [digest]).fetchone()
    packed = None if stored else compression.compress(body, portal_dictionary(db, portal_id))
    with transaction(db):
        if packed is not None:  # ignore: another writer may have stored the same bytes meanwhile
            db.table("snapshot_bodies").insert({"sha256": digest, "encoding": packed[0], "size": len(body), "body": packed[1]},
                                               ignore=True)
        existing = db.execute("SELECT id FROM snapshots WHERE url = ? AND sha256 = ?", [url, digest]).fetchone()
        if existing:
            db.execute("UPDATE snapshots SET last_fetched_at = max(coalesce(last_fetched_at, ''), ?), "
                       "first_fetched_at = min(coalesce(first_fetched_at, ?), ?), crawl_id = ? WHERE id = ?",
                       [fetched_at, fetched_at, fetched_at, crawl_id, existing[0]])
            return int(existing[0])
        return db.table("snapshots").insert(
            {"portal_id": portal_id, "crawl_id": crawl_id, "url": url, "status": status,
             "content_type": header_value(headers, "Content-Type"), "headers": json.dumps(headers, ensure_ascii=False),
             "sha256": digest, "first_fetched_at": fetched_at, "last_fetched_at": fetched_at, "origin": origin}).last_rowid


def snapshot_body(db: Database, snapshot_id: int) -> bytes:
    """The raw bytes of a stored response."""
    row = db.execute(
        "SELECT b.encoding, b.body FROM snapshots s JOIN snapshot_bodies b ON b.sha256 = s.sha256 WHERE s.id = ?",
        [snapshot_id],
    ).fetchone()
    if row is None:
        raise ArchiveError(f"snapshot {snapshot_id} not found")
    encoding, body = row
    return compression.decompress(encoding, body, lambda dict_id: _dictionary_bytes(db, dict_id))


def _dictionary_bytes(db: Database, dict_id: int) -> bytes:
    row = db.execute("SELECT dict FROM compression_dicts WHERE id = ?", [dict_id]).fetchone()
    if row is None:
        raise ArchiveError(f"compression dictionary {dict_id} is missing: its snapshots cannot be read")
    return row[0]


def portal_dictionary(db: Database, portal_id: str | None) -> tuple[int, bytes] | None:
    """The portal's zstd dictionary, trained on its newest pages once it has enough of them."""
    if portal_id is None:
        return None
    row = db.execute("SELECT id, dict FROM compression_dicts WHERE portal_id = ? ORDER BY id DESC LIMIT 1", [portal_id]).fetchone()
    if row is not None:
        return int(row[0]), row[1]
    count = db.execute("SELECT count(*) FROM snapshots WHERE portal_id = ?", [portal_id]).fetchone()[0]
    if count < compression.TRAIN_AFTER:
        return None
    ids = [r[0] for r in db.execute("SELECT id FROM snapshots WHERE portal_id = ? ORDER BY id DESC LIMIT ?",
                                    [portal_id, compression.TRAIN_SAMPLE])]
    try:
        data = compression.train([snapshot_body(db, i) for i in ids])
    except ValueError:
        return None  # too few distinct pages yet: plain zstd for now
    with transaction(db):
        dict_id = db.table("compression_dicts").insert(
            {"portal_id": portal_id, "created_at": utcnow(), "samples": len(ids), "size": len(data), "dict": data}).last_rowid
    return dict_id, data


def iter_snapshots(db: Database, portal_id: str) -> Iterator[dict[str, Any]]:
    """Every snapshot of a portal with its body, oldest first (for WARC export)."""
    cursor = db.execute("SELECT id FROM snapshots WHERE portal_id = ? ORDER BY first_fetched_at, id", [portal_id])
    for (snapshot_id,) in cursor.fetchall():  # the ids first: one body in memory at a time
        row = db.table("snapshots").get(snapshot_id)
        row["headers"] = json.loads(row["headers"] or "{}")
        row["body"] = snapshot_body(db, snapshot_id)
        yield row

