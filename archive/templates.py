"""Storage of the per-portal templates learned from the portals' own pages.

A template is a set of block fingerprints (``crawler.extract.template``); the archive keeps one
per portal so later crawls, imports and ``reextract`` drop the same furniture, and records on
each article the template version it was extracted with, so articles extracted before the
template was learned (or changed) are found and re-extracted from their snapshots.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from archive.store import transaction, utcnow


def load_template(db: Database, portal_id: str) -> tuple[str, list[str], int] | None:
    """(version, fingerprints, pages learned from) of the portal's template, or None."""
    row = db.execute("SELECT version, blocks, pages FROM portal_templates WHERE portal_id = ?", [portal_id]).fetchone()
    if row is None:
        return None
    return row[0], json.loads(row[1]), int(row[2])


def save_template(db: Database, portal_id: str, *, version: str, blocks: list[str], pages: int) -> None:
    """Keep the portal's template (replacing the one before)."""
    with transaction(db):
        db.execute(
            "INSERT INTO portal_templates (portal_id, version, pages, blocks, learned_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(portal_id) DO UPDATE SET version = excluded.version, pages = excluded.pages, "
            "blocks = excluded.blocks, learned_at = excluded.learned_at",
            [portal_id, version, pages, json.dumps(sorted(blocks)), utcnow()])


def template_sample(db: Database, portal_id: str, *, limit: int) -> list[dict[str, Any]]:
    """The newest successful snapshot of the portal's first ``limit`` articles (by id).

    The first articles, not the newest: the sample stays the same once the portal has that
    many, so the template (and every article's extraction) is stable from crawl to crawl.
    """
    return list(db.query(
        """SELECT a.id, s.id AS snapshot_id, s.url AS snapshot_url, s.headers
           FROM articles a JOIN snapshots s ON s.id = (
               SELECT s2.id FROM snapshots s2 WHERE s2.url = coalesce(a.fetched_url, a.url) AND s2.status = 200
               ORDER BY s2.last_fetched_at DESC, s2.id DESC LIMIT 1)
           WHERE a.portal_id = ? ORDER BY a.id LIMIT ?""", [portal_id, limit]))


def articles_with_other_template(db: Database, portal_id: str, version: str) -> list[int]:
    """Ids of the portal's articles extracted by the generic path with another template than ``version``."""
    rows = db.execute("SELECT id FROM articles WHERE portal_id = ? AND (extractor LIKE 'generic%' OR extractor LIKE 'fallback%') "
                      "AND coalesce(template, '') != ? ORDER BY id", [portal_id, version]).fetchall()
    return [row[0] for row in rows]
