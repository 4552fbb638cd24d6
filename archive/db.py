"""The archive's storage API: schema, migrations and the functions producers call.

The crawler, re-extraction and any other producer write through these functions only, so the
rules live in one place: an article is one row per canonical URL; a crawl that sees the same
content again only moves ``last_seen_at``; changed content adds a row to ``article_versions``;
nothing is ever deleted by a crawl. WAL mode lets Datasette read while a crawl writes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive import compression, stories
from archive.search import fts_schema_sql, search_migrations

migrations = Migrations("portal-archive")
# Fields whose change makes a new version of an article (metadata such as word_count follows).
CONTENT_FIELDS = ("title", "lead", "body", "published_at", "updated_at", "author", "category", "images", "attachments")
# The article's content as each version keeps it.
_VERSION_FIELDS = ("title", "lead", "body", "body_html", "author", "source", "published_at", "updated_at", "category", "images",
                   "attachments")
# Content fields added after archives existed: hashed only when set, so the articles stored
# before them keep their hash (and no re-extraction makes a version of an unchanged article).
_LATER_CONTENT_FIELDS = ("source",)
StoreResult = Literal["new", "updated", "unchanged"]


class ArchiveError(Exception):
    """Base class of the storage errors an operator can act on."""


class DatabaseMissing(ArchiveError):
    pass


class NotAnArchive(ArchiveError):
    pass


class ArchiveNeedsUpgrade(ArchiveError):
    """A reader met an archive of an older schema: readers never migrate, a writing command does."""


class ArchiveReadOnly(ArchiveError):
    """The archive (or its folder) cannot be written by this user."""


def _read_only_message(path: Path, error: Exception) -> str:
    return (f"{path}: the archive is read-only for this user ({error}): make the file and its folder writable "
            f"(SQLite writes {path.name}-wal and {path.name}-shm beside it) — nothing was changed")


def require_writable(db: Database, path: str | Path) -> None:
    """Refuse a read-only archive before a crawl or an import starts, not at its first write.

    Readers (status, serve, history) work on a read-only archive; a writer would otherwise
    fetch pages it cannot store, or fail deep inside Scrapy with SQLite's bare message.
    """
    try:  # a write of the header page, rolled back: BEGIN IMMEDIATE alone passes on a read-only file
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            version = db.conn.execute("PRAGMA user_version").fetchone()[0]
            db.conn.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "readonly" in str(error) or "read-only" in str(error):
            raise ArchiveReadOnly(_read_only_message(Path(path), error)) from None
        raise


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """One atomic write: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error.

    ``with db.conn:`` is not enough: sqlite-utils' ``Database.execute`` commits each write that
    opens an implicit transaction, so an article row and its version would be two commits,
    and a SIGKILL between them leaves an article without a version.
    """
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    if db.conn.in_transaction:
        db.conn.execute("COMMIT")


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


@migrations()
def m002_history(db: Database) -> None:
    """Takedowns, provenance of versions, the durable crawl frontier and richer crawl rows.

    Added in place (ALTER TABLE ADD COLUMN), so an archive made by m001 upgrades on open.
    """
    for table, column, kind in (
        ("articles", "gone_at", "TEXT"), ("articles", "gone_status", "INTEGER"),
        ("article_versions", "origin", "TEXT"), ("snapshots", "origin", "TEXT"),
        ("crawls", "mode", "TEXT"), ("crawls", "requests", "INTEGER DEFAULT 0"),
        ("crawls", "not_modified", "INTEGER DEFAULT 0"), ("crawls", "articles_gone", "INTEGER DEFAULT 0"),
        ("crawls", "resumed_from", "INTEGER"), ("crawls", "pid", "INTEGER"),
    ):
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    db.execute(
        """CREATE TABLE frontier (
            portal_id TEXT NOT NULL, url TEXT NOT NULL, meta TEXT, headers TEXT,
            state TEXT NOT NULL DEFAULT 'pending', crawl_id INTEGER, added_at TEXT, done_at TEXT,
            PRIMARY KEY (portal_id, url))"""
    )
    db.execute("CREATE INDEX frontier_pending ON frontier(portal_id, state)")
    db.execute("CREATE INDEX articles_fetched_url ON articles(fetched_url)")
    db.execute("CREATE INDEX snapshots_portal ON snapshots(portal_id, last_fetched_at)")


@migrations()
def m003_compression_dicts(db: Database) -> None:
    """zstd dictionaries, one per portal, trained on its own pages (see archive/compression.py).

    Older snapshots keep their gzip bodies; ``snapshot_bodies.encoding`` says how to read each.
    """
    db.execute(
        """CREATE TABLE compression_dicts (
            id INTEGER PRIMARY KEY, portal_id TEXT, created_at TEXT, samples INTEGER,
            size INTEGER, dict BLOB NOT NULL)"""
    )
    db.execute("CREATE INDEX compression_dicts_portal ON compression_dicts(portal_id)")


@migrations()
def m004_filter_indexes(db: Database) -> None:
    """Indexes for the search form's province and category choices and Datasette's facets on
    them: without, each reads every article (both columns sit in rows whose bodies spill onto
    overflow pages), 0.9–1.5 s at a million articles."""
    db.execute("CREATE INDEX IF NOT EXISTS articles_province ON articles(province)")
    db.execute("CREATE INDEX IF NOT EXISTS articles_category ON articles(category)")


@migrations()
def m005_learned_templates(db: Database) -> None:
    """Per-portal templates learned from the portals' own pages (crawler/extract/template.py),
    the template each article was extracted with (so a changed template finds the articles to
    re-extract), and why a registry entry is disabled."""
    db.execute(
        """CREATE TABLE portal_templates (
            portal_id TEXT PRIMARY KEY, version TEXT NOT NULL, pages INTEGER NOT NULL,
            blocks TEXT NOT NULL, learned_at TEXT)"""
    )
    db.execute("ALTER TABLE articles ADD COLUMN template TEXT")
    db.execute("ALTER TABLE portals ADD COLUMN disabled_reason TEXT")


@migrations()
def m006_article_source(db: Database) -> None:
    """``source``: where a reprinted article comes from ("Báo Hà Giang", "baochinhphu.vn").

    Read from a source line ("Theo Báo …", "Nguồn: …") or a profile's ``source`` selector, and
    kept apart from ``author``. Added in place, so an existing archive upgrades on open.
    """
    for table in ("articles", "article_versions"):
        if "source" not in db[table].columns_dict:
            db.execute(f"ALTER TABLE {table} ADD COLUMN source TEXT")


@migrations()
def m007_wayback(db: Database) -> None:
    """Recovery of defunct portals from web archives (``crawl --wayback``, archive/wayback/).

    ``portals.closed``: the day a portal went dark. ``wayback_captures``: the captures a CDX
    listing found, in listing order, each pending until it is stored (a run killed half-way
    resumes at the first pending one: nothing lost, nothing twice). ``wayback_listings``: where
    a listing stopped (the CDX resume key, or the rows read), so a long one resumes too.
    """
    if "closed" not in db["portals"].columns_dict:
        db.execute("ALTER TABLE portals ADD COLUMN closed TEXT")
    db.execute(
        """CREATE TABLE IF NOT EXISTS wayback_captures (
            id INTEGER PRIMARY KEY, portal_id TEXT NOT NULL, archive TEXT NOT NULL, url TEXT NOT NULL,
            timestamp TEXT NOT NULL, digest TEXT, state TEXT NOT NULL DEFAULT 'pending', result TEXT,
            snapshot_id INTEGER, crawl_id INTEGER, done_at TEXT, UNIQUE(portal_id, archive, url, timestamp))"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS wayback_captures_pending ON wayback_captures(portal_id, archive, state, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS wayback_listings (
            portal_id TEXT NOT NULL, archive TEXT NOT NULL, query TEXT NOT NULL, resume_key TEXT,
            rows_read INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 0, updated_at TEXT,
            PRIMARY KEY (portal_id, archive, query))"""
    )


@migrations()
def m008_stories(db: Database) -> None:
    """``story_id``: the same story re-posted (by another portal, or twice by one) is one story
    (archive/stories.py). The signatures and band keys are kept beside the articles; every
    archived article is given its story here, oldest id first, as if stored in that order."""
    if "story_id" not in db["articles"].columns_dict:
        db.execute("ALTER TABLE articles ADD COLUMN story_id INTEGER")
    for sql in stories.schema_sql():
        db.execute(sql)
    last = 0
    while True:  # in slices: a million bodies are never all in memory
        rows = db.execute("SELECT id, title, lead, body FROM articles WHERE id > ? ORDER BY id LIMIT 1000", [last]).fetchall()
        if not rows:
            break
        stories.assign_stories(db, rows)
        last = rows[-1][0]


def open_db(path: str | Path, *, create: bool = False, migrate: bool = True) -> Database:
    """Open (and migrate) an archive; refuse a missing file unless ``create``, and non-SQLite files.

    Refusing early matters: ``sqlite3.connect`` would silently create an empty database at a
    mistyped path, and a crawl would then "succeed" into the wrong file. Likewise an existing
    file with no tables (an empty file, another program's new database) becomes an archive only
    when ``create`` says the caller writes one, and never when it carries another program's
    ``application_id``/``user_version``. ``migrate=False`` (readers: ``status``, ``serve``...)
    changes nothing at all: an archive of an older schema is refused with a line saying how to
    upgrade it (:class:`ArchiveNeedsUpgrade`).
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise DatabaseMissing(f"{path}: database not found (run a crawl first, or check --db / $PORTAL_ARCHIVE_DB)")
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_atomically(path)
    if path.is_dir():
        raise NotAnArchive(f"{path}: is a directory, not a database file")
    # The file is checked through SQLite, never with open(): closing any other descriptor of the
    # file drops every POSIX lock this process holds on it (a crawl's pipeline and frontier each
    # open the archive), and a reader closing its connection then checkpoints and deletes the
    # WAL under the writer's feet -- "database disk image is malformed" (tests/test_db.py).
    db = Database(path)
    try:
        db.execute("PRAGMA busy_timeout=30000")
        tables = set(db.table_names())
    except sqlite3.DatabaseError as error:
        db.close()
        if "not a database" in str(error):
            raise NotAnArchive(f"{path}: not an SQLite database") from None
        if "readonly" in str(error):  # WAL: even a reader must create the -shm file beside it
            raise ArchiveReadOnly(_read_only_message(path, error)) from None
        raise NotAnArchive(f"{path}: cannot be read as an archive ({error})") from None
    if tables and "_sqlite_migrations" not in tables:
        raise NotAnArchive(f"{path}: an SQLite database, but not a portal-archive archive (tables: {', '.join(sorted(tables)[:5])})")
    if not tables:
        marks = [db.execute(f"PRAGMA {pragma}").fetchone()[0] for pragma in ("application_id", "user_version")]
        if not create or any(marks):
            db.close()
            what = "an SQLite database of another program" if any(marks) else "an empty database"
            raise NotAnArchive(f"{path}: {what}, not an archive — nothing was changed "
                               "(a crawl or an import creates the archive at a path that does not exist yet; check --db)")
    if tables:  # an archive of a newer release: its schema has steps this code does not know
        known = {m.name for m in migrations._migrations} | {m.name for m in search_migrations._migrations}
        newer = sorted({row[0] for row in db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set IN (?, ?)", [migrations.name, search_migrations.name])} - known)
        if newer:
            db.close()
            raise NotAnArchive(f"{path}: made by a newer portal-archive (schema steps {', '.join(newer)} unknown here); "
                               "upgrade portal-archive to use it — nothing was changed")
    if not migrate:
        pending = [m.name for m in migrations.pending(db)] + [m.name for m in search_migrations.pending(db)] if tables else []
        if pending:
            db.close()
            raise ArchiveNeedsUpgrade(f"{path}: made by an older portal-archive (schema steps {', '.join(pending)} not applied); "
                                      f"upgrade it in place with `portal-archive upgrade --db {path}` (a crawl or an import "
                                      "also does) — nothing was changed")
        db.execute("PRAGMA foreign_keys=ON")
        return db
    db.execute("PRAGMA journal_mode=WAL")  # only now: a refused file is left exactly as it was
    db.execute("PRAGMA foreign_keys=ON")
    migrations.apply(db)
    search_migrations.apply(db)  # the search module's own schema (ranking indexes), applied after
    return db


def _create_atomically(path: Path) -> None:
    """Build a new archive beside ``path`` and link it into place only once it is complete.

    A reader (Datasette, a monitoring script) opening the path while a first crawl creates the
    schema would otherwise meet a half-initialised file ("database disk image is malformed").
    ``os.link`` fails if another process created the archive meanwhile; its file is kept.
    """
    import os

    temporary = path.with_name(f".{path.name}.creating-{os.getpid()}")
    try:
        db = Database(temporary)
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)
        search_migrations.apply(db)
        db.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # created by another process in the meantime: use that one
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


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


def start_crawl(db: Database, portal_id: str, *, args: dict[str, Any] | None = None, max_pages: int | None = None,
                mode: str | None = None, resumed_from: int | None = None, pid: int | None = None) -> int:
    """Open a ``crawls`` row (outcome ``running``) and return its id."""
    with db.conn:
        table = db["crawls"].insert(
            {"portal_id": portal_id, "started_at": utcnow(), "outcome": "running", "max_pages": max_pages,
             "args": json.dumps(args or {}, ensure_ascii=False), "mode": mode, "resumed_from": resumed_from, "pid": pid}
        )
    return int(table.last_pk)


def finish_crawl(db: Database, crawl_id: int, *, outcome: str, counts: dict[str, int], message: str = "", stats: dict[str, Any] | None = None) -> None:
    """Close a ``crawls`` row with its outcome, counters and the full Scrapy stats."""
    row = {"finished_at": utcnow(), "outcome": outcome, "message": message,
           "stats": json.dumps(stats or {}, ensure_ascii=False, default=str, sort_keys=True)}
    row.update({k: int(v) for k, v in counts.items()})
    with db.conn:
        db["crawls"].update(crawl_id, row)


def store_snapshot(db: Database, *, url: str, body: bytes, status: int, headers: dict[str, Any], portal_id: str | None = None, crawl_id: int | None = None, fetched_at: str | None = None, origin: str = "crawl") -> int:
    """Keep a raw response, compressed (zstd with the portal's dictionary) and deduplicated by
    sha256; return the snapshot id.

    Fetching the same bytes from the same URL again only moves ``last_fetched_at``.
    """
    fetched_at = fetched_at or utcnow()
    digest = hashlib.sha256(body).hexdigest()
    stored = db.execute("SELECT 1 FROM snapshot_bodies WHERE sha256 = ?", [digest]).fetchone()
    packed = None if stored else compression.compress(body, portal_dictionary(db, portal_id))
    with transaction(db):
        if packed is not None:
            db.execute("INSERT OR IGNORE INTO snapshot_bodies(sha256, encoding, size, body) VALUES (?, ?, ?, ?)",
                       [digest, packed[0], len(body), packed[1]])
        existing = db.execute("SELECT id FROM snapshots WHERE url = ? AND sha256 = ?", [url, digest]).fetchone()
        if existing:
            db.execute("UPDATE snapshots SET last_fetched_at = max(coalesce(last_fetched_at, ''), ?), "
                       "first_fetched_at = min(coalesce(first_fetched_at, ?), ?), crawl_id = ? WHERE id = ?",
                       [fetched_at, fetched_at, fetched_at, crawl_id, existing[0]])
            return int(existing[0])
        cursor = db.execute(
            """INSERT INTO snapshots(portal_id, crawl_id, url, status, content_type, headers, sha256,
               first_fetched_at, last_fetched_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [portal_id, crawl_id, url, status, header_value(headers, "Content-Type"),
             json.dumps(headers, ensure_ascii=False), digest, fetched_at, fetched_at, origin],
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
    return compression.decompress(encoding, body, lambda dict_id: _dictionary_bytes(db, dict_id))


def _dictionary_bytes(db: Database, dict_id: int) -> bytes:
    row = db.execute("SELECT dict FROM compression_dicts WHERE id = ?", [dict_id]).fetchone()
    if row is None:
        raise ArchiveError(f"compression dictionary {dict_id} is missing: its snapshots cannot be read")
    return row[0]


def portal_dictionary(db: Database, portal_id: str | None) -> tuple[int, bytes] | None:
    """The portal's zstd dictionary, trained on its newest pages once it has enough of them."""
    if portal_id is None:
        return None
    row = db.execute("SELECT id, dict FROM compression_dicts WHERE portal_id = ? ORDER BY id DESC LIMIT 1", [portal_id]).fetchone()
    if row is not None:
        return int(row[0]), row[1]
    count = db.execute("SELECT count(*) FROM snapshots WHERE portal_id = ?", [portal_id]).fetchone()[0]
    if count < compression.TRAIN_AFTER:
        return None
    ids = [r[0] for r in db.execute("SELECT id FROM snapshots WHERE portal_id = ? ORDER BY id DESC LIMIT ?",
                                    [portal_id, compression.TRAIN_SAMPLE])]
    try:
        data = compression.train([snapshot_body(db, i) for i in ids])
    except ValueError:
        return None  # too few distinct pages yet: plain zstd for now
    with transaction(db):
        cursor = db.execute("INSERT INTO compression_dicts(portal_id, created_at, samples, size, dict) VALUES (?, ?, ?, ?, ?)",
                            [portal_id, utcnow(), len(ids), len(data), data])
    return int(cursor.lastrowid), data


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
    row = _article_row(article)
    digest = content_hash(row)
    with transaction(db):
        existing = db.execute("SELECT id, content_hash, version, first_seen_at, last_seen_at FROM articles WHERE url = ?", [row["url"]]).fetchone()
        if existing and existing[1] == digest:
            if sighting:
                db.execute("UPDATE articles SET last_seen_at = max(coalesce(last_seen_at, ''), ?), first_seen_at = min(coalesce(first_seen_at, ?), ?), "
                           "gone_at = NULL, gone_status = NULL WHERE id = ?", [seen_at, seen_at, seen_at, existing[0]])
            else:  # same content: metadata an improved extractor reads (body_html, word_count, ...) still follows
                _update(db, "articles", existing[0], {k: row[k] for k in _METADATA_COLUMNS})
            bump_crawl(db, crawl_id, "articles_unchanged")
            return "unchanged"
        if existing and sighting and seen_at < (existing[4] or "") and db.execute(
                "SELECT 1 FROM article_versions WHERE article_id = ? AND content_hash = ?", [existing[0], digest]).fetchone():
            # Seen before the article's last sighting (a web archive's older capture, an older
            # copy imported late, a resumed recovery) with the content of one of its versions:
            # a sighting of that version, not a newer one.
            db.execute("UPDATE articles SET first_seen_at = min(coalesce(first_seen_at, ?), ?) WHERE id = ?",
                       [seen_at, seen_at, existing[0]])
            bump_crawl(db, crawl_id, "articles_unchanged")
            return "unchanged"
        version = existing[2] + 1 if existing else 1
        row.update(portal_id=portal_id, province=province, content_hash=digest, version=version, snapshot_id=snapshot_id)
        if existing:
            article_id = existing[0]
            if sighting:
                row.update(last_seen_at=max(existing[4] or "", seen_at), first_seen_at=min(existing[3] or seen_at, seen_at),
                           gone_at=None, gone_status=None)
            _update(db, "articles", article_id, row)
        else:
            row.update(first_seen_at=seen_at, last_seen_at=seen_at)
            article_id = _insert(db, "articles", row)
        _insert(db, "article_versions", _version_row(article_id, row, seen_at=seen_at, origin=origin))
        if assign_story:
            stories.assign_story(db, article_id, row["title"], row["lead"], row["body"])
        bump_crawl(db, crawl_id, "articles_updated" if existing else "articles_new")
    return "updated" if existing else "new"


def _version_row(article_id: int, row: dict[str, Any], *, seen_at: str, origin: str) -> dict[str, Any]:
    """The ``article_versions`` row of an article row as just stored (its content, version and hash)."""
    return {"article_id": article_id, "version": row["version"], "content_hash": row["content_hash"], "seen_at": seen_at,
            "snapshot_id": row["snapshot_id"], "extractor": row.get("extractor"), "origin": origin,
            **{k: row.get(k) for k in _VERSION_FIELDS}}


def _insert(db: Database, table: str, row: dict[str, Any]) -> int:
    # Plain SQL inside the caller's transaction: sqlite-utils' insert/update open their own
    # ``with conn:`` block, which commits the caller's transaction half-way (an article row
    # without its version, after a SIGKILL at the wrong moment).
    columns = list(row)
    cursor = db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                        [row[c] for c in columns])
    return int(cursor.lastrowid)


def _update(db: Database, table: str, row_id: int, row: dict[str, Any]) -> None:
    db.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?", [*row.values(), row_id])


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
        rows = [r for chunk in _chunks(sorted(set(urls)))
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


# -- the durable crawl frontier ------------------------------------------------------------
# One frontier per portal: every request a crawl decides to make is a row before it is sent
# and is marked done only after what it produced (stored article, recorded links) is durable.
# A crawl killed at any point leaves the rows still ``pending``; the next crawl of the portal
# starts from them instead of the start pages. Rows are crawl state, not archive content: a
# crawl that finishes clears them.

def frontier_pending(db: Database, portal_id: str) -> list[dict[str, Any]]:
    """Requests of an unfinished crawl of the portal, oldest first."""
    rows = db.execute(
        "SELECT url, meta, headers, crawl_id FROM frontier WHERE portal_id = ? AND state = 'pending' ORDER BY rowid",
        [portal_id]).fetchall()
    return [{"url": u, "meta": json.loads(m or "{}"), "headers": json.loads(h or "{}"), "crawl_id": c} for u, m, h, c in rows]


def frontier_pending_count(db: Database, portal_id: str) -> tuple[int, int]:
    """How many requests of an unfinished crawl are pending, and the last rowid among them."""
    count, last = db.execute("SELECT count(*), coalesce(max(rowid), 0) FROM frontier WHERE portal_id = ? AND state = 'pending'",
                             [portal_id]).fetchone()
    return int(count), int(last)


def iter_frontier_pending(db: Database, portal_id: str, *, up_to: int, batch: int = 500) -> Iterator[dict[str, Any]]:
    """The pending requests (as :func:`frontier_pending`) up to rowid ``up_to``, a batch at a time.

    A resumed crawl of 100,000 pending requests never holds them all; rows the resumed crawl
    adds (rowid > ``up_to``) or marks done meanwhile are not handed out again.
    """
    after = 0
    while True:
        rows = db.execute(
            "SELECT rowid, url, meta, headers, crawl_id FROM frontier WHERE portal_id = ? AND state = 'pending' "
            "AND rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?", [portal_id, after, up_to, batch]).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        yield from ({"url": u, "meta": json.loads(m or "{}"), "headers": json.loads(h or "{}"), "crawl_id": c} for _, u, m, h, c in rows)


def frontier_last_crawl(db: Database, portal_id: str) -> int | None:
    """The crawl that left the pending requests (the one a new crawl resumes)."""
    row = db.execute("SELECT max(crawl_id) FROM frontier WHERE portal_id = ?", [portal_id]).fetchone()
    return row[0] if row else None


def frontier_add(db: Database, portal_id: str, url: str, *, meta: dict[str, Any] | None = None, headers: dict[str, str] | None = None, crawl_id: int | None = None) -> bool:
    """Record a request before it is sent; False when this crawl already knows the URL."""
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO frontier(portal_id, url, meta, headers, state, crawl_id, added_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            [portal_id, url, json.dumps(meta or {}, ensure_ascii=False), json.dumps(headers or {}), crawl_id, utcnow()])
    return cursor.rowcount > 0


def frontier_done(db: Database, portal_id: str, url: str) -> None:
    with transaction(db):
        db.execute("UPDATE frontier SET state = 'done', done_at = ? WHERE portal_id = ? AND url = ?", [utcnow(), portal_id, url])


def frontier_clear(db: Database, portal_id: str) -> None:
    with transaction(db):
        db.execute("DELETE FROM frontier WHERE portal_id = ?", [portal_id])


def close_stale_crawls(db: Database, portal_id: str, *, alive: Any = None) -> list[int]:
    """Crawl rows left ``running`` by a process that no longer exists become ``killed``.

    A SIGKILL or a power cut gives the process no chance to close its row; the next crawl or
    import of the portal closes it so the ``crawls`` table tells what happened (every run
    records its pid; a row without one is from a release that did not, and is closed too). ``alive(pid)`` decides
    whether a process still runs (default: a signal-0 probe on this machine).
    """
    alive = alive or _pid_alive
    rows = db.execute("SELECT id, pid, mode FROM crawls WHERE portal_id = ? AND outcome = 'running'", [portal_id]).fetchall()
    stale = [(cid, mode) for cid, pid, mode in rows if not (pid and alive(pid))]
    with transaction(db):
        for cid, mode in stale:
            message = (f"the {mode} process ended without closing its run (killed or power cut); what it stored is kept, "
                       "import the source again for the rest" if (mode or "").startswith("import-") else
                       "the crawl process ended without closing its run (killed or power cut); the next crawl resumes its pending requests")
            db.execute("UPDATE crawls SET outcome = 'killed', message = ? WHERE id = ?", [message, cid])
    return [cid for cid, _ in stale]


def _pid_alive(pid: int) -> bool:
    import os

    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def bump_crawl(db: Database, crawl_id: int | None, column: str, n: int = 1) -> None:
    """Count ``n`` results on the open crawl row (inside the caller's transaction, with the
    results themselves), so a killed crawl's row still tells exactly what it stored."""
    if crawl_id is None:
        return
    if column not in {"articles_new", "articles_updated", "articles_unchanged", "articles_gone", "not_modified", "pages_fetched"}:
        raise ValueError(column)
    seen = ", articles_seen = articles_seen + :n" if column in {"articles_new", "articles_updated", "articles_unchanged"} else ""
    db.execute(f"UPDATE crawls SET {column} = coalesce({column}, 0) + :n{seen} WHERE id = :id", {"n": int(n), "id": crawl_id})


# -- reading history -------------------------------------------------------------------------

def find_article(db: Database, url: str) -> dict[str, Any] | None:
    """The article stored under ``url`` (canonical or fetched URL)."""
    cursor = db.execute("SELECT * FROM articles WHERE url = ? OR fetched_url = ? ORDER BY url = ? DESC LIMIT 1", [url, url, url])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row)) if row else None


def article_versions(db: Database, article_id: int) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT * FROM article_versions WHERE article_id = ? ORDER BY version", [article_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def iter_snapshots(db: Database, portal_id: str) -> Iterable[dict[str, Any]]:
    """Every snapshot of a portal with its body, oldest first (for WARC export)."""
    cursor = db.execute("SELECT id FROM snapshots WHERE portal_id = ? ORDER BY first_fetched_at, id", [portal_id])
    for (snapshot_id,) in cursor.fetchall():
        c = db.execute("SELECT * FROM snapshots WHERE id = ?", [snapshot_id])
        row = dict(zip([d[0] for d in c.description], c.fetchone()))
        row["headers"] = json.loads(row["headers"] or "{}")
        row["body"] = snapshot_body(db, snapshot_id)
        yield row


_ARTICLE_COLUMNS = ("url", "fetched_url", "title", "lead", "body", "body_html", "author", "source", "published_at",
                    "published_date_only", "updated_at", "category", "tags", "image_url", "images",
                    "attachments", "word_count", "extractor", "template")


def _article_row(article: dict[str, Any]) -> dict[str, Any]:
    row = {k: article.get(k) for k in _ARTICLE_COLUMNS}
    for key in ("tags", "images", "attachments"):
        value = row.get(key)
        row[key] = json.dumps(value or [], ensure_ascii=False) if not isinstance(value, str) else value
    row["published_date_only"] = int(bool(row.get("published_date_only")))
    if not row.get("url"):
        raise ArchiveError("article without url")
    return row


def header_value(headers: dict[str, Any], name: str) -> str | None:
    """A stored response header's (first) value, whatever the case of its name."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) and value else value
    return None


# -- pages from elsewhere: imports and re-extraction ---------------------------------------------

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
    cursor = db.execute(
        f"""SELECT a.id, a.url, a.portal_id, a.province, s.id AS snapshot_id, s.url AS snapshot_url, s.headers,
                   s.last_fetched_at
            FROM articles a JOIN snapshots s ON s.id = (
                SELECT s2.id FROM snapshots s2 WHERE s2.url = coalesce(a.fetched_url, a.url) AND s2.status = 200
                ORDER BY s2.last_fetched_at DESC, s2.id DESC LIMIT 1)
            WHERE {' AND '.join(where)} ORDER BY a.id""", params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def crawl_drift(db: Database, crawl_id: int, stats: dict[str, Any]) -> list[str]:
    """Layout-drift reasons of a crawl against the portal's recent crawls (see archive.health).

    Part of the storage API so the crawler keeps talking to the archive through this module.
    """
    from archive.health import crawl_drift as _crawl_drift

    return _crawl_drift(db, crawl_id, stats)


# -- items from a queue (distributed crawls) ------------------------------------------------------

def store_crawled_item(db: Database, kind: str, item: dict[str, Any], *, province: str | None = None,
                       crawl_id: int | None = None, assign_story: bool = True) -> str | None:
    """Store one crawl result given as plain data, with the calls ``crawler/pipelines.py`` makes.

    ``kind`` is ``article`` (fields of ``crawler.items.ArticleItem``: a fetched page and its
    extracted ``article``), ``not_modified`` (a 304 re-check), ``gone`` (404/410 or a redirect
    away) or ``page`` (a listing or home page: its snapshot only). Returns the ``crawls`` counter the result went to (``articles_new``, ...) or None.
    The result is counted on ``crawl_id`` in the same transaction; inside a caller's
    :func:`transaction` nothing is committed here, so a queue consumer can commit a batch at once.
    """
    if kind == "not_modified":
        return "articles_unchanged" if touch_article(db, item["url"], seen_at=item["fetched_at"], crawl_id=crawl_id) else None
    if kind == "page":
        _store_item_snapshot(db, item, item.get("raw") or b"", crawl_id)
        return None
    if kind == "gone":
        _store_item_snapshot(db, item, item.get("raw") or b"", crawl_id)
        return "articles_gone" if mark_gone(db, item["url"], status=item["status"], at=item["fetched_at"], crawl_id=crawl_id) else None
    if kind != "article":
        raise ArchiveError(f"unknown item kind {kind!r}")
    snapshot_id = _store_item_snapshot(db, item, item["raw"], crawl_id)
    result = upsert_article(db, item["article"], portal_id=item["portal_id"], province=province, snapshot_id=snapshot_id,
                            seen_at=item["fetched_at"], crawl_id=crawl_id, assign_story=assign_story)
    return f"articles_{result}"


def _store_item_snapshot(db: Database, item: dict[str, Any], body: bytes, crawl_id: int | None) -> int:
    return store_snapshot(db, url=item["fetched_url"], body=body, status=item["status"], headers=item.get("headers") or {},
                          portal_id=item["portal_id"], crawl_id=crawl_id, fetched_at=item["fetched_at"])


CrawledItem = tuple[str, dict[str, Any], str | None, int | None]  # (kind, item, province, crawl_id)


def store_crawled_items(db: Database, items: list[CrawledItem]) -> list[str | None]:
    """Store a run of crawl results in one transaction, with the same result as calling
    :func:`store_crawled_item` on each in order; returns each item's ``crawls`` counter.

    Why a batch call: FTS5 flushes its pending terms at the savepoint each writing statement
    opens (seen on SQLite 3.40), so one ``INSERT`` per article writes one tiny index segment
    per article to each of the two indexes, and merging them is most of an ingest's time
    (tests/test_batch_store.py counts the segments; bench/ingest_bench.py the time). Here the
    articles seen for the first time (the bulk of a backfill) go into ``articles`` in one
    statement from a temporary table, and the triggers index them as one segment. An item
    whose URL another item of the run shares, or that is already archived, takes the
    one-by-one path, so versions and counters come out exactly as they would one by one.
    Stories are assigned at the end, to every new or changed article in item order: what each
    assignment reads (the signatures, the stories) is what it would read one by one.
    """
    results: list[str | None] = [None] * len(items)
    with transaction(db):
        fresh = _first_sightings(db, items)
        for index, (kind, item, province, crawl_id) in enumerate(items):
            if index not in fresh:
                results[index] = store_crawled_item(db, kind, item, province=province, crawl_id=crawl_id, assign_story=False)
        rows, counted = [], Counter()
        for index in sorted(fresh):
            _, item, province, crawl_id = items[index]
            snapshot_id = _store_item_snapshot(db, item, item["raw"], crawl_id)
            row = _article_row(item["article"])
            row.update(portal_id=item["portal_id"], province=province, content_hash=content_hash(row), version=1,
                       snapshot_id=snapshot_id, first_seen_at=item["fetched_at"], last_seen_at=item["fetched_at"])
            rows.append(row)
            counted[crawl_id] += 1
            results[index] = "articles_new"
        ids = _insert_articles_at_once(db, rows)
        versions = [_version_row(ids[row["url"]], row, seen_at=row["first_seen_at"], origin="crawl") for row in rows]
        if versions:
            columns = list(versions[0])
            db.conn.executemany(f"INSERT INTO article_versions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                                [list(v.values()) for v in versions])
        for crawl_id, n in counted.items():
            bump_crawl(db, crawl_id, "articles_new", n)
        _assign_stories(db, [items[i][1]["article"]["url"] for i, result in enumerate(results)
                             if result in ("articles_new", "articles_updated")])
    return results


def _assign_stories(db: Database, urls: list[str]) -> None:
    """Give the articles stored under ``urls`` their stories, in that order (a URL stored twice in
    a batch is assigned once, on its final content, at its first place)."""
    rows = [db.execute("SELECT id, title, lead, body FROM articles WHERE url = ?", [url]).fetchone() for url in dict.fromkeys(urls)]
    stories.assign_stories(db, rows)


def _first_sightings(db: Database, items: list[CrawledItem]) -> set[int]:
    """Indexes of the article items whose URLs no other item of the run names and the archive
    does not hold yet: those can be inserted together."""
    def urls(item: dict[str, Any]) -> set[str]:
        article = item.get("article") or {}
        return {u for u in (item.get("url"), item.get("fetched_url"), article.get("url"), article.get("fetched_url")) if u}

    named = Counter(u for _, item, _, _ in items for u in urls(item))
    candidates = {i: urls(item) for i, (kind, item, _, _) in enumerate(items)
                  if kind == "article" and item.get("status") == 200 and all(named[u] == 1 for u in urls(item))}
    known: set[str] = set()
    for chunk in _chunks(sorted({u for us in candidates.values() for u in us})):
        marks = ", ".join("?" * len(chunk))
        known.update(u for (u,) in db.execute(
            f"SELECT url FROM articles WHERE url IN ({marks}) UNION SELECT fetched_url FROM articles WHERE fetched_url IN ({marks})",
            chunk + chunk))
    return {i for i, us in candidates.items() if not us & known}


def _insert_articles_at_once(db: Database, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new article rows with one statement (one FTS segment); return their ids by URL."""
    if not rows:
        return {}
    columns = list(rows[0])
    db.execute("CREATE TEMP TABLE IF NOT EXISTS articles_batch AS SELECT * FROM articles WHERE 0")
    db.execute("DELETE FROM temp.articles_batch")
    db.conn.executemany(f"INSERT INTO temp.articles_batch ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [[row[c] for c in columns] for row in rows])
    db.execute(f"INSERT INTO articles ({', '.join(columns)}) SELECT {', '.join(columns)} FROM temp.articles_batch ORDER BY rowid")
    db.execute("DELETE FROM temp.articles_batch")
    ids: dict[str, int] = {}
    for chunk in _chunks([row["url"] for row in rows]):
        ids.update(db.execute(f"SELECT url, id FROM articles WHERE url IN ({', '.join('?' * len(chunk))})", chunk).fetchall())
    return ids


def _chunks(values: list[str], size: int = 400) -> Iterator[list[str]]:
    """``values`` in pieces small enough to bind as ``IN (?, ...)`` (twice, where a query needs it)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
