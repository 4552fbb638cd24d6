"""Articles and every version of them: the rules of what a stored article is.

An article is one row per canonical URL; storing the same content again only moves
``last_seen_at``; changed content adds a row to ``article_versions`` (and the article row
shows the newest); an article the portal no longer serves is marked gone, never deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from sqlite_utils import Database

from archive import stories
from archive.store.crawls import bump_crawl
from archive.store.errors import ArchiveError
from archive.store.snapshots import header_value
from archive.store.transactions import transaction, utcnow

# Fields whose change makes a new version of an article (metadata such as word_count follows).
CONTENT_FIELDS = ("title", "lead", "body", "published_at", "updated_at", "author", "category", "images", "attachments")
# The article's content as each version keeps it.
_VERSION_FIELDS = ("title", "lead", "body", "body_html", "author", "source", "published_at", "updated_at", "category", "images",
                   "attachments")
# Content fields added after archives existed: hashed only when set, so the articles stored
# before them keep their hash (and no re-extraction makes a version of an unchanged article).
_LATER_CONTENT_FIELDS = ("source",)
StoreResult = Literal["new", "updated", "unchanged"]

_ARTICLE_COLUMNS = ("url", "fetched_url", "title", "lead", "body", "body_html", "author", "source", "published_at",
                    "published_date_only", "updated_at", "category", "tags", "image_url", "images",
                    "attachments", "word_count", "extractor", "template")


def article_row(article: dict[str, Any]) -> dict[str, Any]:
    """The ``articles`` columns of an extracted article (lists as JSON), before its hash and dates."""
    row = {k: article.get(k) for k in _ARTICLE_COLUMNS}
    for key in ("tags", "images", "attachments"):
        value = row.get(key)
        row[key] = json.dumps(value or [], ensure_ascii=False) if not isinstance(value, str) else value
    row["published_date_only"] = int(bool(row.get("published_date_only")))
    if not row.get("url"):
        raise ArchiveError("article without url")
    return row


def content_hash(article: dict[str, Any]) -> str:
    """A stable hash of the fields that make a version (order and JSON layout fixed)."""
    fields = {k: article.get(k) for k in CONTENT_FIELDS}
    fields.update({k: article[k] for k in _LATER_CONTENT_FIELDS if article.get(k) is not None})
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upsert_article(db: Database, article: dict[str, Any], *, portal_id: str, province: str | None = None, snapshot_id: int | None = None, seen_at: str | None = None, origin: str = "crawl", sighting: bool = True, crawl_id: int | None = None, assign_story: bool = True) -> StoreResult:
    """Store one extracted article under its canonical ``url``.

    Returns ``new`` (first time), ``updated`` (content changed: a version is added) or
    ``unchanged`` (only ``last_seen_at`` moves). ``origin`` says where the content came from
    (``crawl``, ``reextract``, ``warc``, ``mirror``) and is kept on the version. A
    ``sighting`` (a fetch, an import) moves ``last_seen_at`` and clears ``gone_at``;
    re-extraction from a stored snapshot is no sighting and only refreshes the content.
    With ``crawl_id``, the result is counted on that crawl row in the same transaction.
    New or changed content is given its story (archive/stories.py) in the same transaction,
    unless ``assign_story`` is False (a batch assigns its stories at its end, in item order).
    """
    seen_at = seen_at or utcnow()
    row = article_row(article)
    digest = content_hash(row)
    articles = db.table("articles")
    with transaction(db):
        existing = next(db.query("SELECT id, content_hash, version, first_seen_at, last_seen_at FROM articles WHERE url = ?",
                                 [row["url"]]), None)
        if existing and existing["content_hash"] == digest:
            if sighting:
                db.execute("UPDATE articles SET last_seen_at = max(coalesce(last_seen_at, ''), ?), first_seen_at = min(coalesce(first_seen_at, ?), ?), "
                           "gone_at = NULL, gone_status = NULL WHERE id = ?", [seen_at, seen_at, seen_at, existing["id"]])
            else:  # same content: metadata an improved extractor reads (body_html, word_count, ...) still follows
                articles.update(existing["id"], {k: row[k] for k in _METADATA_COLUMNS})
            bump_crawl(db, crawl_id, "articles_unchanged")
            return "unchanged"
        if existing and sighting and seen_at < (existing["last_seen_at"] or "") and db.execute(
                "SELECT 1 FROM article_versions WHERE article_id = ? AND content_hash = ?", [existing["id"], digest]).fetchone():
            # Seen before the article's last sighting (a web archive's older capture, an older
            # copy imported late, a resumed recovery) with the content of one of its versions:
            # a sighting of that version, not a newer one.
            db.execute("UPDATE articles SET first_seen_at = min(coalesce(first_seen_at, ?), ?) WHERE id = ?",
                       [seen_at, seen_at, existing["id"]])
            bump_crawl(db, crawl_id, "articles_unchanged")
            return "unchanged"
        version = existing["version"] + 1 if existing else 1
        row.update(portal_id=portal_id, province=province, content_hash=digest, version=version, snapshot_id=snapshot_id)
        if existing:
            article_id = existing["id"]
            if sighting:
                row.update(last_seen_at=max(existing["last_seen_at"] or "", seen_at),
                           first_seen_at=min(existing["first_seen_at"] or seen_at, seen_at), gone_at=None, gone_status=None)
            articles.update(article_id, row)
        else:
            row.update(first_seen_at=seen_at, last_seen_at=seen_at)
            article_id = articles.insert(row).last_rowid
        db.table("article_versions").insert(version_row(article_id, row, seen_at=seen_at, origin=origin))
        if assign_story:
            stories.assign_story(db, article_id, row["title"], row["lead"], row["body"])
        bump_crawl(db, crawl_id, "articles_updated" if existing else "articles_new")
    return "updated" if existing else "new"


def version_row(article_id: int, row: dict[str, Any], *, seen_at: str, origin: str) -> dict[str, Any]:
    """The ``article_versions`` row of an article row as just stored (its content, version and hash)."""
    return {"article_id": article_id, "version": row["version"], "content_hash": row["content_hash"], "seen_at": seen_at,
            "snapshot_id": row["snapshot_id"], "extractor": row.get("extractor"), "origin": origin,
            **{k: row.get(k) for k in _VERSION_FIELDS}}


_METADATA_COLUMNS = ("fetched_url", "body_html", "published_date_only", "tags", "image_url", "word_count", "extractor", "template")


def touch_article(db: Database, url: str, *, seen_at: str | None = None, crawl_id: int | None = None) -> bool:
    """A conditional request answered 304: the article was seen unchanged. False when unknown."""
    seen_at = seen_at or utcnow()
    with transaction(db):
        cursor = db.execute(
            "UPDATE articles SET last_seen_at = max(coalesce(last_seen_at, ''), ?), gone_at = NULL, gone_status = NULL "
            "WHERE id = (SELECT id FROM articles WHERE url = ? OR fetched_url = ? LIMIT 1)", [seen_at, url, url])
        if cursor.rowcount > 0:
            bump_crawl(db, crawl_id, "articles_unchanged")
    return cursor.rowcount > 0


def mark_gone(db: Database, url: str, *, status: int, at: str | None = None, crawl_id: int | None = None) -> bool:
    """The portal no longer serves an archived article (404/410, or a redirect to its home page).

    The article and its versions stay; ``gone_at`` keeps the first time it was found missing.
    Returns False when the URL is not an archived article.
    """
    at = at or utcnow()
    with transaction(db):
        cursor = db.execute(
            "UPDATE articles SET gone_at = coalesce(gone_at, ?), gone_status = ? WHERE url = ? OR fetched_url = ?",
            [at, status, url, url])
        if cursor.rowcount > 0:
            bump_crawl(db, crawl_id, "articles_gone")
    return cursor.rowcount > 0


_KNOWN_SQL = """SELECT a.url, a.fetched_url, a.gone_at,
                  (SELECT s.headers FROM snapshots s WHERE s.url = coalesce(a.fetched_url, a.url) AND s.status = 200
                   ORDER BY s.last_fetched_at DESC, s.id DESC LIMIT 1)
               FROM articles a WHERE a.portal_id = ?"""


def known_articles(db: Database, portal_id: str, urls: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """The portal's archived articles keyed by canonical and fetched URL, with HTTP validators.

    What an incremental crawl needs to skip known articles and to re-check them with a
    conditional request (``etag``/``last_modified`` of the newest snapshot of the page).
    With ``urls``, only the articles stored under those canonical URLs (what a batch changed).
    """
    sql = _KNOWN_SQL
    if urls is None:
        rows: Iterable[tuple] = db.execute(sql, [portal_id]).fetchall()
    else:
        rows = [r for chunk in chunks(sorted(set(urls)))
                for r in db.execute(f"{sql} AND a.url IN ({', '.join('?' * len(chunk))})", [portal_id, *chunk])]
    known: dict[str, dict[str, Any]] = {}
    for info in _known_infos(rows):
        known[info["url"]] = info
        known.setdefault(info["fetched_url"], info)
    return known


def iter_known_articles(db: Database, portal_id: str) -> Iterator[dict[str, Any]]:
    """The portal's archived articles one at a time (the values of :func:`known_articles`).

    For a crawl of a large portal: it keeps them on disk (``crawler.known``) rather than in a dict.
    """
    yield from _known_infos(db.execute(_KNOWN_SQL, [portal_id]))


def _known_infos(rows: Iterable[tuple]) -> Iterator[dict[str, Any]]:
    for url, fetched_url, gone_at, headers in rows:
        parsed = json.loads(headers) if headers else {}
        yield {"url": url, "fetched_url": fetched_url or url, "gone_at": gone_at,
               "etag": header_value(parsed, "ETag"), "last_modified": header_value(parsed, "Last-Modified")}


def find_article(db: Database, url: str) -> dict[str, Any] | None:
    """The article stored under ``url`` (canonical or fetched URL)."""
    return next(db.query("SELECT * FROM articles WHERE url = ? OR fetched_url = ? ORDER BY url = ? DESC LIMIT 1", [url, url, url]), None)


def article_versions(db: Database, article_id: int) -> list[dict[str, Any]]:
    """Every version of an article, oldest first (what ``history`` shows and compares)."""
    return list(db.query("SELECT * FROM article_versions WHERE article_id = ? ORDER BY version", [article_id]))


def chunks(values: list[str], size: int = 400) -> Iterator[list[str]]:
    """``values`` in pieces small enough to bind as ``IN (?, ...)`` (twice, where a query needs it)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
