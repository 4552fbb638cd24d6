"""A re-posted story's copies as one search result, led by its first publication."""

from __future__ import annotations

import sqlite3
from typing import Any

from archive.search.schema import FTS_TABLE
from archive.search.statements import Hit, SearchSQL


def has_stories(conn: sqlite3.Connection) -> bool:
    """Whether the archive groups re-posted stories (migration m007; a bare test table may not)."""
    return any(row[1] == "story_id" for row in conn.execute("PRAGMA table_info(articles)"))


def collapse(conn: sqlite3.Connection, hits: list[Hit]) -> list[Hit]:
    """The best-ranked hit of each story, in order (an article without a story is its own)."""
    if not hits:
        return []
    ids = [h.rowid for h in hits]
    story = dict(conn.execute(f"SELECT id, story_id FROM articles WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall())
    seen: set[int] = set()
    kept = []
    for hit in hits:
        key = story.get(hit.rowid)
        if key is None or key not in seen:
            kept.append(hit)
            if key is not None:
                seen.add(key)
    return kept


def story_copies(q: SearchSQL, hits: list[Hit]) -> dict[int, list[dict[str, Any]]]:
    """For each hit's story with other copies: every copy, the first publication first (the
    earliest ``published_at``, then the lowest id). The hit itself gives way to the earliest copy
    that matches the query and the filters too: the first publication leads the group."""
    ids = [h.rowid for h in hits]
    if not ids:
        return {}
    cursor = q.conn.execute(
        f"""SELECT c.story_id, c.id, c.portal_id, p.name AS portal_name, c.url, c.title, c.published_at
            FROM articles c LEFT JOIN portals p ON p.id = c.portal_id
            WHERE c.story_id IN (SELECT story_id FROM articles WHERE id IN ({', '.join('?' * len(ids))}))
            ORDER BY c.story_id, c.published_at IS NULL, c.published_at, c.id""", ids)
    columns = [d[0] for d in cursor.description]
    by_story: dict[int, list[dict[str, Any]]] = {}
    for row in cursor.fetchall():
        by_story.setdefault(row[0], []).append(dict(zip(columns, row)))
    by_story = {k: v for k, v in by_story.items() if len(v) > 1}
    if not by_story:
        return {}
    copy_ids = [c["id"] for copies in by_story.values() for c in copies]
    marks = ", ".join("?" * len(copy_ids))
    matching = {r for (r,) in q.conn.execute(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid IN ({marks})", [q.params["match"], *copy_ids])}
    if q.filter_sql:
        matching &= _filtered(q, copy_ids)
    story_of = {c["id"]: story for story, copies in by_story.items() for c in copies}
    for hit in hits:
        story = story_of.get(hit.rowid)
        if story is None:
            continue
        leader = next((c["id"] for c in by_story[story] if c["id"] in matching), hit.rowid)
        hit.rowid = leader
    return by_story


def _filtered(q: SearchSQL, ids: list[int]) -> set[int]:
    """Which of ``ids`` the search's filters keep."""
    params = {**q.params, **{f"id{i}": v for i, v in enumerate(ids)}}
    marks = ", ".join(f":id{i}" for i in range(len(ids)))
    return {r for (r,) in q.conn.execute(f"SELECT a.id FROM articles a WHERE a.id IN ({marks}){q.filter_sql}", params)}
