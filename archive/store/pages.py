"""Pages from elsewhere: imports (a WARC record, a saved mirror file) and re-extraction.

A page that did not come from a live crawl is stored as a crawl would store it, dated by its
record; re-extraction reads the archive's own snapshots again with a newer extractor.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from archive.store.articles import StoreResult, upsert_article
from archive.store.snapshots import store_snapshot

PageExtractor = Any  # Callable[[bytes, str, dict], dict | None]: (body, url, headers) -> article dict, or None if no article


def ingest_page(db: Database, *, portal_id: str, url: str, body: bytes, status: int, headers: dict[str, Any],
                fetched_at: str, extract: PageExtractor, origin: str, province: str | None = None,
                crawl_id: int | None = None) -> StoreResult | None:
    """Store a page that did not come from a live crawl (a WARC record, a saved mirror file).

    The page becomes a snapshot dated ``fetched_at`` (the record's date, the mirror's date);
    when ``extract`` finds an article in it, the article is stored as if crawled then.
    Returns the article's store result, or None when the page is not an article.
    """
    snapshot_id = store_snapshot(db, url=url, body=body, status=status, headers=headers, portal_id=portal_id,
                                 crawl_id=crawl_id, fetched_at=fetched_at, origin=origin)
    if status != 200:
        return None
    article = extract(body, url, headers)
    if article is None:
        return None
    return upsert_article(db, article, portal_id=portal_id, province=province, snapshot_id=snapshot_id,
                          seen_at=fetched_at, origin=origin, crawl_id=crawl_id)  # counted as it goes: a killed run's row tells


def articles_for_reextraction(db: Database, *, portal_id: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
    """Articles with their newest successful snapshot, optionally of one portal / fetched since a date."""
    where, params = ["s.status = 200"], []
    if portal_id:
        where.append("a.portal_id = ?")
        params.append(portal_id)
    if since:
        where.append("s.last_fetched_at >= ?")
        params.append(since)
    return list(db.query(
        f"""SELECT a.id, a.url, a.portal_id, a.province, s.id AS snapshot_id, s.url AS snapshot_url, s.headers,
                   s.last_fetched_at
            FROM articles a JOIN snapshots s ON s.id = (
                SELECT s2.id FROM snapshots s2 WHERE s2.url = coalesce(a.fetched_url, a.url) AND s2.status = 200
                ORDER BY s2.last_fetched_at DESC, s2.id DESC LIMIT 1)
            WHERE {' AND '.join(where)} ORDER BY a.id""", params))
