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

# Search owns its schema (the FTS5 index, its triggers, the exact-diacritics index). The archive
# package registers it with the store (archive/__init__.py): archive.store.open_db applies it
# after the core migrations to every archive opened for writing, and a reader refuses an archive
# that lacks one of its steps.
search_migrations = Migrations("portal-archive-search")

FTS_TABLE = "articles_fts"
SEARCH_VIEW = "articles_search"
SEARCH_COLUMNS = ("title", "lead", "body")
FOLDED_COLUMNS = tuple(f"{c}_folded" for c in SEARCH_COLUMNS)
# The search form's filters as tokens of one more column, so a filtered search is one FTS5 query
# (doclists intersected) instead of every match joined to its article: ``p<hex>`` for the
# portal, ``r<hex>`` the province, ``c<hex>`` the category, the hex of the value's UTF-8 bytes
# (one token whatever the value holds, and no word of an article is spelled like it).
FACETS_COLUMN = "facets"
FACET_FILTERS = (("portal", "portal_id", "p"), ("province", "province", "r"), ("category", "category", "c"))


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
            content='{SEARCH_VIEW}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_ai AFTER INSERT ON articles BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_ad AFTER DELETE ON articles BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS articles_fts_au AFTER UPDATE OF {watched} ON articles BEGIN {delete_old} {insert_new} END",
    ]


def rebuild_sql() -> str:
    """Re-read every article into the index (after a bulk import or a tokenizer change)."""
    return f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"


# --- Ranked search -------------------------------------------------------------------------
#
# Datasette's ``_search=`` filters rows but cannot rank them. ``ranked_search`` is what the
# search page and its JSON/Atom outputs use: bm25 with the title weighted above the lead and
# the body, and — when the query is typed with diacritics — articles containing the words
# exactly as typed ("mà", not only "ma"/"má") first. The exact-diacritic test needs an index
# that keeps the marks: ``articles_exact`` (remove_diacritics 0, detail=none: it only stores
# which article has which word, so it stays small). "As typed" allows the word's other
# spellings (tone mark placement, i/y: archive.vnspell), expanded in the query, so both
# indexes keep the portal's own text and need no rebuild. Queries are read by archive.query,
# which never refuses one; every statement of a search can be given a time limit.

import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

# The query language lives in archive.query; its names are part of this module's API.
from archive.query import (OPERATORS, RELAX_MIN_TERMS, ParsedQuery, SearchError, Term, fold,  # noqa: F401
                           parse_query, plain_query)

EXACT_TABLE = "articles_exact"
# bm25 weights per FTS column: title, lead, body, then their đ-folded copies.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 10.0, 4.0, 1.0, 0.0)  # ... and the facets (no weight)
# Above this many matches, ranking considers the newest RANK_WINDOW matches (plus every title
# match among the newest TITLE_WINDOW): scoring all of a very common word's 500k matches takes
# about a second, and for such a word relevance differences are dominated by recency anyway.
RANK_WINDOW = 20_000
TITLE_WINDOW = 50_000
# How often (in SQLite virtual machine instructions, about a millisecond's worth) a search's
# statements check their time limit.
PROGRESS_STEPS = 10_000


class SearchTimeout(SearchError):
    """A search that ran past its time limit (the message says what to do)."""


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
    for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    db.execute(f"DROP VIEW IF EXISTS {SEARCH_VIEW}")
    for sql in fts_schema_sql():
        db.execute(sql)
    db.execute(rebuild_sql())


def readable_fts_error(exc: sqlite3.Error) -> SearchError:
    """SQLite's ``fts5: syntax error near "AND"`` as a sentence a researcher can act on."""
    detail = str(exc).removeprefix("fts5: ")
    return SearchError(f"The search could not be understood ({detail}). Put AND, OR, NOT between words, "
                       'and quotes around phrases: "cải cách hành chính" OR "một cửa".')


@contextmanager
def time_limit(conn: sqlite3.Connection, ms: int | None) -> Iterator[None]:
    """Interrupt any statement of ``conn`` run in this block once ``ms`` milliseconds have passed.

    Datasette bounds the statements it runs itself, not those of a function given to
    ``execute_fn``: without this a query of hundreds of terms reads for many seconds. The
    SQLite progress handler is called every PROGRESS_STEPS virtual machine instructions; the
    interrupted statement raises ``sqlite3.OperationalError: interrupted``, turned into
    SearchTimeout here.
    """
    if not ms:
        yield
        return
    deadline = time.monotonic() + ms / 1000
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise SearchTimeout(f"The search took longer than {ms / 1000:g} s and was stopped. Use fewer or rarer "
                                "words, fewer prefixes (word*) or ORs, or a filter (portal, dates).") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


