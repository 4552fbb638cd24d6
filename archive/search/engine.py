"""One page of search results: the query searched (or read again as plain words, or relaxed
when it finds nothing), counted, ordered, its re-posted copies grouped, and the articles read.

Queries are read by archive.query, which never refuses one; every statement of a search can be
given a time limit (limits.time_limit).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from archive.query import RELAX_MIN_TERMS, ParsedQuery, SearchError, parse_query, plain_query
from archive.search import limits
from archive.search.by_date import date_hits, flag_hits
from archive.search.counting import total as count_total
from archive.search.filters import SORTS, Filters
from archive.search.grouping import collapse, has_stories, story_copies
from archive.search.ranking import rank_hits
from archive.search.schema import FTS_TABLE
from archive.search.statements import Hit, SearchSQL, is_fts_error


def ranked_search(conn: sqlite3.Connection, query: str | ParsedQuery, *, filters: Filters | None = None,
                  sort: str = "rank", limit: int = 20, offset: int = 0,
                  time_limit_ms: int | None = None) -> dict[str, Any]:
    """One page of search results, best first, and the total number of matches.

    Returns ``{"total", "total_is_estimate", "rows", "ranked_window", "parsed"}``; each row has
    the article's columns plus ``score`` (bm25, lower is better), ``exact`` (1 when every word
    typed with marks is in the article as typed, in any of its spellings) and ``title_match``.
    ``ranked_window`` is None when every match was ranked, or the number of newest matches that
    were (see RANK_WINDOW). ``total_is_estimate`` is true when ``total`` was estimated from a
    sample (see counting.total). ``parsed`` is the query as searched: the given one, or its plain
    words (with a note) if FTS5 rejected it. With ``time_limit_ms`` every statement stops at that
    limit (SearchTimeout).
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if sort not in SORTS:
        raise SearchError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}.")
    if not parsed.terms:
        return {"total": 0, "total_is_estimate": False, "rows": [], "ranked_window": None, "parsed": parsed}
    with limits.time_limit(conn, time_limit_ms):
        try:
            return _search_or_relax(conn, parsed, filters or Filters(), sort, limit, offset)
        except sqlite3.OperationalError as exc:
            if not is_fts_error(exc):
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


def _ranked_search(conn: sqlite3.Connection, parsed: ParsedQuery, filters: Filters, sort: str, limit: int,
                   offset: int) -> dict[str, Any]:
    q = SearchSQL.build(conn, parsed, filters)
    want = offset + limit
    total, estimated = count_total(q)
    window = limits.RANK_WINDOW if sort == "rank" and total > limits.RANK_WINDOW else None
    stories = has_stories(conn)
    fetch = want
    while True:  # a story's copies are one result: read on until the page has its stories
        hits = date_hits(q, sort, fetch, total) if sort != "rank" else rank_hits(q, fetch, window)
        collapsed = collapse(conn, hits) if stories else hits
        if len(collapsed) >= want or len(hits) < fetch or fetch >= limits.COLLAPSE_READ_UP_TO:
            break
        fetch = min(limits.COLLAPSE_READ_UP_TO, 2 * fetch + want)
    hits = collapsed[offset:want]
    if sort != "rank":
        flag_hits(q, hits)
    if stories:
        copies = story_copies(q, hits)
    rows = _articles(conn, hits, stories)
    if stories:
        for row in rows:
            row["copies"] = [c for c in copies.get(row["story_id"], []) if c["id"] != row["id"]]
            row["also_on_portals"] = len({c["portal_id"] for c in row["copies"]} - {row["portal_id"]})
    return {"total": total, "total_is_estimate": estimated, "rows": rows, "ranked_window": window, "parsed": parsed}


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


def newest_articles(conn: sqlite3.Connection, *, filters: Filters | None = None, sort: str = "newest",
                    limit: int = 20, offset: int = 0, time_limit_ms: int | None = None) -> dict[str, Any]:
    """The search page without a query: articles matching the filters by date (a portal's feed)."""
    if sort not in ("newest", "oldest"):
        raise SearchError("sort: without a search query, results are sorted by date (newest or oldest).")
    with limits.time_limit(conn, time_limit_ms):
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
