"""Recovering a defunct portal from a web archive: CDX listing → raw replay → the archive's storage.

The same storage as a live crawl (``archive.store``): every capture becomes a snapshot dated by
its capture time (origin ``wayback``), and the article is identified by its original URL under
the portal's canonical rules, so the same article captured five times is one article, and
captures with different content are its versions in capture order. Which captures are articles:
the portal's profile where it has one (its article URL shapes), else the generic platform,
which judges every stored capture once all are in (``crawler.learning.import_generic_pages``,
as ``import-warc`` does) — replayed ``id_`` pages keep their original links, so the listings'
links name the captured article URLs directly.

Resumable: the listing is written to ``wayback_captures`` with its CDX cursor as it is read,
and each capture is stored in the same transaction that marks it done; a run killed at any
point resumes where it stopped. One ``crawls`` row per run, mode ``wayback``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from archive import captures as capture_store
from archive import store

DEFAULT_ARCHIVE = "https://web.archive.org/web"
IA_CDX = "https://web.archive.org/cdx/search/cdx"
PREFETCH = 3  # replayed captures fetched ahead of the one being stored
LISTING_BATCH = 500  # captures added (and the CDX cursor saved) per transaction
_REPLAYED_STAMP = re.compile(r"/(\d{14})id_/")


@dataclass(frozen=True)
class Archive:
    """A web archive: where its captures are replayed and where its CDX API answers."""

    replay: str  # "https://web.archive.org/web", "http://127.0.0.1:8080/my-collection"
    cdx: str

    @property
    def name(self) -> str:
        return self.replay

    def replay_url(self, timestamp: str, url: str) -> str:
        """The raw capture (``id_``: the original bytes, no rewritten links, no banner)."""
        return f"{self.replay}/{timestamp}id_/{url}"


def archive_endpoints(archive: str | None = None, cdx: str | None = None) -> Archive:
    """The archive a recovery reads: the Wayback Machine by default, or any CDX-server-compatible one.

    ``archive`` is the replay prefix (what comes before ``/<timestamp>/<url>``): for pywb
    ``http://host:port/<collection>``, whose CDX API is ``<prefix>/cdx``; the Wayback Machine's
    CDX API lives elsewhere (``/cdx/search/cdx``); ``cdx`` names it for any other layout.
    """
    replay = (archive or DEFAULT_ARCHIVE).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", replay):
        raise ValueError(f"--archive {archive!r}: expected the archive's replay address, e.g. {DEFAULT_ARCHIVE} "
                         "or http://127.0.0.1:8080/<collection> (pywb)")
    if cdx:
        return Archive(replay, cdx.strip())
    if (urlsplit(replay).hostname or "").lower() == "web.archive.org":
        return Archive(replay, IA_CDX)
    return Archive(replay, replay + "/cdx")


def capture_prefix(base_url: str) -> str:
    """The CDX URL prefix of a portal: host (no ``www.``: CDX keys drop it) and base path."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host + (parts.path.rstrip("/") or "") + "/"


def cdx_date(value: str | None) -> str | None:
    """``2025-07-01`` or ``20250701`` or ``2025`` → the CDX form (digits only); None stays None."""
    if not value:
        return None
    digits = value.replace("-", "").strip()
    if not digits.isdigit() or len(digits) not in (4, 6, 8, 10, 12, 14):
        raise ValueError(f"{value!r} is not a date (YYYY, YYYYMM or YYYYMMDD)")
    return digits


