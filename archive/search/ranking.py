"""The matches of a search in rank order: title matches first, bm25, and words typed with
marks found as typed before the others.

Datasette's ``_search=`` filters rows but cannot rank them. Ranking uses bm25 with the title
weighted above the lead and the body, and — when the query is typed with diacritics — articles
containing the words exactly as typed ("mà", not only "ma"/"má") first, looked up in
``articles_exact``. "As typed" allows the word's other spellings (tone mark placement, i/y:
archive.vnspell), expanded in the query, so both indexes keep the portal's own text.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from archive.search import limits
from archive.search.counting import nth_newest
from archive.search.schema import EXACT_TABLE, FTS_TABLE
from archive.search.statements import Hit, SearchSQL, bm25


def rank_hits(q: SearchSQL, want: int, window: int | None) -> list[Hit]:
    """The first ``want`` matches in rank order (every match ranked, or with ``window`` the
    newest ones: see window_hits)."""
    # Without marks ranking reads ``want`` rows; with marks it may read on (rare exact
    # matches), and a statement run again for the rest would score everything twice.
    first = None if q.parsed.exact_match else want
    candidates = window_hits(q, first) if window else all_hits(q, first)
    try:
        return exact_first(candidates, q, want)
    finally:
        candidates.close()


def all_hits(q: SearchSQL, first: int | None) -> Iterator[Hit]:
    """Every match, title matches first, then by bm25 (at most RANK_WINDOW of them).

    Titles that begin with the query's words (a pasted title, see
    ParsedQuery.title_start_match) come before the other title matches, the shortest title
    first: the article whose title is the query itself leads, however often another repeats
    the words in its body.

    Title matches come first whatever their score, so they are scored by a statement of their
    own, and the other matches by a second one that runs only if ranking reads past the title
    matches (a page of a common word seldom does). bm25 costs about 10 µs a row: scoring the
    17,700 matches of a common word in one portal and category of a million articles to rank
    their 1,000 title matches first took 250 ms. Both statements score with the query's own
    MATCH, so the scores are those of one statement over every match.
    """
    # ``+f.rowid``: a plain test of each match. As a constraint SQLite would hand the rowids to
    # FTS5, which runs the MATCH again for each one (seconds for a few hundred titles).
    title = f"+f.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_match)"
    title_rank, order = "1", "score, f.rowid DESC"  # not "title": inside an expression that is the FTS column
    if q.params.get("title_start"):
        start = f"+f.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_start)"
        title_rank = f"CASE WHEN {start} THEN 2 ELSE 1 END"
        title = f"({title} OR {start})"
        order = ("title_rank DESC, CASE WHEN title_rank = 2 THEN (SELECT length(t.title) FROM articles t WHERE t.id = f.rowid) "
                 "END, score, f.rowid DESC")
    matches = f"FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql}"
    for rowid, score, _ in q.ranked(f"SELECT f.rowid, {bm25()} AS score, {title_rank} AS title_rank {matches} "
                                    f"AND {title} ORDER BY {order}", first):
        yield Hit(rowid, score, True)
    for rowid, score in q.ranked(f"SELECT f.rowid, {bm25()} AS score {matches} AND NOT {title} "
                                 "ORDER BY score, f.rowid DESC", first):
        yield Hit(rowid, score, False)


def window_hits(q: SearchSQL, first: int | None) -> Iterator[Hit]:
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
    sql = (f"SELECT rowid, score FROM (SELECT f.rowid AS rowid, {bm25()} AS score FROM {FTS_TABLE} f{q.join} "
           f"WHERE {FTS_TABLE} MATCH :title_match{q.filter_sql} ORDER BY f.rowid DESC "
           f"LIMIT {max(limits.TITLE_WINDOW, limits.RANK_WINDOW)}) ORDER BY score, rowid DESC")
    for rowid, score in q.ranked(sql, first):
        title_ids.append(rowid)
        yield Hit(rowid, score, True)
    if q.params.get("window_from") is None:  # counted in one statement (counting.total): no boundary yet
        q.params["window_from"] = nth_newest(q, limits.RANK_WINDOW) or 0
    if len(title_ids) <= limits.MAX_LISTED_IDS:
        not_title = f" AND f.rowid NOT IN ({', '.join(str(int(i)) for i in title_ids)})" if title_ids else ""
    else:
        not_title = (f" AND f.rowid NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :title_match "
                     "AND rowid >= :window_from)")
    sql = (f"SELECT f.rowid, {bm25()} AS score FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match"
           f"{q.filter_sql} AND f.rowid >= :window_from{not_title} ORDER BY score, f.rowid DESC")
    for rowid, score in q.ranked(sql, first):
        yield Hit(rowid, score, False)


def exact_first(hits: Iterator[Hit], q: SearchSQL, want: int) -> list[Hit]:
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
        batch = list(islice(hits, size) if checked + size <= limits.EXACT_LOOKUPS else hits)
        if not batch:
            break
        found = exact_rowids(q, [h.rowid for h in batch])
        for hit in batch:
            hit.exact = hit.rowid in found
            (exact if hit.exact else other).append(hit)
    return (exact + other)[:want]


def exact_rowids(q: SearchSQL, rowids: list[int]) -> set[int]:
    """Which of ``rowids`` contain every word typed with marks exactly as typed."""
    if not rowids:
        return set()
    if len(rowids) <= limits.EXACT_LOOKUPS:
        sql = f"SELECT rowid FROM {EXACT_TABLE} WHERE {EXACT_TABLE} MATCH ? AND rowid IN ({', '.join('?' * len(rowids))})"
        return {r for (r,) in q.conn.execute(sql, [q.parsed.exact_match, *rowids])}
    sql = f"SELECT rowid FROM {EXACT_TABLE} WHERE {EXACT_TABLE} MATCH ? AND rowid BETWEEN ? AND ?"
    found = {r for (r,) in q.conn.execute(sql, [q.parsed.exact_match, min(rowids), max(rowids)])}
    return found.intersection(rowids)
