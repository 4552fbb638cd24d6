"""The durable crawl frontier: the requests of a crawl, so a killed crawl resumes where it stopped.

One frontier per portal: every request a crawl decides to make is a row before it is sent
and is marked done only after what it produced (stored article, recorded links) is durable.
A crawl killed at any point leaves the rows still ``pending``; the next crawl of the portal
starts from them instead of the start pages. Rows are crawl state, not archive content: a
crawl that finishes clears them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from archive.store.transactions import transaction, utcnow


def frontier_pending(db: Database, portal_id: str) -> list[dict[str, Any]]:
    """Requests of an unfinished crawl of the portal, oldest first."""
    rows = db.execute(
        "SELECT url, meta, headers, crawl_id FROM frontier WHERE portal_id = ? AND state = 'pending' ORDER BY rowid",
        [portal_id]).fetchall()
    return [{"url": u, "meta": json.loads(m or "{}"), "headers": json.loads(h or "{}"), "crawl_id": c} for u, m, h, c in rows]


def frontier_pending_count(db: Database, portal_id: str) -> tuple[int, int]:
    """How many requests of an unfinished crawl are pending, and the last rowid among them."""
    count, last = db.execute("SELECT count(*), coalesce(max(rowid), 0) FROM frontier WHERE portal_id = ? AND state = 'pending'",
                             [portal_id]).fetchone()
    return int(count), int(last)


def iter_frontier_pending(db: Database, portal_id: str, *, up_to: int, batch: int = 500) -> Iterator[dict[str, Any]]:
    """The pending requests (as :func:`frontier_pending`) up to rowid ``up_to``, a batch at a time.

    A resumed crawl of 100,000 pending requests never holds them all; rows the resumed crawl
    adds (rowid > ``up_to``) or marks done meanwhile are not handed out again.
    """
    after = 0
    while True:
        rows = db.execute(
            "SELECT rowid, url, meta, headers, crawl_id FROM frontier WHERE portal_id = ? AND state = 'pending' "
            "AND rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?", [portal_id, after, up_to, batch]).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        yield from ({"url": u, "meta": json.loads(m or "{}"), "headers": json.loads(h or "{}"), "crawl_id": c} for _, u, m, h, c in rows)


def frontier_last_crawl(db: Database, portal_id: str) -> int | None:
    """The crawl that left the pending requests (the one a new crawl resumes)."""
    row = db.execute("SELECT max(crawl_id) FROM frontier WHERE portal_id = ?", [portal_id]).fetchone()
    return row[0] if row else None


def frontier_add(db: Database, portal_id: str, url: str, *, meta: dict[str, Any] | None = None, headers: dict[str, str] | None = None, crawl_id: int | None = None) -> bool:
    """Record a request before it is sent; False when this crawl already knows the URL."""
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO frontier(portal_id, url, meta, headers, state, crawl_id, added_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            [portal_id, url, json.dumps(meta or {}, ensure_ascii=False), json.dumps(headers or {}), crawl_id, utcnow()])
    return cursor.rowcount > 0


def frontier_done(db: Database, portal_id: str, url: str) -> None:
    with transaction(db):
        db.execute("UPDATE frontier SET state = 'done', done_at = ? WHERE portal_id = ? AND url = ?", [utcnow(), portal_id, url])


def frontier_clear(db: Database, portal_id: str) -> None:
    with transaction(db):
        db.execute("DELETE FROM frontier WHERE portal_id = ?", [portal_id])
