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


# --- Ranked search -------------------------------------------------------------------------
#
# Datasette's ``_search=`` filters rows but cannot rank them. ``ranked_search`` is what the
# search page and its JSON/Atom outputs use: bm25 with the title weighted above the lead and
# the body, and — when the query is typed with diacritics — articles containing the words
# exactly as typed ("mà", not only "ma"/"má") first. The exact-diacritic test needs an index
# that keeps the marks: ``articles_exact`` (remove_diacritics 0, detail=none: it only stores
# which article has which word, so it stays small).

import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from typing import Any

EXACT_TABLE = "articles_exact"
# bm25 weights per FTS column: title, lead, body, then their đ-folded copies.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 10.0, 4.0, 1.0)
# Above this many matches, ranking considers the newest RANK_WINDOW matches (plus every title
# match among the newest TITLE_WINDOW): scoring all of a very common word's 500k matches takes
# about a second, and for such a word relevance differences are dominated by recency anyway.
RANK_WINDOW = 20_000
TITLE_WINDOW = 50_000
OPERATORS = {"AND", "OR", "NOT"}


class SearchError(ValueError):
    """A query the full-text engine cannot understand; the message is meant for the user."""


@search_migrations()
def m001_exact_index(db) -> None:
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


def fold(text: str) -> str:
    """Every mark removed and ``đ→d``, lower-cased, one character per character of ``text``.

    Length-preserving (for NFC text), so a match found in the folded text is at the same
    offsets in the original: that is how snippets highlight ``Đại hội`` for ``dai hoi``.
    """
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ord(ch) > 127 else ch
        out.append("d" if base in "đĐ" else base.lower() if len(base.lower()) == 1 else base)
    return "".join(out)


@dataclass
class Term:
    words: list[str]          # one word, or the words of a "phrase"
    prefix: bool = False      # word* / "phrase"*
    negated: bool = False     # after NOT


@dataclass
class ParsedQuery:
    """A user's query as an FTS5 expression, and the terms used to highlight and boost."""

    text: str
    match: str
    terms: list[Term] = field(default_factory=list)
    has_or: bool = False

    @property
    def exact_match(self) -> str | None:
        """FTS5 expression over ``articles_exact`` for the words typed with marks, or None."""
        words = [w for t in self.terms if not t.negated and not t.prefix for w in t.words if fold(w) != w.lower()]
        if not words:
            return None
        return f" {'OR' if self.has_or else 'AND'} ".join(f'"{w}"' for w in dict.fromkeys(words))


_TOKEN = re.compile(r'"[^"]*"\*?|\(|\)|[^\s()"]+')
_WORD = re.compile(r"\w+")


def parse_query(text: str) -> ParsedQuery:
    """Turn what a researcher typed into an FTS5 expression, or raise SearchError.

    Words are quoted (so ``-``, ``:`` and other FTS5 syntax characters are plain text);
    ``"..."`` is a phrase, a trailing ``*`` a prefix, and ``AND``/``OR``/``NOT`` (capitals)
    and parentheses keep their meaning. Adjacent words mean AND.
    """
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise SearchError("Type a word to search for.")
    if text.count('"') % 2:
        raise SearchError('The search has an unclosed quote ("): close the phrase, e.g. "cải cách hành chính".')
    parts: list[str] = []
    terms: list[Term] = []
    depth = 0
    negate_next = False
    has_or = False
    for token in _TOKEN.findall(text):
        if token in OPERATORS:
            parts.append(token)
            has_or |= token == "OR"
            negate_next = token == "NOT"
            continue
        if token in "()":
            depth += 1 if token == "(" else -1
            if depth < 0:
                raise SearchError("The search has a ')' without its '('.")
            parts.append(token)
            continue
        prefix = token.endswith("*")
        body = token[:-1] if prefix else token
        words = _WORD.findall(body.strip('"'))
        if not words:
            continue
        parts.append('"' + " ".join(words) + '"' + ("*" if prefix else ""))
        terms.append(Term(words=words, prefix=prefix, negated=negate_next))
        negate_next = False
    if depth:
        raise SearchError("The search has a '(' without its ')'.")
    if not terms:
        raise SearchError("The search has no words to look for.")
    return ParsedQuery(text=text, match=" ".join(parts), terms=terms, has_or=has_or)


def readable_fts_error(exc: sqlite3.Error) -> SearchError:
    """SQLite's ``fts5: syntax error near "AND"`` as a sentence a researcher can act on."""
    detail = str(exc).removeprefix("fts5: ")
    return SearchError(f"The search could not be understood ({detail}). Put AND, OR, NOT between words, "
                       'and quotes around phrases: "cải cách hành chính" OR "một cửa".')


