"""How many articles a search matches: counted, or estimated from rowid slices when large."""

from __future__ import annotations

from typing import Any

from archive.search import limits
from archive.search.schema import FTS_TABLE
from archive.search.statements import SearchSQL


def total(q: SearchSQL) -> tuple[int, bool]:
    """The number of matches, and whether it is an estimate.

    Exact up to COUNT_EXACT_UP_TO. Beyond the rank window only the matches older than it are
    counted (its boundary is needed for ranking anyway, and FTS5 seeks to a rowid range), and
    when there may be more than COUNT_EXACT_UP_TO of them, they are estimated from evenly
    spread rowid slices: about 1/20 of the reading of a count(*). A prefix term the index has no
    prefix index for (``ngan*``, see statements.merges_prefixes) is always counted in one
    statement: FTS5 merges every word of the prefix for each statement whatever its rowid
    range, so boundaries and slices would cost more than the count. So is a
    date-filtered search: each statement joins the articles of the matches it walks, and walking
    to the boundary and then counting would join most matches twice. (Portal, province and
    category filters are tokens in the MATCH: counted like no filter.)
    """
    count_sql = f"SELECT count(*) FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql}"
    if q.join or q.merges_prefixes:
        return q.one(count_sql), False
    # the newest RANK_WINDOW matches, counted, and the oldest of them (the rank window's
    # boundary): one walk, which is the whole count when there are fewer
    newest, window_from = q.conn.execute(
        f"SELECT count(*), min(rowid) FROM (SELECT f.rowid AS rowid FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} "
        f"MATCH :match{q.filter_sql} ORDER BY f.rowid DESC LIMIT {int(limits.RANK_WINDOW)})", q.params).fetchone()
    q.params["window_from"] = window_from if newest == limits.RANK_WINDOW else None
    if newest < limits.RANK_WINDOW:
        return newest, False
    oldest = q.one(f"{count_sql.replace('count(*)', 'f.rowid')} ORDER BY f.rowid LIMIT 1")
    if window_from - oldest > limits.COUNT_EXACT_UP_TO - limits.RANK_WINDOW:
        older = _estimate_between(q, oldest, window_from)
        if limits.RANK_WINDOW + older > limits.COUNT_EXACT_UP_TO:
            return round_estimate(limits.RANK_WINDOW + older), True
    return limits.RANK_WINDOW + q.one(f"{count_sql} AND f.rowid < :window_from"), False


def nth_newest(q: SearchSQL, n: int) -> int | None:
    """Row id of the ``n``-th newest match (None when there are fewer): FTS5 reads the doclist
    backwards from its end, so this costs the reading of ``n`` matches, not of all."""
    return q.one(f"SELECT f.rowid FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql} "
                 f"ORDER BY f.rowid DESC LIMIT 1 OFFSET {int(n) - 1}")


def _estimate_between(q: SearchSQL, lo: int, hi: int) -> float:
    """Estimated number of matches with ``lo <= rowid < hi``, from COUNT_SLICES slices.

    The slices are evenly spaced, so a word common in one period or in one portal's range of
    row ids is sampled in proportion to that range. One statement, one FTS5 cursor per slice.
    """
    params, covered = slice_params(q.params, lo, hi)
    if covered <= 0:
        return 0.0
    slices = [f"(SELECT count(*) FROM {FTS_TABLE} f{q.join} WHERE {FTS_TABLE} MATCH :match{q.filter_sql} "
              f"AND f.rowid BETWEEN :s{i} AND :e{i})" for i in range(limits.COUNT_SLICES)]
    sampled = q.conn.execute("SELECT " + " + ".join(slices), params).fetchone()[0]
    return sampled * (hi - lo) / covered


def slice_params(params: dict[str, Any], lo: int, hi: int) -> tuple[dict[str, Any], int]:
    """COUNT_SLICES evenly spaced rowid ranges in ``lo <= rowid < hi``, together COUNT_SAMPLE of
    them, as statement parameters ``:s<i>``/``:e<i>`` (added to a copy of ``params``), and the
    number of rowids they cover."""
    step = (hi - lo) / limits.COUNT_SLICES
    width = max(1, int(step * limits.COUNT_SAMPLE))
    params, covered = dict(params), 0
    for i in range(limits.COUNT_SLICES):
        start = lo + int(i * step + (step - width) / 2)
        params[f"s{i}"], params[f"e{i}"] = start, min(start + width, hi) - 1
        covered += params[f"e{i}"] - start + 1
    return params, covered


def round_estimate(n: float) -> int:
    """An estimate to two significant figures (533,026 -> 530,000): no more precise than it is."""
    digits = max(0, len(str(int(n))) - 2)
    return int(round(n, -digits))
