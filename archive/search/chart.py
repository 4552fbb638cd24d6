"""Matches per year of publication, for the search page's chart (sampled when they are many)."""

from __future__ import annotations

import sqlite3
from typing import Any

from archive.query import ParsedQuery, parse_query
from archive.search import limits
from archive.search.counting import round_estimate, slice_params
from archive.search.filters import Filters
from archive.search.schema import DATE_BY_ID_INDEX, FTS_TABLE
from archive.search.statements import is_fts_error, merges_prefixes, readable_fts_error

# Knuth's multiplicative hash (2^32 / golden ratio): rowids in any arithmetic progression (a
# portal's articles every tenth row) spread evenly over the sample's range.
_FIBONACCI = 2654435761


def year_counts(conn: sqlite3.Connection, query: str | ParsedQuery, *, filters: Filters | None = None,
                estimate: bool = False, total: int | None = None,
                time_limit_ms: int | None = None) -> list[tuple[str, int]]:
    """Matches per year of publication (for the search page's chart), oldest first.

    Every match is joined to its date (through DATE_BY_ID_INDEX: in the table the date is
    stored after the body), about 1.5 µs each: 300 ms for a word in half of a million articles.
    Above CHART_EXACT_UP_TO matches (``total``, or ``estimate`` when the total was estimated)
    the chart is an estimate (chart_is_estimate): each year's count scaled up from a sample and
    rounded like the total. The sample is the matches of evenly spaced rowid slices, 5 % of
    the rowids, which FTS5 seeks to; when a statement must walk every match anyway (a date
    filter joins each to its article, a prefix without a prefix index merges every word it
    begins, see statements.merges_prefixes), one match in 20 picked by a hash of its rowid.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed.terms:
        return []
    filters = filters or Filters()
    where, params = filters.sql(tokens=True)  # portal, province, category: in the MATCH
    params["match"] = filters.match(parsed.match)
    with limits.time_limit(conn, time_limit_ms):
        try:
            sampled = chart_is_estimate(estimate, total)
            if sampled and not where and not merges_prefixes(conn, parsed):
                return _sliced_year_counts(conn, params)
            # the sample's condition is on the FTS cursor's rowid: tested before the join
            sample = (f" AND (f.rowid * {_FIBONACCI}) % 4294967296 < {int(4294967296 * limits.COUNT_SAMPLE)}"
                      if sampled else "")
            rows = conn.execute(
                f"SELECT substr(a.published_at, 1, 4) AS year, count(*) FROM {FTS_TABLE} f JOIN articles a{_by_id(conn)} ON a.id = f.rowid "
                f"WHERE {FTS_TABLE} MATCH :match{sample}{' AND ' + where if where else ''} AND a.published_at IS NOT NULL "
                "GROUP BY year ORDER BY year", params).fetchall()
            if sampled:
                return [(y, round_estimate(n / limits.COUNT_SAMPLE)) for y, n in rows]
        except sqlite3.OperationalError as exc:
            if is_fts_error(exc):
                raise readable_fts_error(exc) from None
            raise
    return [(y, n) for y, n in rows]


def _by_id(conn: sqlite3.Connection) -> str:
    """``INDEXED BY`` the dates by id (SQLite would read the table by rowid), if the archive has
    the index (search migration m004; an archive opened without migrating may not)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [DATE_BY_ID_INDEX]).fetchone()
    return f" INDEXED BY {DATE_BY_ID_INDEX}" if found else ""


def chart_is_estimate(estimate: bool, total: int | None) -> bool:
    """Whether year_counts estimates (the total was, or it is a large counted total)."""
    return estimate or (total is not None and total > limits.CHART_EXACT_UP_TO)


def _sliced_year_counts(conn: sqlite3.Connection, params: dict[str, Any]) -> list[tuple[str, int]]:
    match = f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match"
    lo = conn.execute(f"SELECT rowid {match} ORDER BY rowid LIMIT 1", params).fetchone()
    hi = conn.execute(f"SELECT rowid {match} ORDER BY rowid DESC LIMIT 1", params).fetchone()
    if lo is None:
        return []
    params, covered = slice_params(params, lo[0], hi[0] + 1)
    sample = " UNION ALL ".join(f"SELECT rowid {match} AND rowid BETWEEN :s{i} AND :e{i}"
                                for i in range(limits.COUNT_SLICES))
    rows = conn.execute(
        f"SELECT substr(a.published_at, 1, 4) AS year, count(*) FROM ({sample}) m JOIN articles a{_by_id(conn)} ON a.id = m.rowid "
        "WHERE a.published_at IS NOT NULL GROUP BY year ORDER BY year", params).fetchall()
    scale = (hi[0] + 1 - lo[0]) / covered
    return [(year, round_estimate(n * scale)) for year, n in rows]
