"""Crawl runs: one ``crawls`` row per crawl or import, opened when it starts and closed with its outcome.

Results are counted on the open row as they are stored (:func:`bump_crawl`, in the same
transaction as the result), so a run killed half-way leaves a row that tells what it stored,
and the next run of the portal closes it as ``killed`` (:func:`close_stale_crawls`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from sqlite_utils import Database

from archive.store.transactions import transaction, utcnow


def start_crawl(db: Database, portal_id: str, *, args: dict[str, Any] | None = None, max_pages: int | None = None,
                mode: str | None = None, resumed_from: int | None = None, pid: int | None = None) -> int:
    """Open a ``crawls`` row (outcome ``running``) and return its id."""
    with transaction(db):
        table = db.table("crawls").insert(
            {"portal_id": portal_id, "started_at": utcnow(), "outcome": "running", "max_pages": max_pages,
             "args": json.dumps(args or {}, ensure_ascii=False), "mode": mode, "resumed_from": resumed_from, "pid": pid}
        )
    return int(table.last_pk)


def finish_crawl(db: Database, crawl_id: int, *, outcome: str, counts: dict[str, int], message: str = "", stats: dict[str, Any] | None = None) -> None:
    """Close a ``crawls`` row with its outcome, counters and the full Scrapy stats."""
    row = {"finished_at": utcnow(), "outcome": outcome, "message": message,
           "stats": json.dumps(stats or {}, ensure_ascii=False, default=str, sort_keys=True)}
    row.update({k: int(v) for k, v in counts.items()})
    with transaction(db):
        db.table("crawls").update(crawl_id, row)


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
