"""Which database ``portal-archive demo`` may delete and rebuild.

The demo starts by unlinking its database. Pointed at the operator's archive (once it took
``$PORTAL_ARCHIVE_DB`` and the config's ``db``), it wiped months of crawls. It now rebuilds
only its own default database, a file that is not there yet, or an earlier demo archive: an
archive whose every portal, crawl and article is the sample portal's.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.demo.content import DEMO_PORTAL_ID


class NotADemoArchive(Exception):
    """The demo was asked to rebuild a file that is not one of its own archives."""


def check_demo_target(path: Path, *, own_default: Path) -> None:
    """Return when the demo may delete and rebuild ``path``; raise :class:`NotADemoArchive` otherwise."""
    if _same_file(path, own_default) or not (path.exists() or path.is_symlink()):
        return
    reason = _why_not_demo(path)
    if reason:
        raise NotADemoArchive(f"{path}: not a demo archive ({reason}); the demo rebuilds its database from scratch, "
                              f"so it only uses {own_default}, a new file, or an earlier demo's --db — nothing was changed")


def _same_file(path: Path, other: Path) -> bool:
    return path.resolve() == other.resolve()


def _why_not_demo(path: Path) -> str | None:
    """None for a demo archive; otherwise what the file is, in a few words."""
    if path.is_symlink() or not path.is_file():
        return "not a regular file"
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return f"cannot be read: {error}"
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"_sqlite_migrations", "portals", "crawls", "articles"} <= tables:
            return "not a portal-archive archive"
        portals = {pid for table in ("portals", "crawls", "articles")
                   for (pid,) in conn.execute(f"SELECT DISTINCT {'id' if table == 'portals' else 'portal_id'} FROM {table}")}
    except sqlite3.Error as error:
        return "not an SQLite database" if "not a database" in str(error) else f"cannot be read: {error}"
    finally:
        conn.close()
    others = sorted(str(p) for p in portals - {DEMO_PORTAL_ID})
    if others or not portals:
        return f"it holds portal {others[0]}" + (f" and {len(others) - 1} more" if len(others) > 1 else "") if others else "an empty archive"
    return None
