"""The archived articles a crawl starts from, kept on disk: memory does not grow with the archive.

An incremental crawl looks up every link of a listing among the portal's archived articles
(skip it, or re-check it with a conditional request); a ``--full`` crawl re-checks them all.
Held as a dict, that is about 1 KB per archived article in the crawl process (100 MB for a
100,000-article portal, before a single page is fetched). Here they are copied, as the crawl
starts, into a throw-away SQLite file beside the system's temporary files, and looked up by
URL from there. A copy, not lookups in the archive itself: the crawl must see the archive as it
was when it started (an article stored by this run is not "known" to its own listings, or a
first crawl would stop a section's walk at a page whose articles it stored minutes ago).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

BATCH = 1000


class KnownArticles:
    """Archived articles keyed by canonical and fetched URL (the canonical one wins), on disk.

    The part of a dict's interface the spider uses: ``get``, truth value, ``values``.
    """

    def __init__(self, infos: Iterable[dict[str, Any]]) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="portal-archive-known-")
        self._conn = sqlite3.connect(Path(self._dir.name) / "known.db", check_same_thread=False)
        self._conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2000;"
                                 "CREATE TABLE known (url TEXT PRIMARY KEY, info TEXT NOT NULL, fetched_url TEXT NOT NULL, canonical INTEGER NOT NULL)")
        self._count = 0
        batch: list[dict[str, Any]] = []
        for info in infos:
            batch.append(info)
            if len(batch) >= BATCH:
                self._insert(batch)
                batch = []
        self._insert(batch)
        self._conn.commit()

    def _insert(self, infos: list[dict[str, Any]]) -> None:
        for info in infos:  # in order: a canonical URL replaces a fetched one; the first fetched one stays
            text = json.dumps(info)
            self._conn.execute("INSERT OR REPLACE INTO known VALUES (?, ?, ?, 1)", [info["url"], text, info["fetched_url"]])
            self._conn.execute("INSERT OR IGNORE INTO known VALUES (?, ?, ?, 0)", [info["fetched_url"], text, info["fetched_url"]])
        self._count += len(infos)

    def get(self, url: str, default: Any = None) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT info FROM known WHERE url = ?", [url]).fetchone()
        return json.loads(row[0]) if row else default

    def __contains__(self, url: object) -> bool:
        return self._conn.execute("SELECT 1 FROM known WHERE url = ?", [url]).fetchone() is not None

    def __len__(self) -> int:
        """Archived articles (not URLs)."""
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def values(self) -> Iterator[dict[str, Any]]:
        """Each archived article once, in archive order, read a batch at a time."""
        last = 0
        while True:
            rows = self._conn.execute("SELECT rowid, info FROM known WHERE canonical = 1 AND rowid > ? ORDER BY rowid LIMIT ?",
                                      [last, BATCH]).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield from (json.loads(info) for _, info in rows)

    def by_fetched_url(self) -> Iterator[dict[str, Any]]:
        """One archived article per fetched page (what a ``--full`` crawl re-checks), a batch at a time."""
        last = ""
        while True:
            rows = self._conn.execute(
                "SELECT fetched_url, info, min(rowid) FROM known WHERE canonical = 1 AND fetched_url > ? "
                "GROUP BY fetched_url ORDER BY fetched_url LIMIT ?", [last, BATCH]).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield from (json.loads(info) for _, info, _ in rows)

    def close(self) -> None:
        self._conn.close()
        self._dir.cleanup()


def each_page_once(known: Any) -> Iterator[dict[str, Any]]:
    """The archived articles of ``known`` (on disk, or a dict from Redis), one per fetched page."""
    if isinstance(known, KnownArticles):
        yield from known.by_fetched_url()
        return
    seen: set[str] = set()
    for info in known.values():
        if info["fetched_url"] not in seen:
            seen.add(info["fetched_url"])
            yield info