@dataclass
class Filters:
    """Article filters of the search page (all optional)."""

    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None   # YYYY-MM-DD, inclusive
    date_to: str | None = None     # YYYY-MM-DD, inclusive

    def sql(self, *, tokens: bool = False) -> tuple[str, dict[str, Any]]:
        """The filters as SQL over ``articles a``; with ``tokens``, the dates only (the rest is in
        :meth:`fts`, part of the MATCH). The parameters are all the filters' either way."""
        clauses, params = [], {}
        for name, column, _ in FACET_FILTERS:
            value = getattr(self, name)
            if value:
                if not tokens:
                    clauses.append(f"a.{column} = :{name}")
                params[name] = value
        if self.date_from:
            clauses.append("a.published_at >= :date_from")
            params["date_from"] = self.date_from
        if self.date_to:
            clauses.append("substr(a.published_at, 1, 10) <= :date_to")
            params["date_to"] = self.date_to
        return " AND ".join(clauses), params

    def fts(self) -> str | None:
        """The portal, province and category filters as an FTS5 expression on the facets column."""
        tokens = [facet_token(name, getattr(self, name)) for name, _, _ in FACET_FILTERS if getattr(self, name)]
        return " AND ".join(f'{FACETS_COLUMN} : "{t}"' for t in tokens) or None

    def match(self, expression: str) -> str:
        """A query's FTS5 expression narrowed to the filtered articles."""
        tokens = self.fts()
        return f"({expression}) AND {tokens}" if tokens else expression


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_date(value: str | None, name: str) -> str | None:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD (or nothing); anything else is a SearchError."""
    if not value:
        return None
    if not _DATE.match(value):
        raise SearchError(f"{name}: expected a date as YYYY-MM-DD, got {value!r}.")
    return value


SORTS = {
    "rank": "exact, title, score",  # the order ranked_search builds (see _exact_first), not SQL
    "newest": "a.published_at DESC",  # NULLs sort last in DESC: SQLite reads the published_at index backwards
    "oldest": "a.published_at IS NULL, a.published_at ASC",
}


def ranked_search(conn: sqlite3.Connection, query: str | ParsedQuery, *, filters: Filters | None = None,
                  sort: str = "rank", limit: int = 20, offset: int = 0,
                  time_limit_ms: int | None = None) -> dict[str, Any]:
    """One page of search results, best first, and the total number of matches.

    Returns ``{"total", "total_is_estimate", "rows", "ranked_window", "parsed"}``; each row has
    the article's columns plus ``score`` (bm25, lower is better), ``exact`` (1 when every word
    typed with marks is in the article as typed, in any of its spellings) and ``title_match``.
    ``ranked_window`` is None when every match was ranked, or the number of newest matches that
    were (see RANK_WINDOW). ``total_is_estimate`` is true when ``total`` was estimated from a
    sample (see _total). ``parsed`` is the query as searched: the given one, or its plain words
    (with a note) if FTS5 rejected it. With ``time_limit_ms`` every statement stops at that
    limit (SearchTimeout).
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if sort not in SORTS:
        raise SearchError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}.")
    if not parsed.terms:
        return {"total": 0, "total_is_estimate": False, "rows": [], "ranked_window": None, "parsed": parsed}
    with time_limit(conn, time_limit_ms):
        try:
            return _search_or_relax(conn, parsed, filters or Filters(), sort, limit, offset)
        except sqlite3.OperationalError as exc:
            if not _is_fts_error(exc):
                raise
            detail = str(exc).removeprefix("fts5: ")
            plain = plain_query(parsed.text, f"The search could not be read with its operators ({detail}): "
                                             "its words were searched, all of them, as plain words.")
            return _search_or_relax(conn, plain, filters or Filters(), sort, limit, offset)


def _search_or_relax(conn: sqlite3.Connection, parsed: ParsedQuery, filters: Filters, sort: str, limit: int,
                     offset: int) -> dict[str, Any]:
    """The search; if it finds nothing and has several words, the longest run of its first words
    that begins an article's title, else any of its words (ParsedQuery.relaxable)."""
    result = _ranked_search(conn, parsed, filters, sort, limit, offset)
    if result["total"] or not parsed.relaxable:
        return result
    n = _longest_title_start(conn, parsed)
    return _ranked_search(conn, parsed.leading(n) if n else parsed.relaxed(), filters, sort, limit, offset)


