"""Run the ``portal`` spider for several portals in one Twisted reactor, politely scheduled.

The command line (``portal-archive crawl``, ``demo``) calls :func:`run_crawls` and reads the
resulting ``crawls`` rows from the archive itself: scheduling crawls is the crawler's job,
reporting them the archive's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def run_crawls(portal_ids: tuple[str, ...] | list[str], *, db_path: Path, registry: Path | None, max_pages: int | None = None,
               settings: dict[str, Any] | None = None, progress: bool = True, verbose: bool = False,
               full: bool = False, overlap: int | None = None, parallel: int = 1,
               hosts: dict[str, str] | None = None) -> list[int]:
    """Run the ``portal`` spider for each portal in this process; return the ids of their ``crawls`` rows, in order.

    Up to ``parallel`` portals are crawled at once, in one reactor (each its own Scrapy
    crawler, with its own per-host politeness); two portals on one host (``hosts``) never run
    together, or that host would get twice the requests the settings allow. The archive sees
    no concurrent writers: every storage call runs to its commit in the reactor thread.
    The first Ctrl-C (SIGINT) stops the running crawls gracefully: their rows are closed as
    ``interrupted``, their pending requests stay in the frontier for the next run, and the
    portals not started yet are not started. A portal whose crawl cannot start is one
    ``error: ID: ...`` line on stderr and no row.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from twisted.internet import defer

    scrapy_settings = Settings()
    scrapy_settings.setmodule("crawler.settings", priority="project")
    scrapy_settings.set("PORTAL_ARCHIVE_DB", str(db_path), priority="cmdline")
    scrapy_settings.set("PORTAL_ARCHIVE_REGISTRY", str(registry) if registry else "", priority="cmdline")
    scrapy_settings.set("PORTAL_ARCHIVE_PROGRESS", progress, priority="cmdline")
    scrapy_settings.set("PORTAL_ARCHIVE_PROGRESS_PLAIN", parallel > 1, priority="cmdline")  # one line each, not one rewritten
    scrapy_settings.set("LOG_LEVEL", "INFO" if verbose else "CRITICAL", priority="cmdline")
    for key, value in (settings or {}).items():
        scrapy_settings.set(key, value, priority="cmdline")
    # archive.logs may have installed the handlers already (--log-file, --log-format json)
    scrapy_settings.set("LOG_INSTALL_ROOT_HANDLER", not scrapy_settings.getbool("PORTAL_ARCHIVE_OWN_LOGGING"), priority="cmdline")
    process = CrawlerProcess(scrapy_settings)  # (the install_root_handler argument is deprecated: the setting says it)
    crawl_ids: list[int] = []

    waiting = list(portal_ids)
    running: dict[str, str] = {}  # portal id -> host
    host_of = (hosts or {}).get
    state = {"stopping": False, "done": False}

    def start_next() -> None:
        while len(running) < parallel and not state["stopping"]:
            pid = next((p for p in waiting if host_of(p, p) not in running.values()), None)
            if pid is None:
                break
            waiting.remove(pid)
            running[pid] = host_of(pid, pid)
            crawler = process.create_crawler("portal")
            try:
                started = process.crawl(crawler, portal=pid, max_pages=max_pages, full=full, overlap=overlap)
            except Exception as exc:  # noqa: BLE001 - reported below like a failing crawl
                started = defer.fail(exc)
            started.addErrback(lambda failure, pid=pid: _error(f"{pid}: {failure.value}"))
            started.addBoth(lambda _, pid=pid, crawler=crawler: finished(pid, crawler))
        if not running and not state["done"]:
            state["done"] = True
            _stop_reactor()

    def finished(pid: str, crawler: Any) -> None:  # one failing portal never stops the others
        running.pop(pid)
        if getattr(crawler.spider, "crawl_id", None):
            crawl_ids.append(crawler.spider.crawl_id)
        if crawler.stats.get_value("finish_reason") == "shutdown":
            state["stopping"] = True  # Ctrl-C: the portals not started yet are not started
        start_next()

    start_next()  # crawls are scheduled now and start with the reactor (Scrapy installs it in start)
    if not state["done"]:
        process.start(stop_after_crawl=False)
    return sorted(crawl_ids)


def _error(message: str) -> None:
    """One ``error:`` line on stderr, as the command line writes its own."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


def _stop_reactor() -> None:
    from twisted.internet import error, reactor

    try:
        if reactor.running:
            reactor.stop()
    except error.ReactorNotRunning:
        pass  # Ctrl-C/SIGTERM: Scrapy's signal handler is stopping it already (was two tracebacks)
