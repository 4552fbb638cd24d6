"""Vietnamese full-text search over the archive: the FTS5 index, ranked and filtered searches,
their counts, the per-year chart and highlighted snippets.

One module per job:

- :mod:`~archive.search.schema` the FTS5 tables, their triggers and the search migrations;
- :mod:`~archive.search.filters` the page's filters, sort orders and filter choices;
- :mod:`~archive.search.limits` what a search may cost (windows, samples, the time limit);
- :mod:`~archive.search.statements` the SQL every statement of one search shares;
- :mod:`~archive.search.counting` the total, counted or estimated;
- :mod:`~archive.search.ranking` rank order (title, bm25, exact marks first);
- :mod:`~archive.search.by_date` date order;
- :mod:`~archive.search.grouping` a re-posted story's copies as one result;
- :mod:`~archive.search.engine` one page of results (``ranked_search``, ``newest_articles``);
- :mod:`~archive.search.chart` matches per year;
- :mod:`~archive.search.snippets` highlighting.

The query language lives in :mod:`archive.query`; its names are part of this package's API.
The limits are re-exported for reading; to change one at run time set it on
``archive.search.limits``, where the modules read it.
"""

from __future__ import annotations

from archive.query import OPERATORS, RELAX_MIN_TERMS, ParsedQuery, SearchError, Term, fold, parse_query, plain_query
from archive.search.chart import chart_is_estimate, year_counts
from archive.search.engine import newest_articles, ranked_search
from archive.search.filters import SORTS, Filters, check_date, distinct_values
from archive.search.limits import (CHART_EXACT_UP_TO, COLLAPSE_READ_UP_TO, COUNT_EXACT_UP_TO, COUNT_SAMPLE,
                                   COUNT_SLICES, DATE_SCAN_ABOVE, EXACT_LOOKUPS, MAX_LISTED_IDS, PROGRESS_STEPS,
                                   RANK_WINDOW, TITLE_WINDOW, SearchTimeout, time_limit)
from archive.search.schema import (DATE_BY_ID_INDEX, EXACT_TABLE, FACET_FILTERS, FACETS_COLUMN, FOLDED_COLUMNS,
                                   FTS_TABLE, PREFIX_LENGTHS, SEARCH_COLUMNS, SEARCH_VIEW, facet_token, fold_d,
                                   fts_schema_sql, indexed_prefix_lengths, m001_exact_index, m002_facet_tokens,
                                   m003_prefix_index, m004_date_by_id, rebuild_sql, search_migrations)
from archive.search.snippets import highlight
from archive.search.statements import BM25_WEIGHTS, Hit, readable_fts_error

__all__ = [
    # the query language (archive.query)
    "OPERATORS", "RELAX_MIN_TERMS", "ParsedQuery", "SearchError", "Term", "fold", "parse_query", "plain_query",
    # schema and migrations
    "DATE_BY_ID_INDEX", "EXACT_TABLE", "FACET_FILTERS", "FACETS_COLUMN", "FOLDED_COLUMNS", "FTS_TABLE",
    "PREFIX_LENGTHS", "SEARCH_COLUMNS", "SEARCH_VIEW", "facet_token", "fold_d", "fts_schema_sql",
    "indexed_prefix_lengths", "m001_exact_index", "m002_facet_tokens", "m003_prefix_index", "m004_date_by_id",
    "rebuild_sql", "search_migrations",
    # filters and sort orders
    "SORTS", "Filters", "check_date", "distinct_values",
    # limits
    "CHART_EXACT_UP_TO", "COLLAPSE_READ_UP_TO", "COUNT_EXACT_UP_TO", "COUNT_SAMPLE", "COUNT_SLICES",
    "DATE_SCAN_ABOVE", "EXACT_LOOKUPS", "MAX_LISTED_IDS", "PROGRESS_STEPS", "RANK_WINDOW", "TITLE_WINDOW",
    "SearchTimeout", "time_limit",
    # searching
    "BM25_WEIGHTS", "Hit", "readable_fts_error", "ranked_search", "newest_articles", "year_counts",
    "chart_is_estimate", "highlight",
]