def _longest_title_start(conn: sqlite3.Connection, parsed: ParsedQuery) -> int | None:
    """The most first terms of ``parsed`` (at least RELAX_MIN_TERMS) with which some title
    begins, or None. A title that begins with n terms begins with n - 1: a binary search, a
    handful of one-row phrase lookups."""
    lo, hi, best = RELAX_MIN_TERMS, len(parsed.terms) - 1, None
    sql = f"SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? LIMIT 1"
    while lo <= hi:
        mid = (lo + hi) // 2
        expression = parsed.leading(mid).title_start_match
        if expression and conn.execute(sql, [expression]).fetchone():
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    return best


def _is_fts_error(exc: sqlite3.OperationalError) -> bool:
    return "fts5" in str(exc) or "syntax error" in str(exc) or "no such column" in str(exc)


def _ranked_search(conn: sqlite3.Connection, parsed: ParsedQuery, filters: Filters, sort: str, limit: int,
                   offset: int) -> dict[str, Any]:
    q = _SearchSQL.build(conn, parsed, filters)
    want = offset + limit
    total, estimated = _total(q)
    window = RANK_WINDOW if sort == "rank" and total > RANK_WINDOW else None
    stories = _has_stories(conn)
    fetch = want
    while True:  # a story's copies are one result: read on until the page has its stories
        hits = _hits(q, sort, fetch, total, window)
        collapsed = _collapse(conn, hits) if stories else hits
        if len(collapsed) >= want or len(hits) < fetch or fetch >= COLLAPSE_READ_UP_TO:
            break
        fetch = min(COLLAPSE_READ_UP_TO, 2 * fetch + want)
    hits = collapsed[offset:want]
    if sort != "rank":
        _flag(q, hits)
    if stories:
        copies = _story_copies(q, hits)
    rows = _articles(conn, hits, stories)
    if stories:
        for row in rows:
            row["copies"] = [c for c in copies.get(row["story_id"], []) if c["id"] != row["id"]]
            row["also_on_portals"] = len({c["portal_id"] for c in row["copies"]} - {row["portal_id"]})
    return {"total": total, "total_is_estimate": estimated, "rows": rows, "ranked_window": window, "parsed": parsed}


# A page whose matches are mostly copies of a few stories reads at most this many matches to
# fill itself with distinct stories (then it shows fewer results).
COLLAPSE_READ_UP_TO = 2_000


def _hits(q: "_SearchSQL", sort: str, want: int, total: int, window: int | None) -> list["Hit"]:
    """The first ``want`` matches in the page's order, one per article."""
    if sort != "rank":
        return _by_date(q, sort, want, total)
    # Without marks ranking reads ``want`` rows; with marks it may read on (rare exact
    # matches), and a statement run again for the rest would score everything twice.
    first = None if q.parsed.exact_match else want
    candidates = _window_hits(q, first) if window else _all_hits(q, first)
    try:
        return _exact_first(candidates, q, want)
    finally:
        candidates.close()


def _has_stories(conn: sqlite3.Connection) -> bool:
    """Whether the archive groups re-posted stories (migration m007; a bare test table may not)."""
    return any(row[1] == "story_id" for row in conn.execute("PRAGMA table_info(articles)"))


def _collapse(conn: sqlite3.Connection, hits: list["Hit"]) -> list["Hit"]:
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


def _story_copies(q: "_SearchSQL", hits: list["Hit"]) -> dict[int, list[dict[str, Any]]]:
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


def _filtered(q: "_SearchSQL", ids: list[int]) -> set[int]:
    """Which of ``ids`` the search's filters keep."""
    params = {**q.params, **{f"id{i}": v for i, v in enumerate(ids)}}
    marks = ", ".join(f":id{i}" for i in range(len(ids)))
    return {r for (r,) in q.conn.execute(f"SELECT a.id FROM articles a WHERE a.id IN ({marks}){q.filter_sql}", params)}


# Above this many matches the total is estimated (queries without a prefix term): counting
# reads the whole doclist, 20 ms for a word in half of a million articles, and the page only
# needs to say how many there are about.
COUNT_EXACT_UP_TO = 100_000
# The estimate counts the matches in COUNT_SLICES rowid ranges spread evenly over the archive,
# together COUNT_SAMPLE of the rowids older than the rank window.
COUNT_SLICES = 32
COUNT_SAMPLE = 0.05
# Up to this many rows are looked up one by one in ``articles_exact`` (FTS5 seeks each: 40 µs
# for one word, 125 µs for two, in a million articles); for more, one scan of its matches.
EXACT_LOOKUPS = 250
# Row ids written into a statement as a list (the title window's, when it is this small).
MAX_LISTED_IDS = 1_000


