"""The search index's schema: the FTS5 tables, their triggers and the search migrations.

SQLite's ``unicode61 remove_diacritics 2`` tokenizer folds every Vietnamese tone and vowel
mark except one: ``đ``/``Đ`` (U+0111/U+0110) has no Unicode decomposition, so ``dai bieu``
would not find ``Đại biểu``. The index therefore holds each text twice, as written and with
``đ→d`` folded. ``dang`` matches both copies (đảng, đang, dáng...), ``đảng`` only the first.

The folded copy is computed in SQL (``replace()``) by a view, so the index can be rebuilt and
kept in sync by triggers without any Python function registered on the connection: Datasette,
the sqlite3 shell and the crawler all see the same index.

The exact-diacritic test of ranking needs an index that keeps the marks: ``articles_exact``
(remove_diacritics 0, detail=none: it only stores which article has which word, so it stays
small).
"""

from __future__ import annotations

import re
import sqlite3

from sqlite_utils.migrations import Migrations

# Search owns its schema (the FTS5 index, its triggers, the exact-diacritics index). The archive
# package registers it with the store (archive/__init__.py): archive.store.open_db applies it
# after the core migrations to every archive opened for writing, and a reader refuses an archive
# that lacks one of its steps.
search_migrations = Migrations("portal-archive-search")

FTS_TABLE = "articles_fts"
EXACT_TABLE = "articles_exact"
SEARCH_VIEW = "articles_search"
SEARCH_COLUMNS = ("title", "lead", "body")
FOLDED_COLUMNS = tuple(f"{c}_folded" for c in SEARCH_COLUMNS)
# The search form's filters as tokens of one more column, so a filtered search is one FTS5 query
# (doclists intersected) instead of every match joined to its article: ``p<hex>`` for the
# portal, ``r<hex>`` the province, ``c<hex>`` the category, the hex of the value's UTF-8 bytes
# (one token whatever the value holds, and no word of an article is spelled like it).
FACETS_COLUMN = "facets"
FACET_FILTERS = (("portal", "portal_id", "p"), ("province", "province", "r"), ("category", "category", "c"))
# Each article's date beside its id, for the chart's join of matches to their year: the date is
# stored after the body, on the row's overflow pages, so reading it from the table costs a few
# page reads a match (about twice the time of this index: 17,700 matches of a common word in one
# portal and category of a million articles).
DATE_BY_ID_INDEX = "articles_id_published"
# Prefix lengths (in characters, after folding) the index also holds as terms of their own, so
# ``nga*`` reads one doclist instead of merging every indexed word that begins with "nga" (about
# 65 ms for each statement of a search at a million articles). A Vietnamese syllable's onset is
# at most three letters (ngh): two and three cover what is typed before the vowel decides.
PREFIX_LENGTHS = (2, 3)


def fold_d(text: str | None) -> str | None:
    """``đ→d``, ``Đ→D``: the one fold SQLite's tokenizer does not do for Vietnamese."""
    return text.replace("đ", "d").replace("Đ", "D") if text is not None else None


def _fold_sql(expr: str) -> str:
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def _facets_sql(prefix: str) -> str:
    """The facets column's text in SQL (hex() is SQLite's own: no function to register)."""
    parts = [f"coalesce(' {letter}' || hex({prefix}{column}), '')" for _, column, letter in FACET_FILTERS]
    return " || ".join(parts)


def facet_token(name: str, value: str) -> str:
    """The token the facets column holds for a filter value (as the index folds it: lower case)."""
    letter = {n: l for n, _, l in FACET_FILTERS}[name]
    return letter + value.encode("utf-8").hex()


def _values(prefix: str) -> str:
    raw = [f"{prefix}{c}" for c in SEARCH_COLUMNS]
    return ", ".join(raw + [_fold_sql(c) for c in raw] + [_facets_sql(prefix)])


