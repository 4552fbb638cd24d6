"""The shared request queue of a distributed crawl: scrapy-redis' scheduler, queue and dupefilter, made crash-safe.

What scrapy-redis alone does not give, and this module adds on top of its classes (the settings
that select them, the item pipeline and the overview are in crawler/distributed.py):

- **A crashed worker's requests are re-queued.** scrapy-redis pops a request and forgets it;
  here the pop (a Lua script) also copies it into the worker's *in-flight* hash. A request
  leaves that hash once what it produced is safe: its links are in the queue (the
  :class:`InflightMiddleware` enqueues them itself, synchronously) and its item is in the items
  list (``item_scraped``). A worker keeps a heartbeat key alive; when it expires, any other
  worker moves the dead worker's in-flight requests back to the queue (atomically, once).
  Delivery is at least once: a page may be fetched twice after a crash, and the ingest's
  storage is idempotent (one row per canonical URL, same content → no new version).
- **Workers close when the crawl is over, not when the queue is momentarily empty.** An idle
  worker stays open while the queue has requests or another live worker is busy (it may still
  add links); it closes after ``SCHEDULER_IDLE_BEFORE_CLOSE`` seconds (scrapy-redis' idle
  setting, here without its blocking pop, which would stall the reactor) of shared idleness.
- **The dupefilter does not grow without bound.** Fingerprints live in a sorted set scored by
  the time they were added; entries older than ``PORTAL_ARCHIVE_DUPEFILTER_TTL`` are trimmed,
  the key expires if abandoned, and the last worker of a finished run clears it (so the next
  run starts fresh). A Bloom filter was not chosen: its false positives would silently drop
  article URLs, which an archive must never do; expiry can only cause a page to be re-fetched.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.contracts.wire import PREFIX

logger = logging.getLogger(__name__)
INFLIGHT_META = "redis_inflight"  # request meta: the id of the popped request in this worker's in-flight hash


def worker_id() -> str:
    """host:pid — unique among live workers, and it tells an operator where to look."""
    return f"{socket.gethostname()}:{os.getpid()}"


def crawl_name(spider: Any) -> str:
    """Keys are per portal: a request must be parsed by a spider of its own portal (profile)."""
    return f"{spider.name}:{getattr(spider, 'portal_id', '') or spider.name}"


class Keys:
    """The Redis keys of one portal's distributed crawl."""

    def __init__(self, name: str, worker: str) -> None:
        self.base = f"{PREFIX}:{name}"
        self.queue = f"{self.base}:requests"
        self.workers = f"{self.base}:workers"
        self.worker = worker

    def inflight(self, worker: str | None = None) -> str:
        return f"{self.base}:inflight:{worker or self.worker}"

    def heartbeat(self, worker: str | None = None) -> str:
        return f"{self.base}:heartbeat:{worker or self.worker}"


# Pop the best request and, in the same step, record it as this worker's and mark the worker busy.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return nil end
redis.call('ZREM', KEYS[1], r[1])
local id = redis.sha1hex(r[1])
redis.call('HSET', KEYS[2], id, r[2] .. ':' .. r[1])
redis.call('SET', KEYS[3], 'busy', 'PX', ARGV[1])
return {r[1], id}
"""
# Move every in-flight request of a worker back to the queue, with its priority (atomic: once).
_REQUEUE = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local v = all[i + 1]
  local p = string.find(v, ':', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, p - 1)), string.sub(v, p + 1))
end
redis.call('DEL', KEYS[1])
return #all / 2
"""


class ReliableQueue(PriorityQueue):
    """scrapy-redis' priority queue whose pop keeps the request in the worker's in-flight hash."""

    keys: Keys
    heartbeat_ms: int = 30000

    def pop(self, timeout: int = 0) -> Request | None:  # timeout: never block the reactor
        popped = self.server.eval(_POP, 3, self.key, self.keys.inflight(), self.keys.heartbeat(), self.heartbeat_ms)
        if not popped:
            return None
        data, inflight_id = popped
        request = self._decode_request(data)
        request.meta[INFLIGHT_META] = inflight_id.decode() if isinstance(inflight_id, bytes) else inflight_id
        return request


