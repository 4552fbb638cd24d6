"""What every statement of one search shares: its SQL pieces and parameters, the bm25 weights,
the hits being ranked, and how SQLite's FTS5 errors are told apart and worded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archive.query import ParsedQuery, SearchError, fold
from archive.search.filters import Filters
from archive.search.schema import FTS_TABLE, indexed_prefix_lengths

# bm25 weights per FTS column: title, lead, body, then their đ-folded copies.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 10.0, 4.0, 1.0, 0.0)  # ... and the facets (no weight)

JOIN = " JOIN articles a ON a.id = f.rowid"


def bm25() -> str:
    """The ranking function over the FTS table, with BM25_WEIGHTS."""
    return f"bm25({FTS_TABLE}, {', '.join(str(w) for w in BM25_WEIGHTS)})"


@dataclass
class Hit:
    """A match being ranked: bm25 score (lower is better) and its two rank flags."""

    rowid: int
    score: float
    title: bool
    exact: bool = True


@dataclass
class SearchSQL:
    """The pieces of SQL and the parameters every statement of one search shares."""

    conn: sqlite3.Connection
    parsed: ParsedQuery
    params: dict[str, Any]
    join: str
    filter_sql: str

    all_filter_sql: str = ""  # every filter as SQL (the date-index walk narrows by them too)
    merges_prefixes: bool = False  # see merges_prefixes()

    @classmethod
    def build(cls, conn: sqlite3.Connection, parsed: ParsedQuery, filters: Filters) -> "SearchSQL":
        where, params = filters.sql(tokens=True)  # portal, province, category: in the MATCH
        everything, _ = filters.sql()
        params.update(match=filters.match(parsed.match), exact=parsed.exact_match,
                      title_match=filters.match(f"{{title title_folded}} : ({parsed.match})"),
                      title_start=parsed.title_start_match)
        join = JOIN if where else ""  # only date filters need the articles (a join costs ~1 µs a match)
        return cls(conn, parsed, params, join, f" AND {where}" if where else "",
                   f" AND {everything}" if everything else "", merges_prefixes(conn, parsed))

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


def merges_prefixes(conn: sqlite3.Connection, parsed: ParsedQuery) -> bool:
    """Whether a prefix term of ``parsed`` is not in the index's prefix indexes, so FTS5 merges
    the doclists of every indexed word it begins, in each statement whatever its rowid range
    (``ngan*`` in a million articles: about 65 ms a statement). Such a query is counted and
    charted in one pass over its matches, not by rowid slices."""
    prefixes = [t for t in parsed.terms if t.prefix]
    if not prefixes:
        return False
    indexed = indexed_prefix_lengths(conn)
    return any(len(fold(t.words[-1])) not in indexed for t in prefixes)


def is_fts_error(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused the query's FTS5 expression (not the database or the time limit)."""
    return "fts5" in str(exc) or "syntax error" in str(exc) or "no such column" in str(exc)


def readable_fts_error(exc: sqlite3.Error) -> SearchError:
    """SQLite's ``fts5: syntax error near "AND"`` as a sentence a researcher can act on."""
    detail = str(exc).removeprefix("fts5: ")
    return SearchError(f"The search could not be understood ({detail}). Put AND, OR, NOT between words, "
                       'and quotes around phrases: "cải cách hành chính" OR "một cửa".')