def fts_schema_sql() -> list[str]:
    """SQL statements creating the search view, the external-content FTS5 table and its triggers."""
    cols = ", ".join(SEARCH_COLUMNS + FOLDED_COLUMNS + (FACETS_COLUMN,))
    folded_select = ", ".join(f"{_fold_sql(c)} AS {c}_folded" for c in SEARCH_COLUMNS)
    insert_new = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {_values('new.')});"
    delete_old = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {_values('old.')});"
    watched = ", ".join(SEARCH_COLUMNS + tuple(column for _, column, _ in FACET_FILTERS))
    return [
        f"CREATE VIEW IF NOT EXISTS {SEARCH_VIEW} AS SELECT id, {', '.join(SEARCH_COLUMNS)}, {folded_select}, "
        f"{_facets_sql('')} AS {FACETS_COLUMN} FROM articles",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({cols},
            content='{SEARCH_VIEW}', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
            prefix='{" ".join(str(n) for n in PREFIX_LENGTHS)}')""",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_ai AFTER INSERT ON articles BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_ad AFTER DELETE ON articles BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_au AFTER UPDATE OF {watched} ON articles BEGIN {delete_old} {insert_new} END",
    ]


def indexed_prefix_lengths(conn: sqlite3.Connection) -> frozenset[int]:
    """The prefix lengths this archive's search index holds (none before migration m003)."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [FTS_TABLE]).fetchone()
    found = re.search(r"prefix\s*=\s*'([\d ]+)'", row[0]) if row else None
    return frozenset(int(n) for n in found.group(1).split()) if found else frozenset()


def rebuild_sql() -> str:
    """Re-read every article into the index (after a bulk import or a tokenizer change)."""
    return f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"


@search_migrations()
def m001_exact_index(db) -> None:
    """The search index (archives made before search owned its schema have it from the core's
    first step: ``IF NOT EXISTS`` leaves theirs as it is) and the exact-diacritics index."""
    for sql in fts_schema_sql():
        db.execute(sql)
    cols = ", ".join(SEARCH_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)
    insert_new = f"INSERT INTO {EXACT_TABLE}(rowid, {cols}) VALUES (new.id, {new});"
    delete_old = f"INSERT INTO {EXACT_TABLE}({EXACT_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    for sql in (
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {EXACT_TABLE} USING fts5({cols}, content='articles',
            content_rowid='id', detail='none', tokenize='unicode61 remove_diacritics 0')""",
        f"CREATE TRIGGER IF NOT EXISTS articles_exact_ai AFTER INSERT ON articles BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_exact_ad AFTER DELETE ON articles BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_exact_au AFTER UPDATE OF title, lead, body ON articles BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {EXACT_TABLE}({EXACT_TABLE}) VALUES ('rebuild')",
    ):
        db.execute(sql)


@search_migrations()
def m002_facet_tokens(db) -> None:
    """The filters as tokens of a ``facets`` column (FACETS_COLUMN): the search index is made
    again with it (an FTS5 table cannot gain a column), from the articles as they are."""
    _remake_index(db)


@search_migrations()
def m003_prefix_index(db) -> None:
    """Prefix indexes (PREFIX_LENGTHS): the search index is made again with them (an FTS5
    table's options are fixed when it is created). An index m002 has just made has them."""
    if not indexed_prefix_lengths(db.conn):
        _remake_index(db)


def _remake_index(db) -> None:
    """Drop the search index, its view and triggers, create them as fts_schema_sql says, and
    fill the index from the articles."""
    for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    db.execute(f"DROP VIEW IF EXISTS {SEARCH_VIEW}")
    for sql in fts_schema_sql():
        db.execute(sql)
    db.execute(rebuild_sql())


@search_migrations()
def m004_date_by_id(db) -> None:
    """The chart's index (DATE_BY_ID_INDEX)."""
    db.execute(f"CREATE INDEX IF NOT EXISTS {DATE_BY_ID_INDEX} ON articles(id, published_at)")