class ExpiringDupeFilter(RFPDupeFilter):
    """scrapy-redis' fingerprint filter, with a time-to-live per fingerprint (a sorted set)."""

    def __init__(self, server: Any, key: str, debug: bool = False, ttl: int = 3 * 24 * 3600) -> None:
        super().__init__(server, key, debug)
        self.ttl = ttl
        self.added = 0

    @classmethod
    def from_spider(cls, spider: Any) -> "ExpiringDupeFilter":
        from scrapy_redis.connection import get_redis_from_settings

        settings = spider.settings
        key = settings.get("SCHEDULER_DUPEFILTER_KEY") % {"spider": crawl_name(spider)}
        return cls(get_redis_from_settings(settings), key=key, debug=settings.getbool("DUPEFILTER_DEBUG"),
                   ttl=settings.getint("PORTAL_ARCHIVE_DUPEFILTER_TTL", 3 * 24 * 3600))

    def request_seen(self, request: Request) -> bool:
        now = time.time()
        pipe = self.server.pipeline(transaction=False)
        pipe.zadd(self.key, {self.request_fingerprint(request): now}, nx=True)
        pipe.expire(self.key, self.ttl)  # an abandoned run's filter disappears by itself
        if self.added % 1000 == 0:
            pipe.zremrangebyscore(self.key, "-inf", now - self.ttl)
        added = pipe.execute()[0]
        self.added += added
        return added == 0

    def close(self, reason: str = "") -> None:
        pass  # shared with the other workers: cleared by the scheduler when the run is over


