"""The Redis wire format of a distributed crawl (``crawler.contracts.wire``), without a Redis server.

Workers encode, the ingest decodes: these tests put what the worker side writes
(``crawler.distributed``) through what the ingest reads (``archive.commands.ingest``), on an
in-memory stand-in for the few Redis calls both make. tests/test_distributed.py runs the same
path on a real redis-server with real worker processes.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from archive import store
from crawler.contracts import wire
from crawler.items import ArticleItem, GoneItem, NotModifiedItem, PageItem

PAGE = "<html><head><title>Tiêu đề</title></head><body><h1>Đại hội Đảng bộ quận</h1></body></html>".encode()
URL = "http://127.0.0.1/vi/tin-tuc/-/view_content/1-dai-hoi.html"


class FakeRedis:
    """Lists and hashes in memory: the calls the worker pipeline, ``publish_known`` and ``read_known`` make."""

    def __init__(self) -> None:
        self.lists: dict[str, list[bytes]] = {}
        self.hashes: dict[str, dict[bytes, bytes]] = {}
        self.pending: list = []

    def rpush(self, key: str, *values: bytes | str) -> int:
        self.lists.setdefault(key, []).extend(v if isinstance(v, bytes) else v.encode() for v in values)
        return len(self.lists[key])

    def exists(self, key: str) -> int:
        return int(key in self.hashes or key in self.lists)

    def hset(self, key: str, mapping: dict[str, str]) -> None:
        self.hashes.setdefault(key, {}).update({k.encode(): v.encode() for k, v in mapping.items()})

    def delete(self, key: str) -> None:
        self.hashes.pop(key, None)
        self.lists.pop(key, None)

    def rename(self, key: str, new: str) -> None:
        self.hashes[new] = self.hashes.pop(key)

    def hscan_iter(self, key: str, count: int = 10):
        yield from self.hashes.get(key, {}).items()

    def pipeline(self, transaction: bool = False) -> "FakeRedis":
        return self

    def execute(self) -> list:
        return []


def items() -> list:
    headers = {"Content-Type": ["text/html; charset=utf-8"], "ETag": ['"v1"']}
    return [
        PageItem(portal_id="p", fetched_url="http://127.0.0.1/vi/tin-tuc", fetched_at="2025-01-02T03:04:05+00:00",
                 status=200, headers=headers, raw=b"<html>listing</html>", frontier_url="http://127.0.0.1/vi/tin-tuc"),
        ArticleItem(portal_id="p", url=URL, fetched_url=URL + "?p_p_id=x", fetched_at="2025-01-02T03:04:06+00:00",
                    status=200, headers=headers, raw=PAGE, frontier_url=URL,
                    article={"url": URL, "fetched_url": URL + "?p_p_id=x", "title": "Đại hội Đảng bộ quận",
                             "body": "Đại biểu dự đại hội.", "tags": ["Đảng bộ"], "images": []}),
        NotModifiedItem(portal_id="p", url=URL + "?p_p_id=x", fetched_at="2025-01-03T00:00:00+00:00"),
        GoneItem(portal_id="p", url=URL + "?p_p_id=x", fetched_url="http://127.0.0.1/", fetched_at="2025-01-04T00:00:00+00:00",
                 status=301, headers={}, raw=b""),
    ]


@pytest.mark.parametrize("item", items(), ids=lambda i: type(i).__name__)
def test_an_item_survives_the_round_trip(item):
    from crawler.distributed import encode_item

    message = wire.decode_message(encode_item(item, worker="host:1", province="Hà Nội"))
    fields = asdict(item)
    fields.pop("frontier_url")  # the worker's own bookkeeping stays home
    kind = {ArticleItem: "article", NotModifiedItem: "not_modified", GoneItem: "gone", PageItem: "page"}[type(item)]
    assert message == {"type": kind, "worker": "host:1", "province": "Hà Nội", **fields}


def test_a_raw_body_travels_compressed_and_comes_back_byte_for_byte():
    body = bytes(range(256)) * 50  # not text: bytes must not pass through a text codec
    encoded = wire.encode_item("page", {"portal_id": "p", "raw": body}, worker="w", province=None)
    assert body not in encoded and len(encoded) < len(body)
    assert wire.decode_message(encoded)["raw"] == body


def test_unknown_kinds_are_refused_on_the_way_out():
    with pytest.raises(ValueError, match="unknown item kind"):
        wire.encode_item("articel", {}, worker="w", province=None)
    with pytest.raises(ValueError, match="unknown event"):
        wire.encode_event("opened", worker="w", portal_id="p", at=0.0)


def test_events_carry_stats_that_json_cannot_hold_natively():
    from datetime import datetime, timezone

    started = datetime(2025, 1, 2, tzinfo=timezone.utc)
    message = wire.decode_message(wire.encode_event("close", worker="w", portal_id="p", at=1.5, stats={"start_time": started}))
    assert message == {"type": "close", "worker": "w", "portal_id": "p", "at": 1.5, "stats": {"start_time": str(started)}}
    assert wire.is_event(message) and not wire.is_event({"type": "article"})


@pytest.mark.parametrize("info", [
    {"url": URL, "fetched_url": URL, "gone_at": None, "etag": None, "last_modified": None},
    {"url": URL, "fetched_url": URL + "?p_p_id=x", "gone_at": "2025-02-01T00:00:00+00:00", "etag": '"e1"',
     "last_modified": "Wed, 15 Jan 2020 08:22:00 GMT"},
], ids=["bare", "every-field"])
def test_a_published_article_reads_back_as_the_archive_gave_it(info):
    field, value = wire.encode_known(info)
    assert field == URL and "url" not in json.loads(value)
    assert (json.loads(value) == {}) == (info["fetched_url"] == URL and info["etag"] is None)  # only what differs travels
    assert wire.decode_known(field.encode(), value.encode()) == info


def test_the_ingest_stores_what_a_worker_pushes_and_workers_read_what_it_publishes(db):
    """A worker's whole run (open, four kinds of items, close) through the worker's pipeline, the
    wire and the ingest: every item stored, the crawl row closed, the article published back."""
    from archive.commands.ingest import Ingest
    from crawler.distributed import RedisItemPipeline, read_known
    from crawler.registry import Portal

    server = FakeRedis()
    portal = Portal(id="p", name="Quận P", level="district", province="Hà Nội", base_url="http://127.0.0.1/", platform="liferay-hanoi")
    spider = SimpleNamespace(name="portal", portal=portal, portal_id="p", pages_ok=2, start_failures=[])
    stats = SimpleNamespace(get_stats=lambda: {"response_received_count": 3, "portal_archive/errors": 0},
                            get_value=lambda key, default=0: {"response_received_count": 3}.get(key, default))
    pipeline = RedisItemPipeline(server, key=wire.ITEMS_KEY)
    pipeline.crawler, pipeline.worker, pipeline.pushed = SimpleNamespace(spider=spider, stats=stats), "host:1", 0
    pipeline.open_spider()
    for item in items():
        pipeline.process_item(item)
    pipeline.spider_closed(spider, "finished")

    pushed = server.lists[wire.ITEMS_KEY]
    assert len(pushed) == 6
    ingest = Ingest(server, db)
    ingest.handle([wire.decode_message(m) for m in pushed])  # what Ingest.step does with a batch it took

    assert ingest.stored == {"articles_new": 1, "articles_unchanged": 1, "articles_gone": 1}
    article = store.find_article(db, URL)
    assert (article["title"], article["province"], json.loads(article["tags"])) == ("Đại hội Đảng bộ quận", "Hà Nội", ["Đảng bộ"])
    assert article["gone_status"] == 301
    assert store.snapshot_body(db, article["snapshot_id"]) == PAGE
    assert db.execute("SELECT outcome, mode, pages_fetched, articles_new FROM crawls").fetchall() == [("ok", "distributed", 3, 1)]
    published = read_known(server, "p")
    assert published[URL] == published[URL + "?p_p_id=x"] == store.known_articles(db, "p")[URL]
