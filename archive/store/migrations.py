"""The archive's core schema: sqlite-utils migrations, applied in order by :func:`archive.store.open_db`.

A new step is a new ``@migrations()`` function at the end of this file; a step never changes
once released (archives record which steps they have). Steps add in place (``ALTER TABLE ADD
COLUMN``, ``CREATE ... IF NOT EXISTS``) so an archive of any earlier release upgrades on open.

Other parts of the archive own their schema and register it here (:func:`register_schema`):
search's full-text indexes are ``archive.search.search_migrations``, applied after these. The
store never imports search; ``archive/__init__.py`` registers it when the package is imported,
so every program that opens an archive has it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive import stories

migrations = Migrations("portal-archive")
_schemas: list[Migrations] = [migrations]


def register_schema(schema: Migrations) -> None:
    """Have every archive opened for writing carry ``schema`` too, applied after the core steps
    (and after the sets registered before it); a reader refuses an archive that lacks one of its
    steps, as it does for the core's. Registering a set twice changes nothing."""
    if all(known.name != schema.name for known in _schemas):
        _schemas.append(schema)


def schemas() -> tuple[Migrations, ...]:
    """The archive's migration sets in the order they are applied: the core one first."""
    return tuple(_schemas)


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
    # The full-text index was created here until search owned its schema; archives made then have
    # it, and search's first step (archive.search.m001_exact_index) creates it for the others.


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