@dataclass
class Hit:
    """A match being ranked: bm25 score (lower is better) and its two rank flags."""

    rowid: int
    score: float
    title: bool
    exact: bool = True


_JOIN = " JOIN articles a ON a.id = f.rowid"


@dataclass
class _SearchSQL:
    """The pieces of SQL and the parameters every statement of one search shares."""

    conn: sqlite3.Connection
    parsed: ParsedQuery
    params: dict[str, Any]
    join: str
    filter_sql: str

    all_filter_sql: str = ""  # every filter as SQL (the date-index walk narrows by them too)

    @classmethod
    def build(cls, conn: sqlite3.Connection, parsed: ParsedQuery, filters: Filters) -> "_SearchSQL":
        where, params = filters.sql(tokens=True)  # portal, province, category: in the MATCH
        everything, _ = filters.sql()
        params.update(match=filters.match(parsed.match), exact=parsed.exact_match,
                      title_match=filters.match(f"{{title title_folded}} : ({parsed.match})"),
                      title_start=parsed.title_start_match)
        join = _JOIN if where else ""  # only date filters need the articles (a join costs ~1 µs a match)
        return cls(conn, parsed, params, join, f" AND {where}" if where else "",
                   f" AND {everything}" if everything else "")

    def one(self, sql: str) -> Any:
        row = self.conn.execute(sql, self.params).fetchone()
        return row[0] if row else None

    def stream(self, sql: str) -> Iterator[tuple]:
        """Rows of ``sql`` read as they are needed: ranking often stops after the first few."""
        cursor = self.conn.execute(sql, self.params)
        try:
            while batch := cursor.fetchmany(256):
                yield from batch
        finally:
            cursor.close()

    def ranked(self, sql: str, first: int | None) -> Iterator[tuple]:
        """Rows of ``sql`` (ending in ORDER BY) as they are read. With ``first``, those by SQLite's
        top-N sort, which keeps only that many rows (10 ms less than sorting 50,000), and the rest
        only if they are read, by running the statement again."""
        if first is None:
            yield from self.stream(sql)
            return
        yield from (rows := list(self.stream(f"{sql} LIMIT {int(first)}")))
        if len(rows) == first:
            yield from self.stream(f"{sql} LIMIT -1 OFFSET {int(first)}")


def _total(q: _SearchSQL) -> tuple[int, bool]:
    """The number of matches, and whether it is an estimate.

    Exact up to COUNT_EXACT_UP_TO. Beyond the rank window only the matches older than it are
    counted (its boundary is needed for ranking anyway, and FTS5 seeks to a rowid range), and
    when there may be more than COUNT_EXACT_UP_TO of them, they are estimated from evenly
    spread rowid slices: about 1/20 of the reading of a count(*). A prefix term (``nga*``) is
    always counted in one statement: FTS5 merges every term of the prefix for each statement
    whatever its rowid range, so boundaries and slices would cost more than the count. So is a
    date-filtered search: each statement joins the articles of the matches it walks, and walking
    to the boundary and then counting would join most matches twice. (Portal, province and
    category filters are tokens in the MATCH: counted like no filter.)
    """
    count_sql = f"SELECT count(*) FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql}"
    if q.join or any(t.prefix for t in q.parsed.terms):
        return q.one(count_sql), False
    q.params["window_from"] = window_from = _nth_newest(q, RANK_WINDOW)
    if window_from is None:
        return q.one(count_sql), False
    oldest = q.one(f"{count_sql.replace('count(*)', 'f.rowid')} ORDER BY f.rowid LIMIT 1")
    if window_from - oldest > COUNT_EXACT_UP_TO - RANK_WINDOW:
        older = _estimate_between(q, oldest, window_from)
        if RANK_WINDOW + older > COUNT_EXACT_UP_TO:
            return _round_estimate(RANK_WINDOW + older), True
    return RANK_WINDOW + q.one(f"{count_sql} AND f.rowid < :window_from"), False


def _nth_newest(q: _SearchSQL, n: int) -> int | None:
    """Row id of the ``n``-th newest match (None when there are fewer): FTS5 reads the doclist
    backwards from its end, so this costs the reading of ``n`` matches, not of all."""
    return q.one(f"SELECT f.rowid FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql} "
                 f"ORDER BY f.rowid DESC LIMIT 1 OFFSET {int(n) - 1}")