class Recovery:
    """One portal's recovery run from one archive (a ``crawls`` row of mode ``wayback``)."""

    def __init__(self, db: Any, portal: Any, archive: Archive, client: Any, *, from_: str | None = None,
                 to: str | None = None, progress: Callable[[str], None] | None = None) -> None:
        self.db = db
        self.portal = portal
        self.archive = archive
        self.client = client
        self.from_, self.to = cdx_date(from_), cdx_date(to)
        self.progress = progress
        self.prefix = capture_prefix(portal.base_url)
        self.query = json.dumps({"prefix": self.prefix, "from": self.from_, "to": self.to, "cdx": archive.cdx}, sort_keys=True)
        self.counts = {"pages_fetched": 0, "articles_new": 0, "articles_updated": 0, "articles_unchanged": 0, "errors": 0}
        self.missing = 0
        self.crawl_id: int | None = None
        self._last_progress = 0.0

    def run(self) -> dict[str, Any]:
        """List, fetch and store; return the closed ``crawls`` row. Errors close the row, then propagate."""
        store.sync_portals(self.db, [self.portal.to_row()])
        store.close_stale_crawls(self.db, self.portal.id)
        self.crawl_id = store.start_crawl(self.db, self.portal.id, mode="wayback", pid=os.getpid(),
                                          args={"archive": self.archive.replay, "cdx": self.archive.cdx, "from": self.from_, "to": self.to})
        try:
            self._list()
            self._fetch()
            self._judge_generic()
        except BaseException as exc:
            outcome = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            self._finish(outcome, str(exc) or f"stopped: {type(exc).__name__}")
            raise
        counts = capture_store.capture_counts(self.db, self.portal.id, self.archive.name)
        done = counts.get("done", 0)
        if not counts:
            self._finish("ok", f"no HTML capture of {self.prefix} at {self.archive.replay}"
                         + (f" between {self.from_ or 'the first'} and {self.to or 'the last'}" if self.from_ or self.to else ""))
            return self.row()
        self._finish("ok", f"from {self.archive.replay}: {done} captures stored"
                     + (f", {counts.get('missing', 0)} no longer replayed" if counts.get("missing") else "")
                     + (f" (captures {self.from_ or 'first'}–{self.to or 'last'})" if self.from_ or self.to else ""))
        return self.row()

    def row(self) -> dict[str, Any]:
        return next(self.db.query("SELECT * FROM crawls WHERE id = ?", [self.crawl_id]))

    # -- listing ------------------------------------------------------------------------------

    def _list(self) -> None:
        from crawler.cdx import CdxListing, Cursor

        saved, complete = capture_store.listing_cursor(self.db, self.portal.id, self.archive.name, self.query)
        if complete:  # a finished listing: read it again for captures made since (the stored ones stay done)
            capture_store.restart_listing(self.db, self.portal.id, self.archive.name, self.query)
            saved = None
        listing = CdxListing(self.client, self.archive.cdx, self.prefix, self.from_, self.to, cursor=Cursor.from_json(saved))
        batch: list[Any] = []
        listed = 0
        for capture in listing:
            batch.append(capture)
            if len(batch) >= LISTING_BATCH:
                listed += len(batch)
                capture_store.add_captures(self.db, self.portal.id, self.archive.name, self.query, batch, listing.cursor.to_json())
                batch.clear()
                self._say(f"{self.portal.id}: listing captures at {self.archive.replay}: {listed} so far", force=False)
        capture_store.add_captures(self.db, self.portal.id, self.archive.name, self.query, batch, listing.cursor.to_json(), complete=True)

    # -- fetching and storing -------------------------------------------------------------------

    def _fetch(self) -> None:
        from crawler.cdx import timestamp_iso
        from crawler.learning import page_extractor

        profile = self.portal.profile()
        extract = None if profile.is_generic else page_extractor(self.portal)
        counts = capture_store.capture_counts(self.db, self.portal.id, self.archive.name)
        total = sum(counts.values())
        done = total - counts.get("pending", 0)
        for capture, response in self._replayed(capture_store.pending_captures(self.db, self.portal.id, self.archive.name)):
            if response.status_code != 200:  # gone from the archive, excluded since, or a capture of an error
                self.missing += 1
                capture_store.mark_capture(self.db, capture["id"], state="missing", result=f"HTTP {response.status_code}",
                                           crawl_id=self.crawl_id)
            else:
                stamp = _REPLAYED_STAMP.search(str(response.url))  # an archive may answer with the nearest capture
                captured_at = timestamp_iso(stamp.group(1) if stamp else capture["timestamp"])
                headers = {"Content-Type": [response.headers.get("Content-Type", "text/html")],
                           "Memento-Datetime": [captured_at]}
                self._store(capture, response.content, headers, captured_at, extract)
            done += 1
            self._say(f"{self.portal.id}: {done}/{total} captures from {self.archive.replay}, "
                      f"{self.counts['articles_new']} new articles, {self.counts['articles_updated']} new versions", force=done == total)

    def _replayed(self, captures: Any) -> Any:
        """(capture, response) in order; the next few are fetched while this one is stored.

        One request at a time to the archive still (one fetching thread, the client's delay
        between requests); only the extraction and storage of a capture overlap the fetch of
        the next. Captures fetched but not stored when a run is killed are still pending.
        """
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        # With --delay 0 (an archive of one's own, a pywb on the same machine) two requests may
        # be in flight; with any delay, one at a time, spaced by the client.
        workers = 1 if getattr(self.client, "delay", 1) > 0 else 2
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="replay") as fetcher:
            ahead: deque = deque()
            try:
                for capture in captures:
                    ahead.append((capture, fetcher.submit(self.client.get, self.archive.replay_url(capture["timestamp"], capture["url"]))))
                    if len(ahead) > PREFETCH:
                        capture, future = ahead.popleft()
                        yield capture, future.result()
                while ahead:
                    capture, future = ahead.popleft()
                    yield capture, future.result()
            finally:
                for _, future in ahead:
                    future.cancel()

    def _store(self, capture: dict[str, Any], body: bytes, headers: dict[str, list[str]], captured_at: str, extract: Any) -> None:
        with store.transaction(self.db):  # the capture's snapshot, its article and its done mark: one commit
            if extract is None:  # generic: judged once every capture is stored
                snapshot_id = store.store_snapshot(self.db, url=capture["url"], body=body, status=200, headers=headers,
                                                   portal_id=self.portal.id, crawl_id=self.crawl_id, fetched_at=captured_at,
                                                   origin="wayback")
                result = None
            else:
                result = store.ingest_page(self.db, portal_id=self.portal.id, url=capture["url"], body=body, status=200,
                                           headers=headers, fetched_at=captured_at, extract=extract, origin="wayback",
                                           province=self.portal.province, crawl_id=self.crawl_id)
                snapshot_id = None
            store.bump_crawl(self.db, self.crawl_id, "pages_fetched")
            capture_store.mark_capture(self.db, capture["id"], state="done", result=result, snapshot_id=snapshot_id,
                                       crawl_id=self.crawl_id)
        self.counts["pages_fetched"] += 1
        if result is not None:
            self.counts[f"articles_{result}"] += 1

    def _judge_generic(self) -> None:
        """A portal with no profile: which stored captures are articles, judged over all of them (this
        run's and earlier runs'), then extracted with the template learned from them."""
        if not self.portal.profile().is_generic:
            return
        from crawler.learning import StoredPage, import_generic_pages

        pages = [StoredPage(row[0], row[1], row[2], json.loads(row[3] or "{}")) for row in self.db.execute(
            "SELECT id, url, first_fetched_at, headers FROM snapshots WHERE portal_id = ? AND origin = 'wayback' AND status = 200 "
            "ORDER BY url, first_fetched_at", [self.portal.id])]
        if pages:
            self._say(f"{self.portal.id}: judging {len(pages)} captured pages (generic platform)", force=True)
        for result in import_generic_pages(self.db, self.portal, pages, origin="wayback"):
            self.counts[f"articles_{result}"] += 1

    def _finish(self, outcome: str, message: str) -> None:
        counts = dict(self.counts)
        counts["articles_seen"] = counts["articles_new"] + counts["articles_updated"] + counts["articles_unchanged"]
        counts["requests"] = getattr(self.client, "requests", 0)
        store.finish_crawl(self.db, self.crawl_id, outcome=outcome, counts=counts, message=message,
                           stats={"captures_missing": self.missing, "archive": self.archive.replay, "cdx": self.archive.cdx})

    def _say(self, line: str, *, force: bool) -> None:
        now = time.monotonic()
        if self.progress is None or (not force and now - self._last_progress < 2.0):
            return
        self._last_progress = now
        self.progress(line)


def stderr_progress(line: str) -> None:
    """A progress line on stderr: rewritten in place on a terminal, one line each otherwise (logs)."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + line)
        sys.stderr.flush()
    else:
        print(line, file=sys.stderr, flush=True)
