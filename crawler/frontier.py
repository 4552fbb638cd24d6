"""The durable crawl frontier: what makes a crawl resumable after SIGKILL or a power cut.

Scrapy's JOBDIR keeps its queue in files written on a clean shutdown only, so a killed crawl
loses it. Here every request is a row of the archive's ``frontier`` table (through
``archive.store``) before it is sent, and is marked done only after what it produced is durable:
the links it yielded are rows, the article it yielded is stored (the pipeline marks those).
A crawl that starts while its portal has pending rows continues from them; the frontier also
serves as the crawl's duplicate filter across restarts (a URL already in it is not requested
again). A crawl that finishes clears it.

The frontier lives on the crawl session's connection (``crawler/session.py``), which opens it
and closes it; ``crawler.middlewares.FrontierMiddleware`` records what the spider's callbacks yield.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from scrapy import Request

from archive import store

if TYPE_CHECKING:
    from sqlite_utils import Database

# Request meta that describes where a request sits in the crawl (all JSON); nothing else is kept.
_META_KEYS = ("kind", "page_number", "start", "article_hops", "known", "overlap", "handle_httpstatus_list", "depth", "listing_root")


class Frontier:
    """One portal's frontier in the archive database, on the caller's connection."""

    def __init__(self, db: "Database", portal_id: str) -> None:
        self.db = db
        self.portal_id = portal_id
        self.crawl_id: int | None = None
        store.close_stale_crawls(self.db, portal_id)  # rows a killed process left running
        # counted, not loaded: requests() reads them a batch at a time
        self.pending, self._pending_up_to = store.frontier_pending_count(self.db, portal_id)
        self.resumed_from = store.frontier_last_crawl(self.db, portal_id) if self.pending else None

    def reset(self) -> None:
        store.frontier_clear(self.db, self.portal_id)

    def add(self, request: Request) -> bool:
        """Record ``request`` before it is sent; False when the frontier already has its URL."""
        meta = {k: request.meta[k] for k in _META_KEYS if k in request.meta}
        headers = {k.decode("latin-1"): request.headers.get(k).decode("latin-1")
                   for k in request.headers if k.lower() in (b"if-none-match", b"if-modified-since")}
        added = store.frontier_add(self.db, self.portal_id, request.url, meta=meta, headers=headers, crawl_id=self.crawl_id)
        if added:
            request.meta["frontier_url"] = request.url
        return added

    def done(self, url: str | None) -> None:
        if url:
            store.frontier_done(self.db, self.portal_id, url)

    def requests(self, **kwargs: Any) -> Iterator[Request]:
        """The pending requests of the crawl being resumed, rebuilt as they were recorded."""
        for entry in store.iter_frontier_pending(self.db, self.portal_id, up_to=self._pending_up_to):
            meta = {**entry["meta"], "frontier_url": entry["url"]}
            yield Request(entry["url"], meta=meta, headers=entry["headers"] or None, dont_filter=True, **kwargs)

    def close(self, *, finished: bool) -> None:
        """The crawl is over: a finished one leaves nothing pending (the connection is the session's)."""
        if finished:
            self.reset()
