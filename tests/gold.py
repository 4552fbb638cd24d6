"""The Hanoi gold set (../shared/portals/hanoi-sotttt/gold.jsonl) checked against stored articles.

Crawled, imported from the mirror or recovered from a web archive: whichever way the articles
came in, they are compared with the gold records the same way, here once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

GOLD_COUNT = 40  # records in gold.jsonl
FIELDS = ("title", "published_at", "lead", "author")


def norm(text: str | None) -> str:
    """NFC with whitespace collapsed: how gold snippets and stored bodies are compared."""
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text or "")).strip()


def gold_mismatches(gold: list[dict], stored: Mapping[str, dict], key: str = "url") -> list[tuple]:
    """Every difference between the gold records and the stored articles (``stored[record[key]]``).

    A record with no stored article is ``(path, "missing")``; a field that differs is
    ``(path, field, stored, gold)``; a snippet the body lacks is ``(path, "body_with", snippet)``
    and one it should not hold ``(path, "body_without", snippet)``. Empty when all match. The
    whole gold set must be there: a short gold list fails here rather than matching vacuously.
    """
    assert len(gold) == GOLD_COUNT, f"{len(gold)} gold records, expected {GOLD_COUNT}"
    mismatches: list[tuple] = []
    for record in gold:
        row = stored.get(record[key])
        if row is None:
            mismatches.append((record["path"], "missing"))
            continue
        mismatches += [(record["path"], field, row[field], record[field]) for field in FIELDS if row[field] != record[field]]
        body = norm(row["body"])
        mismatches += [(record["path"], "body_with", s) for s in record["body_with"] if norm(s) not in body]
        mismatches += [(record["path"], "body_without", s) for s in record["body_without"] if norm(s) in body]
    return mismatches
