"""The one way the store writes: a transaction that takes the write lock at its start.

Every write of the store (and of ``archive.captures``, ``archive.templates``) runs inside
:func:`transaction`, whether it is SQL (``db.execute``) or sqlite-utils' ``table.insert`` /
``table.update``: since sqlite-utils 4 those join an open transaction (a savepoint inside it,
``Database.atomic``) instead of committing on their own. A caller that wants several writes to
be one commit (a batch from a queue, a capture with its article and its done mark) opens it
around them, and the writes join it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlite_utils import Database


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """One atomic write: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error; inside an open
    transaction, the writes join it (the outermost one commits).

    Without it, ``Database.execute`` commits each write on its own, so an article row and its
    version would be two commits, and a SIGKILL between them leaves an article without a
    version. Not ``db.atomic()``: it begins with a plain BEGIN, which takes the write lock only at
    the first write; a transaction that read first then fails with "database is locked" when
    another connection (the frontier's, an import's) committed meanwhile (SQLite cannot move
    its snapshot forward, and no ``busy_timeout`` helps), where BEGIN IMMEDIATE waits for the
    lock before reading anything.
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
    """The time a write records (UTC, to the second), as every timestamp in the archive is written."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
