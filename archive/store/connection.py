"""Opening an archive: refuse what is not one, migrate it for a writer, never change it for a reader."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from archive.store.errors import ArchiveNeedsUpgrade, ArchiveReadOnly, DatabaseMissing, NotAnArchive, read_only_message
from archive.store.migrations import schemas


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
    # file drops every POSIX lock this process holds on it (a crawl's session connection, a
    # reader in the same process), and a reader closing its connection then checkpoints and deletes the
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
            raise ArchiveReadOnly(read_only_message(path, error)) from None
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
        known = {m.name for schema in schemas() for m in schema._migrations}
        names = [schema.name for schema in schemas()]
        newer = sorted({row[0] for row in db.execute(
            f"SELECT name FROM _sqlite_migrations WHERE migration_set IN ({', '.join('?' * len(names))})", names)} - known)
        if newer:
            db.close()
            raise NotAnArchive(f"{path}: made by a newer portal-archive (schema steps {', '.join(newer)} unknown here); "
                               "upgrade portal-archive to use it — nothing was changed")
    if not migrate:
        pending = [m.name for schema in schemas() for m in schema.pending(db)] if tables else []
        if pending:
            db.close()
            raise ArchiveNeedsUpgrade(f"{path}: made by an older portal-archive (schema steps {', '.join(pending)} not applied); "
                                      f"upgrade it in place with `portal-archive upgrade --db {path}` (a crawl or an import "
                                      "also does) — nothing was changed")
        db.execute("PRAGMA foreign_keys=ON")
        return db
    db.execute("PRAGMA journal_mode=WAL")  # only now: a refused file is left exactly as it was
    db.execute("PRAGMA foreign_keys=ON")
    for schema in schemas():  # the core schema, then the ones other parts own (search's indexes)
        schema.apply(db)
    return db


def _create_atomically(path: Path) -> None:
    """Build a new archive beside ``path`` and link it into place only once it is complete.

    A reader (Datasette, a monitoring script) opening the path while a first crawl creates the
    schema would otherwise meet a half-initialised file ("database disk image is malformed").
    ``os.link`` fails if another process created the archive meanwhile; its file is kept.
    """
    temporary = path.with_name(f".{path.name}.creating-{os.getpid()}")
    try:
        db = Database(temporary)
        db.execute("PRAGMA journal_mode=WAL")
        for schema in schemas():
            schema.apply(db)
        db.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # created by another process in the meantime: use that one
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


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
            raise ArchiveReadOnly(read_only_message(Path(path), error)) from None
        raise