def _estimate_between(q: _SearchSQL, lo: int, hi: int) -> float:
    """Estimated number of matches with ``lo <= rowid < hi``, from COUNT_SLICES slices.

    The slices are evenly spaced, so a word common in one period or in one portal's range of
    row ids is sampled in proportion to that range. One statement, one FTS5 cursor per slice.
    """
    params, covered = _slice_params(q.params, lo, hi)
    if covered <= 0:
        return 0.0
    slices = [f"(SELECT count(*) FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql} "
              f"AND f.rowid BETWEEN :s{i} AND :e{i})" for i in range(COUNT_SLICES)]
    sampled = q.conn.execute("SELECT " + " + ".join(slices), params).fetchone()[0]
    return sampled * (hi - lo) / covered


def _slice_params(params: dict[str, Any], lo: int, hi: int) -> tuple[dict[str, Any], int]:
    """COUNT_SLICES evenly spaced rowid ranges in ``lo <= rowid < hi``, together COUNT_SAMPLE of
    them, as statement parameters ``:s<i>``/``:e<i>`` (added to a copy of ``params``), and the
    number of rowids they cover."""
    step = (hi - lo) / COUNT_SLICES
    width = max(1, int(step * COUNT_SAMPLE))
    params, covered = dict(params), 0
    for i in range(COUNT_SLICES):
        start = lo + int(i * step + (step - width) / 2)
        params[f"s{i}"], params[f"e{i}"] = start, min(start + width, hi) - 1
        covered += params[f"e{i}"] - start + 1
    return params, covered


def _round_estimate(n: float) -> int:
    """An estimate to two significant figures (533,026 -> 530,000): no more precise than it is."""
    digits = max(0, len(str(int(n))) - 2)
    return int(round(n, -digits))


def _bm25() -> str:
    return f"bm25({FTS_TABLE}, {', '.join(str(w) for w in BM25_WEIGHTS)})"


def _all_hits(q: _SearchSQL, first: int | None) -> Iterator[Hit]:
    """Every match, title matches first, then by bm25 (at most RANK_WINDOW of them).

    Titles that begin with the query's words (a pasted title, see
    ParsedQuery.title_start_match) come before the other title matches, the shortest title
    first: the article whose title is the query itself leads, however often another repeats
    the words in its body.
    """
    title = f"f.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_match)"
    order = "title_rank DESC, score, f.rowid DESC"  # not "title": inside an expression that is the FTS column
    if q.params.get("title_start"):
        title = (f"CASE WHEN f.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_start) THEN 2 "
                 f"WHEN {title} THEN 1 ELSE 0 END")
        order = ("title_rank DESC, CASE WHEN title_rank = 2 THEN (SELECT length(t.title) FROM articles t WHERE t.id = f.rowid) "
                 "END, score, f.rowid DESC")
    sql = (f"SELECT f.rowid, {_bm25()} AS score, {title} AS title_rank FROM {FTS_TABLE} f{q.join} "
           f"WHERE {FTS_TABLE} MATCH :match{q.filter_sql} ORDER BY {order}")
    for rowid, score, title_flag in q.ranked(sql, first):
        yield Hit(rowid, score, bool(title_flag))


def _window_hits(q: _SearchSQL, first: int | None) -> Iterator[Hit]:
    """The candidates of a very common query in rank order (before exact matches move first).

    First the newest TITLE_WINDOW title matches, scored on the title, then the newest
    RANK_WINDOW matches that are not title matches. The title window is at least as large as
    the rank window and holds nothing but matches, so it already holds every title match of the
    rank window: the second part needs no title scores, only to leave those rows out, and its
    statement runs only if the ranking reads that far (fewer title matches than the page needs,
    or too few of them exact). Each part reads its index once: the title window stops at its
    size (one statement, no separate boundary query), the rank window starts at its boundary.
    """
    title_ids: list[int] = []
    sql = (f"SELECT rowid, score FROM (SELECT f.rowid AS rowid, {_bm25()} AS score FROM {FTS_TABLE} f{q.join} "
           f"WHERE {FTS_TABLE} MATCH :title_match{q.filter_sql} ORDER BY f.rowid DESC "
           f"LIMIT {max(TITLE_WINDOW, RANK_WINDOW)}) ORDER BY score, rowid DESC")
    for rowid, score in q.ranked(sql, first):
        title_ids.append(rowid)
        yield Hit(rowid, score, True)
    if q.params.get("window_from") is None:  # a prefix query: _total counted instead
        q.params["window_from"] = _nth_newest(q, RANK_WINDOW) or 0
    if len(title_ids) <= MAX_LISTED_IDS:
        not_title = f" AND f.rowid NOT IN ({', '.join(str(int(i)) for i in title_ids)})" if title_ids else ""
    else:
        not_title = (f" AND f.rowid NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_match "
                     "AND rowid >= :window_from)")
    sql = (f"SELECT f.rowid, {_bm25()} AS score FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match"
           f"{q.filter_sql} AND f.rowid >= :window_from{not_title} ORDER BY score, f.rowid DESC")
    for rowid, score in q.ranked(sql, first):
        yield Hit(rowid, score, False)


