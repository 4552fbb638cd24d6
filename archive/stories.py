"""The same story, re-posted: near-duplicate articles grouped into stories at storage.

Portals re-post each other's news (a district portal carries the province's story under its own
URL, sometimes with a line added or a paragraph cut), and one portal can hold the same article
under two ids. Each article gets a ``story_id``: the id of the first stored article of its group
(an article of its own when nothing matches), so search can show a story once ("also on 3
portals") and the article page can list its copies.

How: the article's text (title, lead, body) folded (marks, ``đ``, case: re-posts differ in tone
mark placement and capitals) is cut into SHINGLE_WORDS-word shingles; a MinHash signature
(datasketch 2.0's, computed here with numpy) of NUM_PERM values estimates the Jaccard similarity
of two articles' shingle sets.
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

import functools
import hashlib
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np  # costs nothing more: sqlite-utils imports it whenever it is installed


# Measured in docs/stories.md (bench/stories_eval.py): re-posts and edited re-posts are >= 0.6,
# different stories of one category/template (monthly notices, "lần thứ N") <= 0.42.
SHINGLE_WORDS = 5
THRESHOLD = 0.5
NUM_PERM = 60
BANDS, ROWS = 20, 3  # candidates: P(share a band) = 1 - (1 - J^3)^20: 0.93 at J = 0.5, 0.99 at J = 0.6
SEED = 1  # never change: stored signatures are compared with new ones
# Only the first MAX_WORDS words (title, lead, then body) are shingled: a very long body (a
# report of 10,000 words) costs no more than a usual article. Most articles are whole below it
# (a window of 300 words missed re-posts with a rewritten opening: docs/stories.md).
MAX_WORDS = 1000
# Fewer shingles (about as many words) than this: too short to tell a re-post from a sibling notice.
MIN_SHINGLES = 20
assert BANDS * ROWS == NUM_PERM

# bytes other than a-z and 0-9 become spaces (punctuation splits words, as \w+ would)
_SEPARATORS = bytes(c if chr(c).isascii() and chr(c).isalnum() and not chr(c).isupper() else 32 for c in range(256))
# Texts of a batch are folded as one string, joined by _TEXT_BREAK: the only byte the fold table
# keeps besides letters and digits (it is taken out of the texts first, where it would have
# become a space anyway).
_TEXT_BREAK = "\x1f"
_BREAK_BYTE = 0x1f
_FOLD_CHARS = 1 << 20  # characters folded at once (4 MB as UTF-32): a batch of long texts in slices
_DROPPED = 0  # in _fold_table: the character leaves nothing (NUL itself folds to a space)
_FEW_ARTICLES = 16  # signatures(): fewer are signed one by one (cheaper below about NUM_PERM / 4)
_LONG_WORD = 24  # longer words are hashed one at a time (_crc32_words)
_SHINGLE_BASE = 1_000_003  # a shingle's hash: its words' crc32 as the digits of a number in this base, mod 2**32


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The NUM_PERM permutations ``h -> a*h + b mod 2**32`` (``a`` odd) of the MinHash.

    They are datasketch 2.0's scheme ``affine32`` with ``seed=SEED`` (the previous release
    computed the signatures with ``datasketch.MinHash``, and stored signatures must stay
    comparable: tests/test_story_signatures.py checks them against datasketch and against a stored
    signature). Computed here rather than imported: the datasketch package imports scipy for
    its LSH classes (63 MB in every writer, 1.8 s), and its per-article ``update_batch`` turns
    every hash into a Python int. numpy's ``RandomState`` stream is frozen (NEP 19).
    """
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer (datasketch ``affine32`` mixes each input hash with it once)."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


@functools.cache
def _fold_table() -> np.ndarray:
    """What each character of the Basic Multilingual Plane folds to (:func:`_fold`): its letter
    or digit (a-z, 0-9), a space, or nothing (_DROPPED: a mark, a letter of another script).

    Built by folding every character the straightforward way (lower case, ``đ→d``, NFD, the
    non-ASCII dropped, everything but a-z and 0-9 a space), all in one string with a NUL after
    each (a starter: NFD's reordering of marks never crosses it). Folding is per character
    (the only context-dependent lower-casing, Greek final sigma, is dropped either way), no
    character folds to more than one byte, and none outside the BMP folds to any
    (tests/test_story_signatures.py checks the table against the straightforward folding).
    """
    chars = "\0".join("" if c == 0 or 0xD800 <= c < 0xE000 else chr(c) for c in range(0x10000))  # NUL and surrogates: below
    folded = unicodedata.normalize("NFD", chars.lower().replace("đ", "d")).encode("ascii", "ignore").split(b"\0")
    assert len(folded) == 0x10000
    table = np.full(0x10000 + 1, _DROPPED, dtype=np.uint8)  # the last entry: every character beyond the BMP
    for c, out in enumerate(folded):
        if out:
            table[c] = out.translate(_SEPARATORS)[0]
    table[0] = 32  # NUL: a space, as any other control character (surrogates: dropped, as by encode("ascii", "ignore"))
    table[_BREAK_BYTE] = _BREAK_BYTE
    return table