class DistributedScheduler(Scheduler):
    """scrapy-redis' scheduler with per-portal keys, in-flight tracking, heartbeats and idle close."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DistributedScheduler":
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.worker = worker_id()
        scheduler.heartbeat_seconds = crawler.settings.getfloat("PORTAL_ARCHIVE_HEARTBEAT", 30.0)
        scheduler.state = "busy"
        scheduler.idle_since: float | None = None
        scheduler.requeued = 0
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler.item_done, signal=signals.item_scraped)
        crawler.signals.connect(scheduler.item_done, signal=signals.item_dropped)
        crawler.signals.connect(scheduler.item_done, signal=signals.item_error)
        crawler.portal_archive_scheduler = scheduler  # the middleware marks requests done through it
        return scheduler

    def open(self, spider: Any) -> None:
        name = crawl_name(spider)
        self.keys = Keys(name, self.worker)
        self.queue_key = self.keys.queue
        super().open(spider)
        self.queue.keys = self.keys
        self.queue.heartbeat_ms = int(self.heartbeat_seconds * 1000)
        self.server.sadd(self.keys.workers, self.worker)
        self.beat()
        from twisted.internet import task

        self._beat = task.LoopingCall(self.beat)
        self._beat.start(max(self.heartbeat_seconds / 6, 0.2), now=False)

    # -- liveness ------------------------------------------------------------------------
    def beat(self) -> None:
        """Refresh this worker's heartbeat and re-queue the requests of workers that died."""
        self.server.set(self.keys.heartbeat(), self.state, px=int(self.heartbeat_seconds * 1000))
        self.reap()

    def reap(self) -> int:
        moved = 0
        for member in self.server.smembers(self.keys.workers):
            other = member.decode() if isinstance(member, bytes) else member
            if other == self.worker or self.server.exists(self.keys.heartbeat(other)):
                continue
            count = int(self.server.eval(_REQUEUE, 2, self.keys.inflight(other), self.keys.queue) or 0)
            self.server.srem(self.keys.workers, other)
            if count:
                logger.warning("%s: worker %s stopped without closing; %d of its requests re-queued", self.keys.queue, other, count)
                self.stats.inc_value("portal_archive/distributed/requeued", count)
            moved += count
        self.requeued += moved
        return moved

    def others_busy(self) -> bool:
        for member in self.server.smembers(self.keys.workers):
            other = member.decode() if isinstance(member, bytes) else member
            if other != self.worker and self.server.get(self.keys.heartbeat(other)) in (b"busy", "busy"):
                return True
        return False

    # -- the request life cycle ----------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        # A retry or redirect carries its original's in-flight id (meta is copied): once the
        # follow-up is queued, the original is no longer this worker's to lose.
        inherited = request.meta.pop(INFLIGHT_META, None)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            queued = False
        else:
            self.stats.inc_value("scheduler/enqueued/redis")
            self.queue.push(request)
            queued = True
        if inherited:
            self.done(inherited)
        return queued

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.state = "busy"
            self.idle_since = None
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def done(self, inflight_id: str | None) -> None:
        if inflight_id:
            self.server.hdel(self.keys.inflight(), inflight_id)

    def item_done(self, item: Any = None, response: Any = None, **kwargs: Any) -> None:
        if response is not None and getattr(response, "request", None) is not None:
            self.done(response.request.meta.get(INFLIGHT_META))

    def spider_idle(self) -> None:
        """Stay open while the crawl may still grow; close after the shared idle timeout."""
        # Engine idle: everything this worker popped has been processed to the end.
        self.server.delete(self.keys.inflight())
        self.state = "idle"
        self.beat()
        if len(self.queue) > 0 or self.others_busy():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_before_close:
            raise DontCloseSpider

    def close(self, reason: str) -> None:
        beat = getattr(self, "_beat", None)
        if beat is not None and beat.running:
            beat.stop()
        if reason == "finished":
            self.server.delete(self.keys.inflight())
        else:  # stopped early (Ctrl-C, an error limit): what it held goes back to the others
            count = int(self.server.eval(_REQUEUE, 2, self.keys.inflight(), self.keys.queue) or 0)
            if count:
                logger.info("%s: %d in-flight requests re-queued on close (%s)", self.keys.queue, count, reason)
        self.server.delete(self.keys.heartbeat())
        self.server.srem(self.keys.workers, self.worker)
        if reason == "finished" and len(self.queue) == 0 and not self.others_busy():
            self.df.clear()  # the run is over: the next crawl of this portal starts afresh

    def has_pending_requests(self) -> bool:
        return len(self) > 0


class InflightMiddleware:
    """Spider middleware (closest to the engine): marks a request done once its results are safe.

    Scrapy hands a callback's requests to the scheduler a little later, in parallel tasks; so
    that "done" can never come before the links are in Redis, this middleware enqueues each
    request itself (``engine.crawl``, synchronous) instead of passing it on. A response that
    produced an item is done when the item is pushed (the scheduler's ``item_scraped``
    handler); one that produced only links is done when its output ends.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "InflightMiddleware":
        return cls(crawler)

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any) -> Iterator[Any]:
        produced_item = False
        for output in result:
            if self._passes_on(output):
                produced_item = True
                yield output
        self._finish(response, produced_item)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any], spider: Any) -> AsyncIterator[Any]:
        produced_item = False
        async for output in result:
            if self._passes_on(output):
                produced_item = True
                yield output
        self._finish(response, produced_item)

    def _passes_on(self, output: Any) -> bool:
        """A request is enqueued here and now (not passed on); anything else is an item, passed on."""
        if isinstance(output, Request):
            self.crawler.engine.crawl(output)
            return False
        return True

    def _finish(self, response: Any, produced_item: bool) -> None:
        scheduler = getattr(self.crawler, "portal_archive_scheduler", None)
        if scheduler is not None and not produced_item:
            scheduler.done(response.request.meta.get(INFLIGHT_META))


# -- items on the wire: the format is crawler.contracts.wire's, shared with the ingest ----------------------
