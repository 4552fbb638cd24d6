"""A crawl run as the archive records it: the stat names, the counts, the field coverage, the outcome.

A ``crawls`` row is closed by two writers: a local crawl (``crawler/session.py``, when Scrapy
closes the spider) and the Redis ingest (``archive/commands/ingest.py``, when the last worker of
a distributed run closes). An operator reads the same words from both in ``status`` and in
``crawls.outcome``/``message``, so the rules that decide them live here once, as one pure
function of the run's facts (:func:`decide_outcome`), and the counts come from the Scrapy
stats by one reading (:func:`counts_from_stats`). Plain data in, plain data out: no Scrapy,
no database (the crawler imports this module, never the other way round).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# -- the crawl's own Scrapy stats ------------------------------------------------------------
STAT = "portal_archive"  # every stat the crawl adds to Scrapy's is named portal_archive/<name>


def stat(name: str) -> str:
    """The full name of one of the crawl's own stats (``stat("errors")`` → ``portal_archive/errors``)."""
    return f"{STAT}/{name}"


OUTCOME_STAT = stat("outcome")  # what `scrapy crawl` reads for its exit status
WARNINGS_STAT = stat("warnings/")  # + the field an extraction warning is about
COVERAGE_STAT = stat("coverage/")  # + "articles" or a field in COVERAGE_FIELDS
EXTRACTOR_STAT = stat("extractor/")  # + the extractor that read an article ("fallback…" is not the profile)
KNOWN_SKIPPED_STAT = stat("known_skipped")  # archived articles listings showed, not fetched again

# Fields whose share among a crawl's articles is kept, and compared with the portal's history.
COVERAGE_FIELDS = ("title", "published_at", "lead", "body", "images")

# -- outcomes -------------------------------------------------------------------------------
OK, DEGRADED, FAILED, INTERRUPTED, KILLED, RUNNING = "ok", "degraded", "failed", "interrupted", "killed", "running"
FAILED_OUTCOMES = frozenset({FAILED, INTERRUPTED})  # a command that ran the crawl exits 1
FLAGGED_OUTCOMES = frozenset({FAILED, INTERRUPTED, KILLED, DEGRADED})  # `status` flags the portal
STOPPED_REASONS = frozenset({"shutdown", "cancelled"})  # Scrapy's close reasons for Ctrl-C / SIGTERM

NO_PAGE = "no page could be fetched"
NO_ARTICLE = "no article found: check the start URLs and the platform profile"

# -- counts ---------------------------------------------------------------------------------
# The ``crawls`` columns a worker of a distributed run contributes from its stats; the ingest
# counts the stored results (articles_*, not_modified...) itself as it stores them.
WORKER_COUNTS = ("pages_fetched", "requests", "errors", "date_missing", "warnings", "not_modified")
_STORED_COUNTS = ("articles_new", "articles_updated", "articles_unchanged", "articles_gone")


def counts_from_stats(stats: Mapping[str, Any]) -> dict[str, int]:
    """The ``crawls`` counters of a run, read from its Scrapy stats (a local crawl's whole row)."""
    get = lambda name: int(stats.get(stat(name), 0) or 0)  # noqa: E731
    counts = {
        "pages_fetched": int(stats.get("response_received_count", 0) or 0),
        "requests": int(stats.get("downloader/request_count", 0) or 0),
        "errors": get("errors"), "date_missing": get("date_missing"), "not_modified": get("not_modified"),
        "warnings": sum(int(v) for k, v in stats.items() if k.startswith(WARNINGS_STAT)),
        **{name: get(name) for name in _STORED_COUNTS},
    }
    counts["articles_seen"] = counts["articles_new"] + counts["articles_updated"] + counts["articles_unchanged"]
    return counts


def worker_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """The counters one worker's stats add to its distributed run's row (see WORKER_COUNTS)."""
    counts = counts_from_stats(stats)
    return {name: counts[name] for name in WORKER_COUNTS}


