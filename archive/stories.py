"""The same story, re-posted: near-duplicate articles grouped into stories at storage.

Portals re-post each other's news (a district portal carries the province's story under its own
URL, sometimes with a line added or a paragraph cut), and one portal can hold the same article
under two ids. Each article gets a ``story_id``: the id of the first stored article of its group
(an article of its own when nothing matches), so search can show a story once ("also on 3
portals") and the article page can list its copies.

How: the article's text (title, lead, body) folded (marks, ``đ``, case: re-posts differ in tone
mark placement and capitals) is cut into SHINGLE_WORDS-word shingles; a MinHash signature
of NUM_PERM values estimates the Jaccard similarity of two articles' shingle sets
(archive/story_signatures.py computes them).
Candidates are found without comparing against every article: the signature is cut into BANDS
bands of ROWS values, each band hashed into a key kept in ``story_bands`` (an index seek per
band); candidates sharing a key are compared on their stored signatures and the most similar
one at or above THRESHOLD gives its story. THRESHOLD and the band shape were measured on the
Hanoi archive's real pairs (docs/stories.md). Very short texts (a title-only notice, "Lịch công tác
tuần" every week) share most of their few shingles with every other notice of the same series,
and two of them alike say nothing of being one story: they stand alone.

A batch of articles (the bulk ingest, the upgrade) is assigned by one :func:`assign_stories`
call, computed with numpy for all its articles at once and with one candidate query: the same
stories as one article at a time, at about a third of the cost (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from archive.story_signatures import (BANDS, MAX_WORDS, MIN_SHINGLES, NUM_PERM, ROWS, SEED, SHINGLE_WORDS, THRESHOLD,
                                      band_keys, band_keys_of, same_story, shingles, shingles_of, signature, signatures,
                                      similarity)

__all__ = ["BANDS", "MAX_WORDS", "MIN_SHINGLES", "NUM_PERM", "ROWS", "SEED", "SHINGLE_WORDS", "THRESHOLD", "assign_stories",
           "assign_story", "band_keys", "band_keys_of", "same_story", "schema_sql", "shingles", "shingles_of", "signature",
           "signatures", "similarity"]


def schema_sql() -> list[str]:
    """Tables of the signatures and band keys, and the ``articles.story_id`` column's index."""
    return [
        "CREATE TABLE IF NOT EXISTS story_signatures (article_id INTEGER PRIMARY KEY, shingles INTEGER NOT NULL, "
        "signature BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS story_bands (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
        "PRIMARY KEY (key, article_id)) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id)",
    ]


def assign_story(conn: Any, article_id: int, title: str | None, lead: str | None, body: str | None) -> int:
    """Give a stored article (new, or with changed content) its story and return the story id
    (:func:`assign_stories` of one article)."""
    return assign_stories(conn, [(article_id, title, lead, body)])[0]


def assign_stories(conn: Any, articles: Iterable[tuple[int, str | None, str | None, str | None]]) -> list[int]:
    """Give stored articles (new, or with changed content) their stories, in order, and return
    their story ids: the same as :func:`assign_story` on each in turn, each seeing the stories
    of the ones before it (tests/test_story_signatures.py compares the two).

    ``conn`` is an sqlite3 connection or sqlite-utils Database, inside the caller's transaction.
    An article's own previous keys are dropped first, so a changed article is matched again on
    its new text (it keeps its story when still similar to it, else moves or stands alone).

    Why a batch: one by one, an article costs five statements (its old signature, its
    candidates, its signature row, its band rows, its story) and its own folding and hashing
    calls, as much again as storing it. Here the texts are shingled and signed together, the
    candidates of the whole batch are read by one query before anything is written, the
    batch's own articles are matched against each other in memory as they are assigned, and
    the rows are written together at the end.
    """
    articles = list(articles)
    result: list[int] = []
    start = 0
    while start < len(articles):  # an article named twice: its second time sees its first
        seen: set[int] = set()
        end = start
        while end < len(articles) and articles[end][0] not in seen:
            seen.add(articles[end][0])
            end += 1
        result += _Batch(conn, articles[start:end]).assign()
        start = end
    return result