def _fold(texts: Sequence[str]) -> np.ndarray:
    """The texts with every mark removed and ``đ→d``, lower case, everything but a-z and 0-9 a
    space, as ASCII bytes (uint8), laid end to end with _TEXT_BREAK between them, a space first and last.

    Not archive.query.fold (length-preserving); here only the words matter. The characters
    are looked up in :func:`_fold_table` all at once: the same bytes as lower(), NFD, encoding
    to ASCII and a byte table would give (the previous way; tests/test_story_signatures.py compares),
    at a fifth of the cost.
    """
    joined = f" {f' {_TEXT_BREAK} '.join(text.replace(_TEXT_BREAK, ' ') for text in texts)} "  # a space first and last
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    folded = _fold_table()[np.minimum(points, np.uint32(0x10000))]
    return folded[folded != _DROPPED]


@functools.cache
def _crc_table() -> np.ndarray:
    """zlib's CRC-32 table (reflected polynomial 0xEDB88320), for hashing many words at once."""
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & np.uint32(1), (table >> np.uint32(1)) ^ np.uint32(0xEDB88320), table >> np.uint32(1))
    return table.astype(np.uint32)


def _crc32_words(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``zlib.crc32`` of every word ``data[start:end]`` (uint8), computed a byte position at a time
    for all the words at once (a word per Python call cost a microsecond each: as much as the
    rest of the shingling). Words longer than _LONG_WORD (numbers and codes run together, a
    hostile 10,000-letter word) are hashed one by one, so the loop stays short."""
    lengths = ends - starts
    crc = np.empty(len(starts), dtype=np.uint32)
    long_words = np.flatnonzero(lengths > _LONG_WORD)
    for i in long_words.tolist():
        crc[i] = zlib.crc32(data[starts[i]:ends[i]].tobytes())
    short = np.flatnonzero(lengths <= _LONG_WORD)
    # longest first: the words still being read are a prefix (a stable sort of bytes is a radix sort)
    order = short[np.argsort((_LONG_WORD - lengths[short]).astype(np.uint8), kind="stable")]
    positions, remaining = starts[order], lengths[order]
    reading = np.bincount(remaining, minlength=_LONG_WORD + 1)[::-1].cumsum()[::-1]  # [i]: words of at least i letters
    table, state = _crc_table(), np.full(len(order), 0xFFFFFFFF, dtype=np.uint32)
    for i in range(1, int(remaining.max(initial=0)) + 1):
        m = reading[i]
        head = state[:m]
        state[:m] = table[(head ^ data[positions[:m] + (i - 1)]) & np.uint32(0xFF)] ^ (head >> np.uint32(8))
    crc[order] = state ^ np.uint32(0xFFFFFFFF)
    return crc


def _word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """crc32 of the first MAX_WORDS words of each folded text (:func:`_fold`), laid end to end,
    and each text's number of words."""
    data = _fold(texts)
    letters = (data != 32) & (data != _BREAK_BYTE)
    edges = np.flatnonzero(letters[1:] != letters[:-1]) + 1  # the first and last bytes are spaces: start, end, start, ...
    starts, ends = edges[0::2], edges[1::2]
    text_of = np.searchsorted(np.flatnonzero(data == _BREAK_BYTE), starts)  # breaks before the word: its text
    counts = np.bincount(text_of, minlength=len(texts))
    if len(counts) and counts.max() > MAX_WORDS:
        rank = np.arange(len(starts)) - (np.cumsum(counts) - counts)[text_of]
        starts, ends = starts[rank < MAX_WORDS], ends[rank < MAX_WORDS]
        counts = np.minimum(counts, MAX_WORDS)
    return _crc32_words(data, starts, ends), counts.tolist()


Article = tuple[str | None, str | None, str | None]  # title, lead, body


def shingles(title: str | None, lead: str | None, body: str | None) -> np.ndarray:
    """The 32-bit hashes of the article's SHINGLE_WORDS-word shingles (see :func:`shingles_of`)."""
    return shingles_of([(title, lead, body)])[0]


def shingles_of(articles: Sequence[Article]) -> list[np.ndarray]:
    """For each article, the 32-bit hashes (uint32) of its SHINGLE_WORDS-word shingles, one per
    position (a shorter text: one shingle; no words: none). Repeats are left in: a MinHash of a
    list is the MinHash of its set. Each word is hashed once and a shingle's hash is a
    polynomial of its words' hashes (mod 2**32), computed for every article at once over the
    batch's words laid end to end; the windows that straddle two articles are never taken.
    """
    texts = ["\n".join(t for t in article if t)[:MAX_WORDS * 12] for article in articles]  # more than enough characters
    result: list[np.ndarray] = []
    start = 0
    while start < len(texts):
        end, size = start + 1, len(texts[start])
        while end < len(texts) and size + len(texts[end]) <= _FOLD_CHARS:
            size += len(texts[end])
            end += 1
        result += _shingles_of_texts(texts[start:end])
        start = end
    return result


def _shingles_of_texts(texts: list[str]) -> list[np.ndarray]:
    hashes, lengths = _word_hashes(texts)
    total = len(hashes)
    base = np.uint32(_SHINGLE_BASE)
    k = SHINGLE_WORDS
    windows = hashes[:max(total - k + 1, 0)].copy()  # uint32 arithmetic wraps: mod 2**32 for free
    for i in range(1, k):
        windows *= base
        windows += hashes[i:i + len(windows)]
    result, start = [], 0
    for n in lengths:
        if n >= k:
            result.append(windows[start:start + n - k + 1])
        elif n:  # fewer words than a shingle: one shingle of them all
            value = 0
            for h in hashes[start:start + n].tolist():
                value = (value * _SHINGLE_BASE + h) & 0xFFFFFFFF
            result.append(np.array([value], dtype=np.uint32))
        else:
            result.append(np.zeros(0, dtype=np.uint32))
        start += n
    return result


def signature(parts: np.ndarray) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32 values) of shingle hashes (repeats change nothing)."""
    return signatures([parts])[0]


def signatures(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The MinHash signatures of many articles' shingle hashes, one row (NUM_PERM uint32) each;
    no shingles: every value 2**32 - 1, as an empty MinHash.

    All shingles are mixed at once. A few articles: each article's shingles x NUM_PERM at
    once (a 1,000-shingle article: 240 KB). A batch: one permutation at a time over all the
    batch's shingles, its minimum per article taken by one ``reduceat`` (60 numpy calls
    whatever the batch's size; the buffers are the size of the batch's shingles).
    """
    a, b = _permutations()
    out = np.full((len(parts), NUM_PERM), 0xFFFFFFFF, dtype=np.uint32)
    rows = [i for i, p in enumerate(parts) if len(p)]
    if not rows:
        return out
    mixed = _fmix32(np.concatenate([np.asarray(parts[i], dtype=np.uint32) for i in rows]))
    starts = np.cumsum([0] + [len(parts[i]) for i in rows[:-1]])
    if len(rows) < _FEW_ARTICLES:
        for i, start, end in zip(rows, starts.tolist(), starts[1:].tolist() + [len(mixed)]):
            permuted = mixed[start:end, None] * a
            permuted += b
            out[i] = permuted.min(axis=0)
        return out
    permuted = np.empty_like(mixed)
    for k in range(NUM_PERM):
        np.multiply(mixed, a[k], out=permuted)
        permuted += b[k]
        out[rows, k] = np.minimum.reduceat(permuted, starts)
    return out


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite integers), the band's number hashed in."""
    return band_keys_of(sig.reshape(1, NUM_PERM))[0].tolist()