def known_skipped(stats: Mapping[str, Any]) -> int:
    """Archived articles the run's listings showed and it did not fetch again."""
    return int(stats.get(KNOWN_SKIPPED_STAT, 0) or 0)


def coverage_from_stats(stats: Mapping[str, Any]) -> dict[str, float] | None:
    """Share of the crawl's articles that had each field, from the crawl's Scrapy stats."""
    # Articles extracted in this crawl (a 304 re-check extracts nothing and does not count).
    seen = int(stats.get(COVERAGE_STAT + "articles", 0))
    if seen == 0:
        return None
    shares = {name: int(stats.get(COVERAGE_STAT + name, 0)) / seen for name in COVERAGE_FIELDS}
    fallback = sum(int(v) for k, v in stats.items() if k.startswith(EXTRACTOR_STAT + "fallback"))
    shares["profile_extractor"] = 1 - fallback / seen
    return shares


def coverage_stats(article: Any) -> list[str]:
    """The coverage stats one extracted article adds to (``articles`` and each field it has)."""
    return [COVERAGE_STAT + "articles"] + [COVERAGE_STAT + name for name in COVERAGE_FIELDS if getattr(article, name)]


# -- the outcome ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CrawlFacts:
    """What is known of a run when it ends: everything :func:`decide_outcome` reads.

    ``reason`` is why Scrapy closed a local crawl; a distributed run has ``workers`` instead
    (each worker that closed → its close reason) and ``workers_missing`` (workers that never
    closed: no heartbeat any more). ``articles`` counts the articles the run saw: fetched ones
    and, in an incremental crawl, archived ones its listings showed (so a day with nothing new
    is not a failure). ``drift`` holds the layout-drift reasons (``archive.health.crawl_drift``).
    """

    pages_ok: int
    articles: int
    reason: str = "finished"
    start_failures: Sequence[str] = ()
    storage_error: str | None = None
    drift: Sequence[str] = ()
    workers: Mapping[str, str] | None = None
    workers_missing: Sequence[str] = field(default_factory=tuple)

    @property
    def distributed(self) -> bool:
        return self.workers is not None


def decide_outcome(facts: CrawlFacts) -> tuple[str, str]:
    """How a run ended, in the words an operator reads in ``crawls.outcome``/``message``."""
    outcome, message = _how_it_ended(facts)
    if facts.storage_error:  # the archive could not be written: nothing else matters
        outcome, message = FAILED, facts.storage_error
    elif outcome == OK and facts.drift:  # a redesign the profile no longer reads: keep the articles, raise the alarm
        outcome, message = DEGRADED, "layout drift: " + "; ".join(facts.drift)
    if facts.workers_missing:
        message = (message + "; " if message else "") + (
            f"worker(s) {', '.join(facts.workers_missing)} stopped without closing; the others re-queued their requests")
    return outcome, message


def _how_it_ended(facts: CrawlFacts) -> tuple[str, str]:
    reasons = set(facts.workers.values()) if facts.workers is not None else {facts.reason}
    if reasons & STOPPED_REASONS:
        if facts.distributed:
            return INTERRUPTED, "a worker was stopped before the end; run the workers again to finish"
        return INTERRUPTED, f"stopped before the end ({facts.reason})"
    if facts.distributed and not facts.workers:
        return KILLED, "no worker closed its run (killed?); start workers again: the queue in Redis is kept"
    if facts.pages_ok == 0:
        if not facts.start_failures:
            return FAILED, NO_PAGE
        return FAILED, f"start URL unreachable ({len(facts.start_failures)} failed), first: {facts.start_failures[0]}"
    if facts.articles == 0:
        return FAILED, NO_ARTICLE
    early = sorted(reasons - {"finished"})
    if early:
        return FAILED, (f"a worker closed early: {', '.join(early)}" if facts.distributed else f"closed early: {facts.reason}")
    return OK, ""
