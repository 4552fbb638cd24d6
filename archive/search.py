"""Vietnamese full-text search: folding and the FTS5 index.

SQLite's ``unicode61 remove_diacritics 2`` tokenizer folds every Vietnamese tone and vowel
mark except one: ``đ``/``Đ`` (U+0111/U+0110) has no Unicode decomposition, so ``dai bieu``
would not find ``Đại biểu``. The index therefore holds each text twice, as written and with
``đ→d`` folded. ``dang`` matches both copies (đảng, đang, dáng...), ``đảng`` only the first.

The folded copy is computed in SQL (``replace()``) by a view, so the index can be rebuilt and
kept in sync by triggers without any Python function registered on the connection: Datasette,
the sqlite3 shell and the crawler all see the same index.
"""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

# Schema owned by search (extra indexes for ranking); the base FTS table is created by
# archive.db's first migration. Applied by archive.db.open_db after the core migrations.
search_migrations = Migrations("portal-archive-search")

FTS_TABLE = "articles_fts"
SEARCH_VIEW = "articles_search"
SEARCH_COLUMNS = ("title", "lead", "body")
FOLDED_COLUMNS = tuple(f"{c}_folded" for c in SEARCH_COLUMNS)


def fold_d(text: str | None) -> str | None:
    """``đ→d``, ``Đ→D``: the one fold SQLite's tokenizer does not do for Vietnamese."""
    return text.replace("đ", "d").replace("Đ", "D") if text is not None else None


def _fold_sql(expr: str) -> str:
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def _values(prefix: str) -> str:
    raw = [f"{prefix}{c}" for c in SEARCH_COLUMNS]
    return ", ".join(raw + [_fold_sql(c) for c in raw])


def fts_schema_sql() -> list[str]:
    """SQL statements creating the search view, the external-content FTS5 table and its triggers."""
    cols = ", ".join(SEARCH_COLUMNS + FOLDED_COLUMNS)
    folded_select = ", ".join(f"{_fold_sql(c)} AS {c}_folded" for c in SEARCH_COLUMNS)
    insert_new = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {_values('new.')});"
    delete_old = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {_values('old.')});"
    return [
        f"CREATE VIEW IF NOT EXISTS {SEARCH_VIEW} AS SELECT id, {', '.join(SEARCH_COLUMNS)}, {folded_select} FROM articles",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({cols},
            content='{SEARCH_VIEW}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_ai AFTER INSERT ON articles BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_ad AFTER DELETE ON articles BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_au AFTER UPDATE OF title, lead, body ON articles BEGIN {delete_old} {insert_new} END",
    ]


def rebuild_sql() -> str:
    """Re-read every article into the index (after a bulk import or a tokenizer change)."""
    return f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
