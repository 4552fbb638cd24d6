"""What one search may cost: the sizes past which it ranks, counts or charts a sample, and the
time limit on its statements.

Every module of the search reads these as ``limits.NAME`` when it runs, so a test (or an
operator's script) changes one by setting it here, on ``archive.search.limits``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from archive.query import SearchError

# Above this many matches, ranking considers the newest RANK_WINDOW matches (plus every title
# match among the newest TITLE_WINDOW): scoring all of a very common word's 500k matches takes
# about a second, and for such a word relevance differences are dominated by recency anyway.
RANK_WINDOW = 20_000
TITLE_WINDOW = 50_000
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
# Above this many matches a newest-first search walks the date index and stops at the page's
# last match, instead of joining every match to its article to sort them all (500 ms for a
# word in half of a million articles; 120 ms walking the index).
DATE_SCAN_ABOVE = 20_000
# A counted total above this many matches gets a sampled chart: each match joined to its date
# costs ~1.5 µs and the walk of the matches as much again (50 ms for the 17,700 matches of a
# common word in one portal and category of a million articles), and bars of a chart need no
# exact counts.
CHART_EXACT_UP_TO = 10_000
# A page whose matches are mostly copies of a few stories reads at most this many matches to
# fill itself with distinct stories (then it shows fewer results).
COLLAPSE_READ_UP_TO = 2_000
# How often (in SQLite virtual machine instructions, about a millisecond's worth) a search's
# statements check their time limit.
PROGRESS_STEPS = 10_000


class SearchTimeout(SearchError):
    """A search that ran past its time limit (the message says what to do)."""


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
