"""Scrapy's duplicate filter with a bounded memory: the durable frontier is the complete one.

Scrapy's ``RFPDupeFilter`` keeps the fingerprint of every request of the run in a set, so a
crawl's memory grows with every page (about 100 bytes each: 10 MB at 100,000 pages, and more
for a large portal's full re-check). Here every request a callback or the start yields is
already refused by the frontier (``crawler.frontier``: one SQLite row per URL, on disk) when
its URL was requested before, so the in-memory filter only has to catch what bypasses the
frontier (redirect targets) and recent repeats: it keeps the newest
``PORTAL_ARCHIVE_DUPEFILTER_MAX`` fingerprints and forgets the oldest. A crawl without the
frontier (a distributed worker, ``PORTAL_ARCHIVE_FRONTIER=false``) keeps Scrapy's unbounded set,
since nothing else would catch repeats there.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

DUPEFILTER_MAX = 20_000


class BoundedDupeFilter(RFPDupeFilter):
    """``RFPDupeFilter`` remembering at most ``max_size`` fingerprints (least recently seen go first)."""

    def __init__(self, *args: Any, max_size: int | None = DUPEFILTER_MAX, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_size = max_size
        self._recent: OrderedDict[bytes, None] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BoundedDupeFilter":
        settings = crawler.settings
        bounded = settings.getbool("PORTAL_ARCHIVE_FRONTIER", True)
        return cls(None, settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter,
                   max_size=settings.getint("PORTAL_ARCHIVE_DUPEFILTER_MAX", DUPEFILTER_MAX) if bounded else None)

    def __len__(self) -> int:
        return len(self._recent) if self.max_size is not None else len(self._fingerprints)

    def request_seen(self, request: Request) -> bool:
        if self.max_size is None:
            return super().request_seen(request)
        fp = self._fingerprint(request)
        if fp in self._recent:
            self._recent.move_to_end(fp)
            return True
        self._recent[fp] = None
        if len(self._recent) > self.max_size:
            self._recent.popitem(last=False)
        return False
