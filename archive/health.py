"""Crawl health: per-portal status, staleness and layout drift, computed from the archive.

Operators run dozens of portals unattended; a portal that stops publishing, a crawl that fails,
and — the quiet one — a redesign that makes the extractor miss dates or bodies must each show
up as a flag instead of as a slow decline in quality nobody notices.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from archive.crawls import COVERAGE_STAT, FLAGGED_OUTCOMES, coverage_from_stats

DRIFT_DROP = 0.20  # a share falling by more than 20 points against the recent median is drift
HISTORY_CRAWLS = 5
MIN_ARTICLES_FOR_DRIFT = 5  # too few articles make shares meaningless
STALE_FACTOR = 3.0  # newest article older than 3 × the usual gap between articles
STALE_MIN_DAYS = 14.0


@dataclass
class PortalHealth:
    portal_id: str
    name: str
    last_crawl_at: str | None = None
    outcome: str | None = None
    message: str = ""
    new_articles: int = 0
    error_rate: float | None = None
    articles: int = 0
    newest_article: str | None = None
    days_since_new: float | None = None
    cadence_days: float | None = None
    closed: str | None = None  # the day the portal went dark (registry ``closed``), as last synced
    last_recovered: str | None = None  # the last finished recovery from a web archive (``crawl --wayback``)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_drift(current: dict[str, float], history: list[dict[str, float]], drop: float = DRIFT_DROP) -> list[str]:
    """Fields whose share fell by more than ``drop`` against the median of recent crawls.

    Returns readable reasons ("published_at 100% → 0%"); empty when there is no history yet.
    """
    reasons = []
    if not history:
        return reasons
    for name, share in current.items():
        past = [h[name] for h in history if name in h]
        if not past:
            continue
        usual = statistics.median(past)
        if usual - share > drop:
            reasons.append(f"{name} {usual:.0%} → {share:.0%}")
    return reasons


def crawl_drift(db: Database, crawl_id: int, stats: dict[str, Any]) -> list[str]:
    """Drift reasons of one crawl against the portal's previous crawls."""
    current = coverage_from_stats(stats)
    if current is None or int(stats.get(COVERAGE_STAT + "articles", 0)) < MIN_ARTICLES_FOR_DRIFT:
        return []
    portal_id = db.execute("select portal_id from crawls where id = ?", [crawl_id]).fetchone()[0]
    rows = db.execute(
        "select stats from crawls where portal_id = ? and id < ? and outcome in ('ok', 'degraded') order by id desc limit ?",
        [portal_id, crawl_id, HISTORY_CRAWLS],
    ).fetchall()
    history = [c for c in (coverage_from_stats(json.loads(r[0] or "{}")) for r in rows) if c is not None]
    return detect_drift(current, history)


def portal_health(db: Database, *, now: datetime | None = None, portal_ids: list[str] | None = None) -> list[PortalHealth]:
    """One :class:`PortalHealth` per portal that has been crawled (or is asked for)."""
    now = now or datetime.now(timezone.utc)
    names = dict(db.execute("select id, name from portals").fetchall())
    closed = dict(db.execute("select id, closed from portals").fetchall()) if "closed" in db["portals"].columns_dict else {}
    recovered = dict(db.execute("select portal_id, max(finished_at) from crawls where mode = 'wayback' "
                                "and outcome in ('ok', 'degraded') group by portal_id").fetchall())
    wanted = portal_ids or [r[0] for r in db.execute("select distinct portal_id from crawls order by portal_id")]
    result = []
    for portal_id in wanted:
        health = PortalHealth(portal_id=portal_id, name=names.get(portal_id, portal_id))
        last = db.execute(
            "select started_at, outcome, message, articles_new, errors, pages_fetched from crawls "
            "where portal_id = ? and outcome != 'running' order by id desc limit 1", [portal_id]).fetchone()
        if last:
            health.last_crawl_at, health.outcome, health.message, health.new_articles = last[0], last[1], last[2] or "", last[3] or 0
            health.error_rate = (last[4] or 0) / last[5] if last[5] else None
        counts = db.execute("select count(*), max(published_at), max(first_seen_at) from articles where portal_id = ?", [portal_id]).fetchone()
        health.articles, health.newest_article = counts[0], counts[1]
        if counts[2]:
            health.days_since_new = round((now - datetime.fromisoformat(counts[2])).total_seconds() / 86400, 1)
        health.cadence_days = _cadence_days(db, portal_id)
        health.closed, health.last_recovered = closed.get(portal_id) or None, recovered.get(portal_id)
        health.flags = _flags(health, now)
        result.append(health)
    return result


def _cadence_days(db: Database, portal_id: str) -> float | None:
    """Median gap in days between the portal's 30 newest publication dates."""
    dates = [datetime.fromisoformat(r[0]) for r in db.execute(
        "select published_at from articles where portal_id = ? and published_at is not null order by published_at desc limit 30",
        [portal_id])]
    gaps = [(a - b).total_seconds() / 86400 for a, b in zip(dates, dates[1:])]
    return round(statistics.median(gaps), 2) if len(gaps) >= 3 else None


def _flags(health: PortalHealth, now: datetime) -> list[str]:
    flags = []
    if health.outcome in FLAGGED_OUTCOMES:
        flags.append(health.outcome)
    if health.error_rate is not None and health.error_rate > 0.5:
        flags.append("errors")
    if health.newest_article and health.cadence_days is not None and not health.closed:  # a closed portal publishes nothing new
        age = (now - datetime.fromisoformat(health.newest_article)).total_seconds() / 86400
        if age > max(STALE_MIN_DAYS, STALE_FACTOR * health.cadence_days):
            flags.append("stale")
    return flags