def _exact_first(hits: Iterator[Hit], q: _SearchSQL, want: int) -> list[Hit]:
    """The best ``want`` of ``hits`` (given in rank order) once exact matches are moved first.

    For a common word typed with marks nearly every hit is exact, so the first page of hits is
    looked up in ``articles_exact`` and that is all: no reading of the word's 500,000 exact
    matches (a million articles). Batches are sized by the share of exact hits seen so far;
    when that share says more than EXACT_LOOKUPS lookups would be needed, exact matches are
    rare among these hits and the rest is tested at once, by one scan of the exact matches.
    """
    if not q.parsed.exact_match:  # no word typed with marks: every match counts as exact
        return list(islice(hits, want))
    exact: list[Hit] = []
    other: list[Hit] = []
    while len(exact) < want:
        checked, need = len(exact) + len(other), want - len(exact)
        size = max(16, need * (checked + 1) // (len(exact) + 1) + 1 if checked else need)
        batch = list(islice(hits, size) if checked + size <= EXACT_LOOKUPS else hits)
        if not batch:
            break
        found = _exact_rowids(q, [h.rowid for h in batch])
        for hit in batch:
            hit.exact = hit.rowid in found
            (exact if hit.exact else other).append(hit)
    return (exact + other)[:want]


def _exact_rowids(q: _SearchSQL, rowids: list[int]) -> set[int]:
    """Which of ``rowids`` contain every word typed with marks exactly as typed."""
    if not rowids:
        return set()
    if len(rowids) <= EXACT_LOOKUPS:
        sql = f"SELECT rowid FROM {EXACT_TABLE} WHERE {EXACT_TABLE} MATCH ? AND rowid IN ({', '.join('?' * len(rowids))})"
        return {r for (r,) in q.conn.execute(sql, [q.parsed.exact_match, *rowids])}
    sql = f"SELECT rowid FROM {EXACT_TABLE} WHERE {EXACT_TABLE} MATCH ? AND rowid BETWEEN ? AND ?"
    found = {r for (r,) in q.conn.execute(sql, [q.parsed.exact_match, min(rowids), max(rowids)])}
    return found.intersection(rowids)


# Above this many matches a newest-first search walks the date index and stops at the page's
# last match, instead of joining every match to its article to sort them all (500 ms for a
# word in half of a million articles; 120 ms walking the index).
DATE_SCAN_ABOVE = 20_000


def _by_date(q: _SearchSQL, sort: str, want: int, total: int = 0) -> list[Hit]:
    """The first ``want`` matches newest (or oldest) first; their flags are set by _flag."""
    index = _date_index(q) if sort == "newest" and total > DATE_SCAN_ABOVE else None
    if index is None:
        sql = (f"SELECT f.rowid, {_bm25()} AS score FROM {FTS_TABLE} f{_JOIN} WHERE {FTS_TABLE} MATCH :match"
               f"{q.all_filter_sql} ORDER BY {SORTS[sort]}, f.rowid DESC LIMIT {int(want)}")
        return [Hit(rowid, score, False) for rowid, score in q.conn.execute(sql, q.params)]
    ids = [r[0] for r in q.conn.execute(
        f"SELECT a.id FROM articles a INDEXED BY {index} WHERE a.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} "
        f"MATCH :match){q.all_filter_sql} ORDER BY {SORTS[sort]}, a.id DESC LIMIT {int(want)}", q.params)]
    if not ids:
        return []
    # Scores of the page only. FTS5 seeks a rowid range but walks every match for ``rowid IN
    # (...)``: 20 ms against 320 ms for the 20 newest of 530,000 matches (they are near in rowid).
    wanted = set(ids)
    scores = {rowid: score for rowid, score in q.conn.execute(
        f"SELECT rowid, {_bm25()} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match AND rowid BETWEEN :lo AND :hi",
        {**q.params, "lo": min(ids), "hi": max(ids)}) if rowid in wanted}
    return [Hit(i, scores[i], False) for i in ids]


def _date_index(q: _SearchSQL) -> str | None:
    """The index that yields the filtered articles newest first, or None (province and category
    filters would read every article's row on the walk)."""
    if "province" in q.params or "category" in q.params:
        return None
    return "articles_portal_published" if "portal" in q.params else "articles_published"


def _flag(q: _SearchSQL, hits: list[Hit]) -> None:
    """Set the title and exact flags of one page of hits (looked up for these rows only)."""
    ids = [h.rowid for h in hits]
    if not ids:
        return
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid IN ({', '.join('?' * len(ids))})"
    titles = {r for (r,) in q.conn.execute(sql, [q.params["title_match"], *ids])}
    exact = _exact_rowids(q, ids) if q.parsed.exact_match else set(ids)
    for hit in hits:
        hit.title, hit.exact = hit.rowid in titles, hit.rowid in exact


def _articles(conn: sqlite3.Connection, hits: list[Hit], stories: bool = False) -> list[dict[str, Any]]:
    """The articles of ranked hits, in their order, with score, exact and title_match."""
    if not hits:
        return []
    ids = [h.rowid for h in hits]
    cursor = conn.execute(
        f"""SELECT a.id, a.portal_id, a.province, a.category, a.url, a.title, a.lead, a.body, a.author,
            a.published_at, a.version, p.name AS portal_name{", a.story_id" if stories else ""}
            FROM articles a LEFT JOIN portals p ON p.id = a.portal_id WHERE a.id IN ({",".join("?" * len(ids))})""", ids)
    columns = [d[0] for d in cursor.description]
    by_id = {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}
    return [{**by_id[h.rowid], "score": h.score, "exact": int(h.exact), "title_match": int(h.title)} for h in hits]


def year_counts(conn: sqlite3.Connection, query: str | ParsedQuery, *, filters: Filters | None = None,
                estimate: bool = False, total: int | None = None,
                time_limit_ms: int | None = None) -> list[tuple[str, int]]:
    """Matches per year of publication (for the search page's chart), oldest first.

    Every match is joined to its article for the date, about 1 µs each plus the article's
    pages: 650 ms for a word in half of a million articles, six times the search itself. With
    ``estimate`` (the total was estimated too, so the query has no date filter and no prefix term),
    the matches of the total's rowid slices stand for all: 5 % of the joins, each year's count
    scaled up and rounded like the total. Given a ``total`` above CHART_EXACT_UP_TO that was
    counted (a prefix term, a date filter, fewer than COUNT_EXACT_UP_TO matches), one match
    in 20 picked by a hash of its rowid is joined, each year's count scaled up and rounded
    (chart_is_estimate says when the counts are estimates).
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed.terms:
        return []
    filters = filters or Filters()
    where, params = filters.sql(tokens=True)  # portal, province, category: in the MATCH
    params["match"] = filters.match(parsed.match)
    with time_limit(conn, time_limit_ms):
        try:
            if estimate and not where:
                return _sampled_year_counts(conn, params)
            hashed = chart_is_estimate(estimate, total)
            # the sample's condition is on the FTS cursor's rowid: tested before the join
            sample = f" AND (f.rowid * {_FIBONACCI}) % 4294967296 < {int(4294967296 * COUNT_SAMPLE)}" if hashed else ""
            rows = conn.execute(
                f"SELECT substr(a.published_at, 1, 4) AS year, count(*) FROM {FTS_TABLE} f JOIN articles a ON a.id = f.rowid "
                f"WHERE {FTS_TABLE} MATCH :match{sample}{' AND ' + where if where else ''} AND a.published_at IS NOT NULL "
                "GROUP BY year ORDER BY year", params).fetchall()
            if hashed:
                return [(y, _round_estimate(n / COUNT_SAMPLE)) for y, n in rows]
        except sqlite3.OperationalError as exc:
            if _is_fts_error(exc):
                raise readable_fts_error(exc) from None
            raise
    return [(y, n) for y, n in rows]


# Knuth's multiplicative hash (2^32 / golden ratio): rowids in any arithmetic progression (a
# portal's articles every tenth row) spread evenly over the sample's range.
_FIBONACCI = 2654435761


# A counted total above this many matches gets a sampled chart: each match joined to its article
# costs ~3 µs (150 ms for 50,000, a tenth of a million-article archive's articles in one portal),
# and bars of a chart need no exact counts.
CHART_EXACT_UP_TO = 20_000


def chart_is_estimate(estimate: bool, total: int | None) -> bool:
    """Whether year_counts estimates (the total was, or it is a large counted total)."""
    return estimate or (total is not None and total > CHART_EXACT_UP_TO)


def _sampled_year_counts(conn: sqlite3.Connection, params: dict[str, Any]) -> list[tuple[str, int]]:
    match = f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match"
    lo = conn.execute(f"SELECT rowid {match} ORDER BY rowid LIMIT 1", params).fetchone()
    hi = conn.execute(f"SELECT rowid {match} ORDER BY rowid DESC LIMIT 1", params).fetchone()
    if lo is None:
        return []
    params, covered = _slice_params(params, lo[0], hi[0] + 1)
    sample = " UNION ALL ".join(f"SELECT rowid {match} AND rowid BETWEEN :s{i} AND :e{i}" for i in range(COUNT_SLICES))
    rows = conn.execute(
        f"SELECT substr(a.published_at, 1, 4) AS year, count(*) FROM ({sample}) m JOIN articles a ON a.id = m.rowid "
        "WHERE a.published_at IS NOT NULL GROUP BY year ORDER BY year", params).fetchall()
    scale = (hi[0] + 1 - lo[0]) / covered
    return [(year, _round_estimate(n * scale)) for year, n in rows]


def distinct_values(conn: sqlite3.Connection, column: str, limit: int = 200) -> list[str]:
    """The distinct non-NULL values of an indexed ``articles`` column, in order (the search
    form's choices): one index seek per value instead of a scan of every article, 1.5 s for
    ``province`` in a million articles (SQLite has no loose index scan of its own)."""
    if column not in {"province", "category"}:  # the columns migration m004 indexes
        raise ValueError(column)
    rows = conn.execute(
        f"""WITH RECURSIVE v(x) AS (
              SELECT min({column}) FROM articles
              UNION ALL
              SELECT (SELECT min({column}) FROM articles WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL)
            SELECT x FROM v WHERE x IS NOT NULL LIMIT {int(limit)}""").fetchall()
    return [r[0] for r in rows]


def highlight(text: str | None, parsed: ParsedQuery, *, width: int | None = 220) -> str:
    """HTML-escaped ``text`` with the query's words in ``<mark>``, cut to ``width`` characters
    around the first match (the whole text when ``width`` is None).

    Matching is done on :func:`fold` of the text, so ``dai hoi`` marks ``Đại hội`` and the
    marked text is always the article's own, never the folded copy the index matched.
    """
    from html import escape

    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    spans = parsed.spans(folded)
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 3)
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + width)
        if end < len(text):
            end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    out, pos = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]) + "<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")


def newest_articles(conn: sqlite3.Connection, *, filters: Filters | None = None, sort: str = "newest",
                    limit: int = 20, offset: int = 0, time_limit_ms: int | None = None) -> dict[str, Any]:
    """The search page without a query: articles matching the filters by date (a portal's feed)."""
    if sort not in ("newest", "oldest"):
        raise SearchError("sort: without a search query, results are sorted by date (newest or oldest).")
    with time_limit(conn, time_limit_ms):
        return _newest_articles(conn, filters or Filters(), sort, limit, offset)


def _newest_articles(conn: sqlite3.Connection, filters: Filters, sort: str, limit: int, offset: int) -> dict[str, Any]:
    where, params = filters.sql()
    params.update(limit=limit, offset=offset)
    where_sql = f"WHERE {where}" if where else ""
    total = conn.execute(f"SELECT count(*) FROM articles a {where_sql}", params).fetchone()[0]
    cursor = conn.execute(
        f"""SELECT a.id, a.portal_id, a.province, a.category, a.url, a.title, a.lead, a.body, a.author,
            a.published_at, a.version, p.name AS portal_name, NULL AS score, NULL AS exact
            FROM articles a LEFT JOIN portals p ON p.id = a.portal_id {where_sql}
            ORDER BY {SORTS[sort]}, a.id DESC LIMIT :limit OFFSET :offset""", params)
    columns = [d[0] for d in cursor.description]
    return {"total": total, "total_is_estimate": False, "rows": [dict(zip(columns, r)) for r in cursor.fetchall()],
            "ranked_window": None}