def band_keys_of(sigs: np.ndarray) -> np.ndarray:
    """The band keys of each signature (a row of ``sigs``), one row of BANDS int64 each: the
    blake2b (8 bytes, little-endian, signed) of the band's number (one byte) and its ROWS
    values (uint32 little-endian). The inputs are laid out in one buffer by numpy; blake2b is
    called once per key, on 13-byte slices."""
    sigs = np.ascontiguousarray(sigs, dtype="<u4")
    n, size = len(sigs), 1 + ROWS * 4
    chunks = np.empty((n, BANDS, size), dtype=np.uint8)
    chunks[:, :, 0] = np.arange(BANDS, dtype=np.uint8)
    chunks[:, :, 1:] = sigs.view(np.uint8).reshape(n, BANDS, ROWS * 4)
    raw, blake2b = chunks.tobytes(), hashlib.blake2b
    digests = b"".join([blake2b(raw[i:i + size], digest_size=8).digest() for i in range(0, len(raw), size)])
    return np.frombuffer(digests, dtype="<i8").reshape(n, BANDS)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def same_story(sim: float, shingles_a: int, shingles_b: int) -> bool:
    """The rule applied to a candidate pair (also what bench/stories_eval.py measures)."""
    return min(shingles_a, shingles_b) >= MIN_SHINGLES and sim >= THRESHOLD


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
