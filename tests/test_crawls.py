"""The crawl-run rules (archive/crawls.py): one outcome function for the local crawl and the
Redis ingest, the counters read from Scrapy stats, the field coverage."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from archive import crawls
from archive.crawls import CrawlFacts, decide_outcome

FAILURE = "http://p.example/vi/tin-tuc: HTTP 404"


@pytest.mark.parametrize("facts, expected", [
    (CrawlFacts(pages_ok=3, articles=2), ("ok", "")),
    (CrawlFacts(pages_ok=3, articles=0), ("failed", "no article found: check the start URLs and the platform profile")),
    (CrawlFacts(pages_ok=0, articles=0), ("failed", "no page could be fetched")),
    (CrawlFacts(pages_ok=0, articles=0, start_failures=[FAILURE, "x"]),
     ("failed", f"start URL unreachable (2 failed), first: {FAILURE}")),
    (CrawlFacts(pages_ok=3, articles=2, reason="shutdown"), ("interrupted", "stopped before the end (shutdown)")),
    (CrawlFacts(pages_ok=0, articles=0, reason="cancelled"), ("interrupted", "stopped before the end (cancelled)")),
    (CrawlFacts(pages_ok=3, articles=2, reason="closespider_errorcount"), ("failed", "closed early: closespider_errorcount")),
    (CrawlFacts(pages_ok=3, articles=2, drift=["body 100% → 0%", "lead 90% → 10%"]),
     ("degraded", "layout drift: body 100% → 0%; lead 90% → 10%")),
    # the archive could not be written: that is the message, whatever else happened
    (CrawlFacts(pages_ok=3, articles=2, reason="storage_error", storage_error="cannot write", drift=["body"]), ("failed", "cannot write")),
    (CrawlFacts(pages_ok=3, articles=2, reason="shutdown", storage_error="cannot write"), ("failed", "cannot write")),
    # drift only degrades a run that was otherwise ok
    (CrawlFacts(pages_ok=3, articles=0, drift=["body 100% → 0%"]), ("failed", crawls.NO_ARTICLE)),
])
def test_a_local_crawls_outcome(facts: CrawlFacts, expected: tuple[str, str]) -> None:
    assert decide_outcome(facts) == expected


@pytest.mark.parametrize("facts, expected", [
    (CrawlFacts(pages_ok=5, articles=4, workers={"a": "finished", "b": "finished"}), ("ok", "")),
    (CrawlFacts(pages_ok=5, articles=4, workers={"a": "finished", "b": "shutdown"}),
     ("interrupted", "a worker was stopped before the end; run the workers again to finish")),
    (CrawlFacts(pages_ok=0, articles=0, workers={}, workers_missing=["h:1"]),
     ("killed", "no worker closed its run (killed?); start workers again: the queue in Redis is kept; "
                "worker(s) h:1 stopped without closing; the others re-queued their requests")),
    (CrawlFacts(pages_ok=5, articles=4, workers={"a": "finished", "b": "closespider_errorcount", "c": "memusage_exceeded"}),
     ("failed", "a worker closed early: closespider_errorcount, memusage_exceeded")),
    (CrawlFacts(pages_ok=5, articles=4, workers={"a": "finished"}, workers_missing=["h:1", "h:2"]),
     ("ok", "worker(s) h:1, h:2 stopped without closing; the others re-queued their requests")),
])
def test_a_distributed_runs_outcome(facts: CrawlFacts, expected: tuple[str, str]) -> None:
    assert decide_outcome(facts) == expected


@pytest.mark.parametrize("local, workers", [
    (CrawlFacts(pages_ok=0, articles=0, start_failures=[FAILURE]), {"a": "finished"}),
    (CrawlFacts(pages_ok=0, articles=0), {"a": "finished", "b": "finished"}),
    (CrawlFacts(pages_ok=4, articles=0), {"a": "finished"}),
    (CrawlFacts(pages_ok=4, articles=3), {"a": "finished"}),
])
def test_the_same_facts_read_the_same_locally_and_distributed(local: CrawlFacts, workers: dict[str, str]) -> None:
    distributed = CrawlFacts(pages_ok=local.pages_ok, articles=local.articles, start_failures=local.start_failures, workers=workers)
    assert decide_outcome(local) == decide_outcome(distributed)


def test_counts_come_from_the_stats_by_one_reading() -> None:
    stats = {"response_received_count": 12, "downloader/request_count": 14, "portal_archive/errors": 2,
             "portal_archive/articles_new": 5, "portal_archive/articles_updated": 1, "portal_archive/articles_unchanged": 3,
             "portal_archive/articles_gone": 1, "portal_archive/not_modified": 4, "portal_archive/date_missing": 1,
             "portal_archive/warnings/lead": 2, "portal_archive/warnings/body": 1, "portal_archive/known_skipped": 7,
             "portal_archive/other": 99}
    assert crawls.counts_from_stats(stats) == {
        "pages_fetched": 12, "requests": 14, "errors": 2, "date_missing": 1, "not_modified": 4, "warnings": 3,
        "articles_new": 5, "articles_updated": 1, "articles_unchanged": 3, "articles_gone": 1, "articles_seen": 9}
    assert crawls.worker_counts(stats) == {"pages_fetched": 12, "requests": 14, "errors": 2, "date_missing": 1,
                                           "warnings": 3, "not_modified": 4}
    assert crawls.known_skipped(stats) == 7 and crawls.known_skipped({}) == 0
    assert crawls.counts_from_stats({}) == dict.fromkeys(crawls.counts_from_stats(stats), 0)


def test_coverage_stats_of_an_article_are_what_the_coverage_reads() -> None:
    article = SimpleNamespace(title="T", published_at=None, lead="", body="B", images=["i.jpg"])
    keys = crawls.coverage_stats(article)
    assert keys == ["portal_archive/coverage/articles", "portal_archive/coverage/title",
                    "portal_archive/coverage/body", "portal_archive/coverage/images"]
    stats = dict.fromkeys(keys, 2) | {"portal_archive/extractor/fallback": 1}
    assert crawls.coverage_from_stats(stats) == {"title": 1.0, "published_at": 0.0, "lead": 0.0, "body": 1.0, "images": 1.0,
                                                 "profile_extractor": 0.5}
