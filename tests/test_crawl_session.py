"""One crawl, one session, one connection (crawler/session.py), and one set of outcome words
whoever closes the run: the local crawl's session or the Redis ingest (archive/crawls.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from archive import store
from archive.demo import generate_articles
from archive.demo.site import DemoPortal
from tests.conftest import ROOT, write_registry

# A crawl in a process of its own (the reactor starts once per process), counting every SQLite
# connection opened to the archive until the spider has closed, and noting which session
# object each component of the crawl holds.
CRAWL = r"""
import json, sys
import sqlite_utils.db
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

db_path, registry, portal_id = sys.argv[1:4]
opened = []
connect = sqlite_utils.db.sqlite3.connect
def counting(database, *args, **kwargs):
    opened.append(str(database))
    return connect(database, *args, **kwargs)
sqlite_utils.db.sqlite3.connect = counting

settings = Settings()
settings.setmodule("crawler.settings", priority="project")
settings.setdict({"PORTAL_ARCHIVE_DB": db_path, "PORTAL_ARCHIVE_REGISTRY": registry, "DOWNLOAD_DELAY": 0,
                  "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"}, priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler("portal")
seen = {}

def opened_spider(spider):
    scraper = crawler.engine.scraper
    seen["spider"] = id(spider.session)
    seen["crawler"] = id(crawler.portal_session)
    seen["extensions"] = [id(m) for m in crawler.extensions.middlewares if type(m).__name__ == "CrawlSession"]
    seen["pipelines"] = [id(m.session) for m in scraper.itemproc.middlewares if hasattr(m, "session")]
    seen["spider middlewares"] = [id(m.session) for m in scraper.spidermw.middlewares if hasattr(m, "session")]

def closed_spider(spider, reason):
    seen["connections at close"] = len([p for p in opened if p == db_path])

crawler.signals.connect(opened_spider, signal=signals.spider_opened)
crawler.signals.connect(closed_spider, signal=signals.spider_closed)
process.crawl(crawler, portal=portal_id)
process.start()
print(json.dumps(seen))
"""


def test_a_crawl_opens_the_archive_once_and_its_components_share_one_session(tmp_path: Path) -> None:
    # The spider's frontier and the pipeline each opened the archive: two connections of one
    # process on one SQLite file (whose POSIX locks the process shares), which the store had
    # to guard against. Now the crawl session holds the one connection.
    db_file = tmp_path / "archive.db"
    store.open_db(db_file, create=True).close()
    with DemoPortal(generate_articles(12, seed=61)) as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
        result = subprocess.run([sys.executable, "-c", CRAWL, str(db_file), str(registry), site.registry_entry()["id"]],
                                capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["connections at close"] == 1
    session = seen["crawler"]
    assert seen["spider"] == session and seen["extensions"] == [session]
    assert seen["pipelines"] == [session] and seen["spider middlewares"] == [session]
    conn = sqlite3.connect(db_file)
    assert conn.execute("select outcome, articles_new from crawls").fetchall() == [("ok", 12)]
    assert conn.execute("select count(*) from frontier").fetchone() == (0,)  # a finished crawl clears its frontier


def _crawler(tmp_path: Path, **settings: object):
    values = Settings()
    values.setmodule("crawler.settings", priority="project")
    values = {k: values[k] for k in values if k.isupper()}
    values.update(TWISTED_REACTOR_ENABLED=False, **settings)  # no reactor: nothing is crawled here
    return get_crawler(settings_dict=values)


ENTRY = {"id": "hoang-mai", "name": "Quận Hoàng Mai", "level": "quận", "province": "Hà Nội", "base_url": "http://127.0.0.1:9",
         "platform": "liferay-hanoi", "enabled": True, "start_urls": ["/vi/tin-tuc"]}
FAILURE = ("http://127.0.0.1:9/vi/tin-tuc", "Connection was refused by other side: 111: Connection refused.")


@pytest.mark.parametrize("pages_ok, start_failures, listed", [
    (0, [FAILURE], 0),  # the start URL unreachable
    (0, [], 0),  # nothing fetched, no start URL failed (robots.txt refused everything)
    (3, [], 0),  # pages, but no article on them
    (3, [], 4),  # nothing new: the listings showed archived articles only
])
def test_a_local_crawl_and_the_redis_ingest_close_a_run_in_the_same_words(tmp_path: Path, pages_ok: int,
                                                                          start_failures: list, listed: int) -> None:
    from archive.commands.ingest import Ingest
    from crawler.pipelines import ArchivePipeline
    from crawler.spiders.portal import PortalSpider

    registry = write_registry(tmp_path / "portals.toml", [ENTRY])
    db_file = tmp_path / "archive.db"
    crawler = _crawler(tmp_path, PORTAL_ARCHIVE_DB=str(db_file), PORTAL_ARCHIVE_REGISTRY=str(registry))
    crawler.spider = spider = PortalSpider.from_crawler(crawler, portal=ENTRY["id"])
    ArchivePipeline.from_crawler(crawler).open_spider()
    session = crawler.portal_session
    session.pages_ok = pages_ok
    for url, reason in start_failures:
        session.start_failed(url, reason)
    crawler.stats.set_value("portal_archive/known_skipped", listed)
    spider.closed("finished")
    session.close("finished")

    db = store.open_db(db_file)
    ingest = Ingest(None, db)  # the closing needs no Redis: workers' messages are given as read
    ingest.event({"type": "open", "portal_id": ENTRY["id"], "worker": "w1"})
    ingest.event({"type": "close", "portal_id": ENTRY["id"], "worker": "w1", "reason": "finished", "pages_ok": pages_ok,
                  "start_failures": [f"{url}: {reason}" for url, reason in start_failures],
                  "stats": {"portal_archive/known_skipped": listed}})
    rows = db.execute("select mode, outcome, message from crawls order by id").fetchall()
    db.close()
    assert [mode for mode, _, _ in rows] == ["incremental", "distributed"]
    assert rows[0][1:] == rows[1][1:]
    assert rows[0][1] == ("ok" if listed else "failed")


def test_the_spider_reaches_the_archive_only_through_its_session() -> None:
    # It imported the store and opened its own connection (the frontier's); what it needs from
    # the archive (known articles, a learned template, the frontier) the session now gives it.
    import ast

    tree = ast.parse((ROOT / "crawler" / "spiders" / "portal.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert not {name for name in imported if name.startswith(("archive.db", "sqlite3", "sqlite_utils", "archive.store"))}
    assert "crawler.session" in imported
