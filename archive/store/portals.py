"""The registry's portals, mirrored into the archive so researchers can facet and join on them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from archive.store.transactions import transaction, utcnow


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
    with transaction(db):
        db.table("portals").upsert_all(rows, pk="id", alter=False)