class _Batch:
    """The assignment of a batch of distinct articles (see :func:`assign_stories`).

    As the batch's ``i``-th article is assigned, the archive is as before the batch except for
    the batch's articles before it: their old signatures and keys are gone, their new ones and
    their new stories count. So its candidates are the stored articles sharing one of its band
    keys (read for the whole batch by one query before anything is written) that are not among
    the batch's articles before it, and the batch's articles before it sharing one of its new
    keys; all the similarities are computed at once by numpy.
    """

    def __init__(self, conn: Any, articles: list[tuple[int, str | None, str | None, str | None]]) -> None:
        self.conn = conn
        self.execute = conn.execute
        self.executemany = getattr(conn, "conn", conn).executemany
        self.ids = [article[0] for article in articles]
        self.position = {article_id: i for i, article_id in enumerate(self.ids)}
        parts = shingles_of([article[1:] for article in articles])
        self.lengths = [len(p) for p in parts]
        self.signed = [i for i, n in enumerate(self.lengths) if n >= MIN_SHINGLES]  # a shorter text stands alone, unsigned
        self.signatures = signatures([parts[i] for i in self.signed])  # row r: article self.signed[r]
        self.keys = band_keys_of(self.signatures)
        self.pending_stories: list[tuple[int, int]] = []

    @staticmethod
    def _chunks(values: list[int], size: int = 500) -> Iterable[list[int]]:
        return (values[i:i + size] for i in range(0, len(values), size))

    def _read_stored(self) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int | None]], np.ndarray]:
        """The stored articles sharing a key with the batch: the (key, row) pairs found, and
        by row, ``info`` (article, shingles, story) and ``matrix`` (signature)."""
        keys, rows = [], []
        row_of: dict[int, int] = {}
        info: list[tuple[int, int, int | None]] = []
        sigs: list[bytes] = []
        for chunk in self._chunks(np.unique(self.keys).tolist()):
            for key, other, shingles_n, sig, story in self.execute(
                    f"""SELECT b.key, s.article_id, s.shingles, s.signature, a.story_id FROM story_bands b
                        JOIN story_signatures s ON s.article_id = b.article_id JOIN articles a ON a.id = b.article_id
                        WHERE b.key IN ({', '.join('?' * len(chunk))})""", chunk).fetchall():
                row = row_of.get(other)
                if row is None:
                    row = row_of[other] = len(info)
                    info.append((other, shingles_n, story))
                    sigs.append(sig)
                keys.append(key)
                rows.append(row)
        matrix = np.frombuffer(b"".join(sigs), dtype=np.uint32).reshape(len(sigs), NUM_PERM)
        return np.array(keys, dtype=np.int64), np.array(rows, dtype=np.int64), info, matrix

    def _drop_old(self) -> set[int]:
        """Drop the batch's old signatures and keys; returns the articles that had one."""
        old = []
        for chunk in self._chunks(self.ids):
            old += self.execute(f"SELECT article_id, signature FROM story_signatures WHERE article_id IN ({', '.join('?' * len(chunk))})",
                                chunk).fetchall()
        if old:
            keys = band_keys_of(np.frombuffer(b"".join(sig for _, sig in old), dtype=np.uint32).reshape(len(old), NUM_PERM)).tolist()
            # by (key, article_id): the bands' primary key (an article's rows alone would be a scan)
            self.executemany("DELETE FROM story_bands WHERE key = ? AND article_id = ?",
                             [(k, article_id) for (article_id, _), row in zip(old, keys) for k in row])
            self.executemany("DELETE FROM story_signatures WHERE article_id = ?", [(article_id,) for article_id, _ in old])
        return {article_id for article_id, _ in old}

    def _pairs(self, stored_keys: np.ndarray, stored_rows: np.ndarray, info: list[tuple[int, int, int | None]]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs, each once: (signed row r, stored row s) where the stored article is
        not among the batch's articles up to r's, and (signed row r, earlier signed row q)
        sharing a key. Joins of sorted key arrays: no Python per key."""
        none = np.zeros(0, dtype=np.int64)
        m = len(self.keys)
        flat = self.keys.ravel()
        owner = np.repeat(np.arange(m), BANDS)
        r_s = s = none
        if len(stored_keys):
            order = np.argsort(stored_keys, kind="stable")
            sorted_keys, sorted_rows = stored_keys[order], stored_rows[order]
            low = np.searchsorted(sorted_keys, flat, "left")
            counts = np.searchsorted(sorted_keys, flat, "right") - low
            pair_r = np.repeat(owner, counts)
            pair_s = sorted_rows[np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())]
            index = np.array(self.signed, dtype=np.int64)
            position = np.array([self.position.get(other, len(self.ids)) for other, _, _ in info], dtype=np.int64)
            keep = position[pair_s] > index[pair_r]  # a batch article assigned before r's, or r's own: its old keys are gone
            codes = np.unique(pair_r[keep] * len(info) + pair_s[keep])
            r_s, s = codes // len(info), codes % len(info)
        r_b = q = none
        if m > 1:  # earlier rows of the batch sharing a key: in each run of one key (sorted), every earlier row with every later
            order = np.argsort(flat, kind="stable")  # stable: the rows of one key in their order
            run_keys, run_owner = flat[order], owner[order]
            same = np.flatnonzero(run_keys[1:] == run_keys[:-1])  # run_keys[i + 1] continues a run
            if len(same):
                runs: dict[int, list[int]] = {}
                for i in same.tolist():
                    runs.setdefault(int(run_keys[i]), [int(run_owner[i])]).append(int(run_owner[i + 1]))
                codes = np.unique(np.array([later * m + earlier for rows in runs.values() for j, later in enumerate(rows)
                                            for earlier in rows[:j] if earlier != later], dtype=np.int64))
                r_b, q = codes // m, codes % m
        return r_s, s, r_b, q

    def assign(self) -> list[int]:
        stored_keys, stored_rows, info, matrix = self._read_stored()
        had_signature = self._drop_old()
        r_s, s, r_b, q = self._pairs(stored_keys, stored_rows, info)
        sim_s = (np.count_nonzero(self.signatures[r_s] == matrix[s], axis=1) / NUM_PERM).tolist()
        sim_b = (np.count_nonzero(self.signatures[r_b] == self.signatures[q], axis=1) / NUM_PERM).tolist()
        candidates: dict[int, list[tuple[float, int, int]]] = {}  # signed row -> (similarity, stored row or -1, signed row or -1)
        for r, row, sim in zip(r_s.tolist(), s.tolist(), sim_s):
            candidates.setdefault(r, []).append((sim, row, -1))
        for r, row, sim in zip(r_b.tolist(), q.tolist(), sim_b):
            candidates.setdefault(r, []).append((sim, -1, row))
        row_of_index = {i: r for r, i in enumerate(self.signed)}
        result: list[int] = []
        for i, article_id in enumerate(self.ids):
            story = article_id
            r = row_of_index.get(i)
            if r is not None:
                n = self.lengths[i]
                best: tuple[float, int] | None = None
                for sim, stored, earlier in candidates.get(r, ()):
                    if stored >= 0:
                        other, other_n, other_story = info[stored]
                    else:
                        j = self.signed[earlier]
                        other, other_n, other_story = self.ids[j], self.lengths[j], result[j]
                    if same_story(sim, n, other_n) and (best is None or (sim, -other) > (best[0], -best[1])):
                        best = (sim, other)
                        story = other_story if other_story is not None else other
            if story == article_id and article_id in had_signature:
                story = self._fresh_name_if_left(article_id)
            self.pending_stories.append((story, article_id))
            result.append(story)
        self._write()
        return result

    def _fresh_name_if_left(self, article_id: int) -> int:
        """A changed article standing alone that left a story named after it, whose other
        copies keep that name, gets a name never used yet (else its own id)."""
        self._write_stories()
        if self.execute("SELECT 1 FROM articles WHERE story_id = ? AND id != ? LIMIT 1", [article_id, article_id]).fetchone():
            return min(0, self.execute("SELECT min(story_id) FROM articles").fetchone()[0] or 0) - 1
        return article_id

    def _write_stories(self) -> None:
        self.executemany("UPDATE articles SET story_id = ? WHERE id = ?", self.pending_stories)
        self.pending_stories = []

    def _write(self) -> None:
        self.executemany("INSERT INTO story_signatures(article_id, shingles, signature) VALUES (?, ?, ?)",
                         [(self.ids[i], self.lengths[i], sig.tobytes()) for i, sig in zip(self.signed, self.signatures)])
        self.executemany("INSERT OR IGNORE INTO story_bands(key, article_id) VALUES (?, ?)",
                         [(k, self.ids[i]) for i, keys in zip(self.signed, self.keys.tolist()) for k in keys])
        self._write_stories()