@dataclass
class Filters:
    """Article filters of the search page (all optional)."""

    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None   # YYYY-MM-DD, inclusive
    date_to: str | None = None     # YYYY-MM-DD, inclusive

    def sql(self) -> tuple[str, dict[str, Any]]:
        clauses, params = [], {}
        for name, column in (("portal", "portal_id"), ("province", "province"), ("category", "category")):
            value = getattr(self, name)
            if value:
                clauses.append(f"a.{column} = :{name}")
                params[name] = value
        if self.date_from:
            clauses.append("a.published_at >= :date_from")
            params["date_from"] = self.date_from
        if self.date_to:
            clauses.append("substr(a.published_at, 1, 10) <= :date_to")
            params["date_to"] = self.date_to
        return " AND ".join(clauses), params


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_date(value: str | None, name: str) -> str | None:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD (or nothing); anything else is a SearchError."""
    if not value:
        return None
    if not _DATE.match(value):
        raise SearchError(f"{name}: expected a date as YYYY-MM-DD, got {value!r}.")
    return value


SORTS = {
    "rank": "exact, title, score",
    "newest": "a.published_at IS NULL, a.published_at DESC",
    "oldest": "a.published_at IS NULL, a.published_at ASC",
}


def ranked_search(conn: sqlite3.Connection, query: str | ParsedQuery, *, filters: Filters | None = None,
                  sort: str = "rank", limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """One page of search results, best first, and the total number of matches.

    Returns ``{"total", "rows", "ranked_window"}``; each row has the article's columns plus
    ``score`` (bm25, lower is better) and ``exact`` (0 when every word typed with marks is in
    the article as typed). ``ranked_window`` is None when every match was scored, or the number
    of newest matches that were (see RANK_WINDOW). Raises SearchError for a query FTS5 rejects.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if sort not in SORTS:
        raise SearchError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}.")
    where, params = (filters or Filters()).sql()
    params.update(match=parsed.match, exact=parsed.exact_match)
    filter_sql = f" AND {where}" if where else ""
    join = " JOIN articles a ON a.id = f.rowid" if where or sort != "rank" else ""
    params["title_match"] = f"{{title title_folded}} : ({parsed.match})"
    try:
        total = conn.execute(f"SELECT count(*) FROM {FTS_TABLE} f{join} WHERE {FTS_TABLE} MATCH :match{filter_sql}",
                             params).fetchone()[0]
        want = offset + limit
        if sort == "rank" and total > RANK_WINDOW:
            # Score the newest RANK_WINDOW matches, and separately the newest title matches;
            # each query keeps FTS5's rowid range, so neither touches the other matches.
            window: int | None = RANK_WINDOW
            params["window_from"] = _nth_newest(conn, params, join, filter_sql, ":match", RANK_WINDOW)
            params["title_from"] = _nth_newest(conn, params, join, filter_sql, ":title_match", TITLE_WINDOW)
            hits = {h[0]: h for h in _hits(conn, parsed, params, join, filter_sql, ":title_match",
                                           " AND f.rowid >= :title_from", "rowid >= :title_from", want, all_title=True)}
            for h in _hits(conn, parsed, params, join, filter_sql, ":match", " AND f.rowid >= :window_from",
                           "rowid >= :window_from", want):
                hits.setdefault(h[0], h)
            ranked = sorted(hits.values(), key=lambda h: (h[2], h[3], h[1], -h[0]))[offset:want]
        else:
            window = None
            ranked = _hits(conn, parsed, params, join, filter_sql, ":match", "", "1", want, sort=sort)[offset:want]
        rows = _articles(conn, ranked)
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "syntax error" in str(exc) or "no such column" in str(exc):
            raise readable_fts_error(exc) from None
        raise
    return {"total": total, "rows": rows, "ranked_window": window}


def _nth_newest(conn: sqlite3.Connection, params: dict[str, Any], join: str, filter_sql: str, match: str, n: int) -> int:
    row = conn.execute(f"SELECT f.rowid FROM {FTS_TABLE} f{join} WHERE {FTS_TABLE} MATCH {match}{filter_sql} "
                       f"ORDER BY f.rowid DESC LIMIT 1 OFFSET {int(n) - 1}", params).fetchone()
    return row[0] if row else 0


