"""Storage of a web-archive recovery's work list: the captures a CDX listing found, and where it stopped.

A capture is pending until it is stored (its snapshot and article committed in the same
transaction as its ``done`` mark), so a recovery killed at any moment resumes at the first
pending capture: nothing lost, nothing stored twice. Captures are kept in listing order (the
CDX server's URL-then-time order), so the captures of one page are stored oldest first and its
versions follow the capture times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlite_utils import Database

from archive.store import transaction, utcnow


def listing_cursor(db: Database, portal_id: str, archive: str, query: str) -> tuple[str | None, bool]:
    """(saved cursor JSON, complete) of this portal's listing of this query at this archive."""
    row = db.execute("SELECT resume_key, complete FROM wayback_listings WHERE portal_id = ? AND archive = ? AND query = ?",
                     [portal_id, archive, query]).fetchone()
    return (row[0], bool(row[1])) if row else (None, False)


def add_captures(db: Database, portal_id: str, archive: str, query: str, captures: Iterable[Any], cursor: str,
                 *, complete: bool = False) -> int:
    """Add listed captures (new ones only) and the listing's cursor in one transaction; returns how many were new."""
    added = 0
    with transaction(db):
        for capture in captures:
            cursor_obj = db.execute(
                "INSERT OR IGNORE INTO wayback_captures (portal_id, archive, url, timestamp, digest) VALUES (?, ?, ?, ?, ?)",
                [portal_id, archive, capture.url, capture.timestamp, capture.digest])
            added += cursor_obj.rowcount
        db.execute(
            "INSERT INTO wayback_listings (portal_id, archive, query, resume_key, complete, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(portal_id, archive, query) DO UPDATE SET resume_key = excluded.resume_key, "
            "complete = excluded.complete, updated_at = excluded.updated_at",
            [portal_id, archive, query, cursor, int(complete), utcnow()])
    return added


def restart_listing(db: Database, portal_id: str, archive: str, query: str) -> None:
    """A finished listing is read again from the start on the next run (the archive may hold newer captures)."""
    with transaction(db):
        db.execute("DELETE FROM wayback_listings WHERE portal_id = ? AND archive = ? AND query = ?", [portal_id, archive, query])


def pending_captures(db: Database, portal_id: str, archive: str, *, batch: int = 200) -> Iterator[dict[str, Any]]:
    """The pending captures in listing order, read a batch at a time (memory flat in their number)."""
    last = 0
    while True:
        rows = db.execute("SELECT id, url, timestamp, digest FROM wayback_captures WHERE portal_id = ? AND archive = ? "
                          "AND state = 'pending' AND id > ? ORDER BY id LIMIT ?", [portal_id, archive, last, batch]).fetchall()
        if not rows:
            return
        for row in rows:
            last = row[0]
            yield {"id": row[0], "url": row[1], "timestamp": row[2], "digest": row[3]}


def mark_capture(db: Database, capture_id: int, *, state: str, result: str | None = None, snapshot_id: int | None = None,
                 crawl_id: int | None = None) -> None:
    """Close a capture (``done``, ``missing`` when the archive no longer replays it). Call inside the
    transaction that stored it, so the store and the mark commit together."""
    with transaction(db):
        db.execute("UPDATE wayback_captures SET state = ?, result = ?, snapshot_id = ?, crawl_id = ?, done_at = ? WHERE id = ?",
                   [state, result, snapshot_id, crawl_id, utcnow(), capture_id])


def capture_counts(db: Database, portal_id: str, archive: str) -> dict[str, int]:
    """Captures of this portal at this archive by state (``pending``, ``done``, ``missing``)."""
    return {row[0]: row[1] for row in db.execute(
        "SELECT state, count(*) FROM wayback_captures WHERE portal_id = ? AND archive = ? GROUP BY state", [portal_id, archive])}


def last_recovered(db: Database) -> dict[str, str]:
    """Each portal's last finished recovery from a web archive (``crawls.finished_at`` of mode ``wayback``)."""
    return {row[0]: row[1] for row in db.execute(
        "SELECT portal_id, max(finished_at) FROM crawls WHERE mode = 'wayback' AND outcome IN ('ok', 'degraded') GROUP BY portal_id")}
