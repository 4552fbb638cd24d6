"""Distributed crawling on Redis: scrapy-redis' scheduler, queue and dupefilter, made crash-safe.

``portal-archive crawl --distributed redis://HOST:6379/0 PORTAL`` runs the same ``portal``
spider in N processes (on one machine or several) that share one request queue and one
duplicate filter per portal in Redis (scrapy-redis). Workers never touch SQLite: each item is
pushed to one Redis list, and ``portal-archive ingest --from redis://…`` is the one process
that writes the archive (SQLite wants a single writer). See docs/scaling.md.

The crash-safe shared queue (in-flight requests re-queued, workers closing when the crawl is
over, an expiring dupefilter) is crawler/redis_queue.py; this module selects it in a worker's
settings and pushes the worker's items.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import asdict, is_dataclass
from typing import Any

from scrapy import signals
from scrapy_redis.pipelines import RedisPipeline

from crawler.contracts import wire
from crawler.contracts.wire import ITEMS_KEY, PREFIX, known_key
from crawler.items import ITEM_KINDS
from crawler.redis_queue import Keys, crawl_name, worker_id

logger = logging.getLogger(__name__)


class DistributedError(Exception):
    """Redis cannot be used (unreachable, wrong URL): one line an operator can act on.

    ``bad_input``: the URL itself is wrong (exit 2); otherwise Redis did not answer (exit 1),
    as for every command that cannot reach a server.
    """

    def __init__(self, message: str, *, bad_input: bool = False) -> None:
        super().__init__(message)
        self.bad_input = bad_input


def distributed_settings(redis_url: str, *, check: bool = True) -> dict[str, Any]:
    """The Scrapy settings that make a crawl one worker of a distributed crawl on ``redis_url``.

    With ``check``, Redis is pinged first so a wrong URL is one clear error, not a traceback
    from inside Scrapy.
    """
    if check:
        ping(redis_url)
    from crawler import settings as project

    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.redis_queue.DistributedScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.redis_queue.ReliableQueue",
        "DUPEFILTER_CLASS": "crawler.redis_queue.ExpiringDupeFilter",
        "SCHEDULER_QUEUE_KEY": PREFIX + ":%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": PREFIX + ":%(spider)s:dupefilter",
        "SCHEDULER_PERSIST": True,  # one worker closing must never flush the others' queue
        "SCHEDULER_IDLE_BEFORE_CLOSE": 10,
        "REDIS_ITEMS_KEY": ITEMS_KEY,
        "ITEM_PIPELINES": {"crawler.distributed.RedisItemPipeline": 300},
        "SPIDER_MIDDLEWARES": {**project.SPIDER_MIDDLEWARES, "crawler.redis_queue.InflightMiddleware": 10},
        "PORTAL_ARCHIVE_FRONTIER": False,  # the frontier is SQLite; here Redis is the frontier
        "PORTAL_ARCHIVE_HEARTBEAT": 30.0,  # seconds without a heartbeat before a worker counts as dead
        "PORTAL_ARCHIVE_DUPEFILTER_TTL": 3 * 24 * 3600,
    }


def read_known(server: Any, portal_id: str) -> dict[str, dict[str, Any]]:
    """The portal's archived articles as the ingest published them (``crawler.contracts.wire.known_key``),
    keyed by canonical and fetched URL (the shape of ``archive.store.known_articles``)."""
    known: dict[str, dict[str, Any]] = {}
    for url, value in server.hscan_iter(known_key(portal_id), count=2000):
        info = wire.decode_known(url, value)
        known[info["url"]] = info
        if info.get("fetched_url"):
            known.setdefault(info["fetched_url"], info)
    return known


def known_from_settings(settings: Any, portal_id: str) -> dict[str, dict[str, Any]]:
    from scrapy_redis.connection import get_redis_from_settings

    return read_known(get_redis_from_settings(settings), portal_id)


def ping(redis_url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except ValueError as exc:
        raise DistributedError(f"{redis_url}: not a Redis URL ({exc}); expected redis://HOST:PORT/DB", bad_input=True) from None
    except redis.RedisError as exc:
        raise DistributedError(f"{redis_url}: cannot use Redis ({exc}); is redis-server running and the URL right (redis://HOST:PORT/DB)?") from None


def encode_item(item: Any, *, worker: str, province: str | None) -> bytes:
    """A crawler item (``crawler.items``) as the message the ingest decodes."""
    fields = asdict(item) if is_dataclass(item) else dict(item)
    return wire.encode_item(ITEM_KINDS.get(type(item), "article"), fields, worker=worker, province=province)


class RedisItemPipeline(RedisPipeline):
    """scrapy-redis' item pipeline: each item (and the worker's open/close) onto one Redis list."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RedisItemPipeline":
        pipeline = cls.from_settings(crawler.settings)
        pipeline.crawler = crawler
        pipeline.worker = worker_id()
        pipeline.pushed = 0
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def _event(self, kind: str, **extra: Any) -> None:
        spider = self.crawler.spider
        self.server.rpush(self.key, wire.encode_event(kind, worker=self.worker, portal_id=spider.portal.id, at=time.time(), **extra))

    def open_spider(self) -> None:
        portal = self.crawler.spider.portal
        heartbeat = Keys(crawl_name(self.crawler.spider), self.worker).heartbeat()
        self._event("open", portal=portal.to_row(), mode="distributed", heartbeat_key=heartbeat)

    def process_item(self, item: Any) -> Any:
        portal = self.crawler.spider.portal
        self.server.rpush(self.key, encode_item(item, worker=self.worker, province=portal.province))
        self.pushed += 1
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        from crawler.session import CrawlSession

        stats, session = self.crawler.stats, CrawlSession.from_crawler(self.crawler)
        self._event("close", reason=reason, pages_ok=session.pages_ok, start_failures=session.start_failures,
                    stats=stats.get_stats())
        sys.stderr.write(f"{spider.portal.id}: worker {self.worker} {reason}: "
                         f"{int(stats.get_value('response_received_count', 0))} pages, {self.pushed} items pushed to {self.key}\n")
