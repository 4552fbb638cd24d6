"""The archive's storage API: schema, migrations and the functions producers call.

The crawler, re-extraction and any other producer write through these functions only, so the
rules live in one place: an article is one row per canonical URL; a crawl that sees the same
content again only moves ``last_seen_at``; changed content adds a row to ``article_versions``;
nothing is ever deleted by a crawl. WAL mode lets Datasette read while a crawl writes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Literal

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive.search import fts_schema_sql, search_migrations

SQLITE_HEADER = b"SQLite format 3\x00"
migrations = Migrations("portal-archive")
# Fields whose change makes a new version of an article (metadata such as word_count follows).
CONTENT_FIELDS = ("title", "lead", "body", "published_at", "updated_at", "author", "category", "images", "attachments")
StoreResult = Literal["new", "updated", "unchanged"]


class ArchiveError(Exception):
    """Base class of the storage errors an operator can act on."""


class DatabaseMissing(ArchiveError):
    pass


class NotAnArchive(ArchiveError):
    pass


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """CREATE TABLE portals (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT, province TEXT, base_url TEXT,
            platform TEXT, platform_hint TEXT, enabled INTEGER, start_urls TEXT,
            evidence TEXT, notes TEXT, status TEXT, updated_at TEXT)"""
    )
    db.execute(
        """CREATE TABLE crawls (
            id INTEGER PRIMARY KEY, portal_id TEXT REFERENCES portals(id), started_at TEXT,
            finished_at TEXT, outcome TEXT, message TEXT, pages_fetched INTEGER DEFAULT 0,
            articles_seen INTEGER DEFAULT 0, articles_new INTEGER DEFAULT 0,
            articles_updated INTEGER DEFAULT 0, articles_unchanged INTEGER DEFAULT 0,
            errors INTEGER DEFAULT 0, date_missing INTEGER DEFAULT 0, warnings INTEGER DEFAULT 0,
            max_pages INTEGER, args TEXT, stats TEXT)"""
    )
    db.execute(
        """CREATE TABLE snapshot_bodies (
            sha256 TEXT PRIMARY KEY, encoding TEXT NOT NULL, size INTEGER NOT NULL,
            body BLOB NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY, portal_id TEXT REFERENCES portals(id),
            crawl_id INTEGER REFERENCES crawls(id), url TEXT NOT NULL, status INTEGER,
            content_type TEXT, headers TEXT, sha256 TEXT NOT NULL REFERENCES snapshot_bodies(sha256),
            first_fetched_at TEXT, last_fetched_at TEXT, UNIQUE(url, sha256))"""
    )
    db.execute(
        """CREATE TABLE articles (
            id INTEGER PRIMARY KEY, portal_id TEXT NOT NULL REFERENCES portals(id), province TEXT,
            url TEXT NOT NULL UNIQUE, fetched_url TEXT, title TEXT, lead TEXT, body TEXT,
            body_html TEXT, author TEXT, published_at TEXT, published_date_only INTEGER DEFAULT 0,
            updated_at TEXT, category TEXT, tags TEXT, image_url TEXT, images TEXT,
            attachments TEXT, word_count INTEGER, extractor TEXT, content_hash TEXT,
            first_seen_at TEXT, last_seen_at TEXT, version INTEGER DEFAULT 1,
            snapshot_id INTEGER REFERENCES snapshots(id))"""
    )
    db.execute(
        """CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES articles(id),
            version INTEGER NOT NULL, content_hash TEXT NOT NULL, title TEXT, lead TEXT,
            body TEXT, body_html TEXT, author TEXT, published_at TEXT, updated_at TEXT,
            category TEXT, images TEXT, attachments TEXT, extractor TEXT, seen_at TEXT,
            snapshot_id INTEGER REFERENCES snapshots(id), UNIQUE(article_id, version))"""
    )
    for sql in (
        "CREATE INDEX articles_portal_published ON articles(portal_id, published_at)",
        "CREATE INDEX articles_published ON articles(published_at)",
        "CREATE INDEX article_versions_article ON article_versions(article_id)",
        "CREATE INDEX snapshots_url ON snapshots(url)",
        "CREATE INDEX crawls_portal ON crawls(portal_id, started_at)",
    ):
        db.execute(sql)
    for sql in fts_schema_sql():
        db.execute(sql)


def open_db(path: str | Path, *, create: bool = False) -> Database:
    """Open (and migrate) an archive; refuse a missing file unless ``create``, and non-SQLite files.

    Refusing early matters: ``sqlite3.connect`` would silently create an empty database at a
    mistyped path, and a crawl would then "succeed" into the wrong file.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise DatabaseMissing(f"{path}: database not found (run a crawl first, or check --db / $PORTAL_ARCHIVE_DB)")
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.is_dir():
        raise NotAnArchive(f"{path}: is a directory, not a database file")
    elif path.stat().st_size and path.open("rb").read(16) != SQLITE_HEADER:
        raise NotAnArchive(f"{path}: not an SQLite database")
    db = Database(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    tables = set(db.table_names())
    if tables and "_sqlite_migrations" not in tables:
        raise NotAnArchive(f"{path}: an SQLite database, but not a portal-archive archive (tables: {', '.join(sorted(tables)[:5])})")
    migrations.apply(db)
    search_migrations.apply(db)  # the search module's own schema (ranking indexes), applied after
    return db


def sync_portals(db: Database, portals: Iterable[dict[str, Any]]) -> None:
    """Mirror registry entries into ``portals`` so researchers can facet and join on them."""
    now = utcnow()
    rows = []
    for portal in portals:
        row = dict(portal)
        row["start_urls"] = json.dumps(row.get("start_urls", []), ensure_ascii=False)
        row["enabled"] = int(bool(row.get("enabled", True)))
        row["updated_at"] = now
        rows.append(row)
    with db.conn:
        db["portals"].upsert_all(rows, pk="id", alter=False)


def start_crawl(db: Database, portal_id: str, *, args: dict[str, Any] | None = None, max_pages: int | None = None) -> int:
    """Open a ``crawls`` row (outcome ``running``) and return its id."""
    with db.conn:
        table = db["crawls"].insert(
            {"portal_id": portal_id, "started_at": utcnow(), "outcome": "running", "max_pages": max_pages,
             "args": json.dumps(args or {}, ensure_ascii=False)}
        )
    return int(table.last_pk)


def finish_crawl(db: Database, crawl_id: int, *, outcome: str, counts: dict[str, int], message: str = "", stats: dict[str, Any] | None = None) -> None:
    """Close a ``crawls`` row with its outcome, counters and the full Scrapy stats."""
    row = {"finished_at": utcnow(), "outcome": outcome, "message": message,
           "stats": json.dumps(stats or {}, ensure_ascii=False, default=str, sort_keys=True)}
    row.update({k: int(v) for k, v in counts.items()})
    with db.conn:
        db["crawls"].update(crawl_id, row)


def store_snapshot(db: Database, *, url: str, body: bytes, status: int, headers: dict[str, Any], portal_id: str | None = None, crawl_id: int | None = None, fetched_at: str | None = None) -> int:
    """Keep a raw response, gzip-compressed and deduplicated by sha256; return the snapshot id.

    Fetching the same bytes from the same URL again only moves ``last_fetched_at``.
    """
    fetched_at = fetched_at or utcnow()
    digest = hashlib.sha256(body).hexdigest()
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO snapshot_bodies(sha256, encoding, size, body) VALUES (?, 'gzip', ?, ?)",
            [digest, len(body), gzip.compress(body, compresslevel=6, mtime=0)],
        )
        existing = db.execute("SELECT id FROM snapshots WHERE url = ? AND sha256 = ?", [url, digest]).fetchone()
        if existing:
            db.execute("UPDATE snapshots SET last_fetched_at = ?, crawl_id = ? WHERE id = ?", [fetched_at, crawl_id, existing[0]])
            return int(existing[0])
        cursor = db.execute(
            """INSERT INTO snapshots(portal_id, crawl_id, url, status, content_type, headers, sha256,
               first_fetched_at, last_fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [portal_id, crawl_id, url, status, _header(headers, "Content-Type"),
             json.dumps(headers, ensure_ascii=False), digest, fetched_at, fetched_at],
        )
        return int(cursor.lastrowid)


def snapshot_body(db: Database, snapshot_id: int) -> bytes:
    """The raw bytes of a stored response."""
    row = db.execute(
        "SELECT b.encoding, b.body FROM snapshots s JOIN snapshot_bodies b ON b.sha256 = s.sha256 WHERE s.id = ?",
        [snapshot_id],
    ).fetchone()
    if row is None:
        raise ArchiveError(f"snapshot {snapshot_id} not found")
    encoding, body = row
    return gzip.decompress(body) if encoding == "gzip" else body


def content_hash(article: dict[str, Any]) -> str:
    """A stable hash of the fields that make a version (order and JSON layout fixed)."""
    payload = json.dumps({k: article.get(k) for k in CONTENT_FIELDS}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upsert_article(db: Database, article: dict[str, Any], *, portal_id: str, province: str | None = None, snapshot_id: int | None = None, seen_at: str | None = None) -> StoreResult:
    """Store one extracted article under its canonical ``url``.

    Returns ``new`` (first time), ``updated`` (content changed: a version is added) or
    ``unchanged`` (only ``last_seen_at`` moves).
    """
    seen_at = seen_at or utcnow()
    row = _article_row(article)
    digest = content_hash(row)
    with db.conn:
        existing = db.execute("SELECT id, content_hash, version FROM articles WHERE url = ?", [row["url"]]).fetchone()
        if existing and existing[1] == digest:
            db.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", [seen_at, existing[0]])
            return "unchanged"
        version = existing[2] + 1 if existing else 1
        row.update(portal_id=portal_id, province=province, content_hash=digest, last_seen_at=seen_at,
                   version=version, snapshot_id=snapshot_id)
        if existing:
            article_id = existing[0]
            db["articles"].update(article_id, row)
        else:
            row["first_seen_at"] = seen_at
            article_id = db["articles"].insert(row).last_pk
        db["article_versions"].insert(
            {"article_id": article_id, "version": version, "content_hash": digest, "seen_at": seen_at,
             "snapshot_id": snapshot_id, "extractor": row.get("extractor"),
             **{k: row.get(k) for k in ("title", "lead", "body", "body_html", "author", "published_at", "updated_at", "category", "images", "attachments")}}
        )
    return "updated" if existing else "new"


_ARTICLE_COLUMNS = ("url", "fetched_url", "title", "lead", "body", "body_html", "author", "published_at",
                    "published_date_only", "updated_at", "category", "tags", "image_url", "images",
                    "attachments", "word_count", "extractor")


def _article_row(article: dict[str, Any]) -> dict[str, Any]:
    row = {k: article.get(k) for k in _ARTICLE_COLUMNS}
    for key in ("tags", "images", "attachments"):
        value = row.get(key)
        row[key] = json.dumps(value or [], ensure_ascii=False) if not isinstance(value, str) else value
    row["published_date_only"] = int(bool(row.get("published_date_only")))
    if not row.get("url"):
        raise ArchiveError("article without url")
    return row


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) and value else value
    return None


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``) for commands that must never write."""
    return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