def _hits(conn: sqlite3.Connection, parsed: ParsedQuery, params: dict[str, Any], join: str, filter_sql: str, match: str,
          range_sql: str, title_range: str, want: int, sort: str = "rank", all_title: bool = False) -> list[tuple]:
    """(id, score, not_exact, not_title) of the best ``want`` matches: articles with the words
    exactly as typed first, then title matches, then bm25 (title above lead above body).

    ``all_title``: every match of ``match`` is a title match already (the title window), so
    the title flag needs no sub-select over the index.
    """
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    exact_sql = (f"(f.rowid NOT IN (SELECT rowid FROM {EXACT_TABLE} WHERE {EXACT_TABLE} MATCH :exact AND {title_range}))"
                 if parsed.exact_match else "0")
    title_sql = "0" if all_title else f"(f.rowid NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_match AND {title_range}))"
    order = SORTS["rank"] if sort == "rank" else SORTS[sort]
    return conn.execute(
        f"SELECT f.rowid, bm25({FTS_TABLE}, {weights}) AS score, {exact_sql} AS exact, {title_sql} AS title "
        f"FROM {FTS_TABLE} f{join} WHERE {FTS_TABLE} MATCH {match}{filter_sql}{range_sql} "
        f"ORDER BY {order}, f.rowid DESC LIMIT {int(want)}", params).fetchall()


def _articles(conn: sqlite3.Connection, ranked: list[tuple]) -> list[dict[str, Any]]:
    """The articles of ranked hits, in their order, with score, exact and title_match."""
    if not ranked:
        return []
    ids = [h[0] for h in ranked]
    cursor = conn.execute(
        f"""SELECT a.id, a.portal_id, a.province, a.category, a.url, a.title, a.lead, a.body, a.author,
            a.published_at, a.version, p.name AS portal_name
            FROM articles a LEFT JOIN portals p ON p.id = a.portal_id WHERE a.id IN ({",".join("?" * len(ids))})""", ids)
    columns = [d[0] for d in cursor.description]
    by_id = {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}
    return [{**by_id[id_], "score": score, "exact": int(not_exact == 0), "title_match": int(not_title == 0)}
            for id_, score, not_exact, not_title in ranked]


def year_counts(conn: sqlite3.Connection, query: str | ParsedQuery, *, filters: Filters | None = None) -> list[tuple[str, int]]:
    """Matches per year of publication (for the search page's chart), oldest first."""
    parsed = parse_query(query) if isinstance(query, str) else query
    where, params = (filters or Filters()).sql()
    params["match"] = parsed.match
    try:
        rows = conn.execute(
            f"SELECT substr(a.published_at, 1, 4) AS year, count(*) FROM {FTS_TABLE} f JOIN articles a ON a.id = f.rowid "
            f"WHERE {FTS_TABLE} MATCH :match{' AND ' + where if where else ''} AND a.published_at IS NOT NULL "
            "GROUP BY year ORDER BY year", params).fetchall()
    except sqlite3.OperationalError as exc:
        raise readable_fts_error(exc) from None
    return [(y, n) for y, n in rows]


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
    patterns = []
    for term in parsed.terms:
        if term.negated:
            continue
        words = [re.escape(fold(w)) for w in term.words]
        tail = r"\w*" if term.prefix else r"(?!\w)"
        patterns.append(r"(?<!\w)" + r"\W+".join(words) + tail)
    spans = [m.span() for m in re.finditer("|".join(patterns), folded)] if patterns else []
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
                    limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """The search page without a query: articles matching the filters by date (a portal's feed)."""
    if sort not in ("newest", "oldest"):
        raise SearchError("sort: without a search query, results are sorted by date (newest or oldest).")
    where, params = (filters or Filters()).sql()
    params.update(limit=limit, offset=offset)
    where_sql = f"WHERE {where}" if where else ""
    total = conn.execute(f"SELECT count(*) FROM articles a {where_sql}", params).fetchone()[0]
    cursor = conn.execute(
        f"""SELECT a.id, a.portal_id, a.province, a.category, a.url, a.title, a.lead, a.body, a.author,
            a.published_at, a.version, p.name AS portal_name, NULL AS score, NULL AS exact
            FROM articles a LEFT JOIN portals p ON p.id = a.portal_id {where_sql}
            ORDER BY {SORTS[sort]}, a.id DESC LIMIT :limit OFFSET :offset""", params)
    columns = [d[0] for d in cursor.description]
    return {"total": total, "rows": [dict(zip(columns, r)) for r in cursor.fetchall()], "ranked_window": None}
