"""The same story, re-posted: near-duplicate articles grouped into stories at storage.

Portals re-post each other's news (a district portal carries the province's story under its own
URL, sometimes with a line added or a paragraph cut), and one portal can hold the same article
under two ids. Each article gets a ``story_id``: the id of the first stored article of its group
(an article of its own when nothing matches), so search can show a story once ("also on 3
portals") and the article page can list its copies.

How: the article's text (title, lead, body) folded (marks, ``đ``, case: re-posts differ in tone
mark placement and capitals) is cut into SHINGLE_WORDS-word shingles; a MinHash signature
(datasketch) of NUM_PERM values estimates the Jaccard similarity of two articles' shingle sets.
Candidates are found without comparing against every article: the signature is cut into BANDS
bands of ROWS values, each band hashed into a key kept in ``story_bands`` (an index seek per
band); candidates sharing a key are compared on their stored signatures and the most similar
one at or above THRESHOLD gives its story. THRESHOLD and the band shape were measured on the
Hanoi archive's real pairs (docs/stories.md). Very short texts (a title-only notice, "Lịch công tác
tuần" every week) share most of their few shingles with every other notice of the same series,
and two of them alike say nothing of being one story: they stand alone.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
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
# Texts of a batch are folded as one string, joined by _TEXT_BREAK: the only byte the table keeps
# besides words (it is taken out of the texts first, where it would have become a space anyway).
_TEXT_BREAK = "\x1f"
_BATCH_SEPARATORS = _SEPARATORS[:0x1f] + b"\x1f" + _SEPARATORS[0x20:]
_SHINGLE_BASE = 1_000_003  # a shingle's hash: its words' crc32 as the digits of a number in this base, mod 2**32
_BAND_PREFIXES = [bytes([band]) for band in range(BANDS)]


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The NUM_PERM permutations ``h -> a*h + b mod 2**32`` (``a`` odd) of the MinHash.

    They are datasketch 2.0's scheme ``affine32`` with ``seed=SEED`` (the previous release
    computed the signatures with ``datasketch.MinHash``, and stored signatures must stay
    comparable: tests/test_stories.py checks both against datasketch and against a stored
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


def _words(text: str) -> list[bytes]:
    """Words of ``text`` with every mark removed and ``đ→d``, lower case (ASCII bytes).

    Not archive.query.fold (length-preserving, a character table: 1 ms for a 3,000-character
    body); here only the words matter: NFD, then the marks dropped with the rest of non-ASCII.
    """
    return _words_of([text])[0]


def _words_of(texts: Sequence[str]) -> list[list[bytes]]:
    """:func:`_words` of each text, folded as one string (a batch's articles at once: the
    folding's calls cost as much as its characters for a usual article)."""
    joined = f" {_TEXT_BREAK} ".join(text.replace(_TEXT_BREAK, " ") for text in texts)
    folded = unicodedata.normalize("NFD", joined.lower().replace("đ", "d")).encode("ascii", "ignore")
    return [part.split() for part in folded.translate(_BATCH_SEPARATORS).split(_TEXT_BREAK.encode())]


class _WordHashes(dict):
    """crc32 of each word, remembered: a body's words are mostly the same few thousand
    syllables, and a dict lookup costs a fifth of a crc32 call from Python."""

    def __missing__(self, word: bytes) -> int:
        if len(self) > 200_000:  # numbers and names: never let the table grow without bound
            self.clear()
        value = self[word] = zlib.crc32(word)
        return value


_WORD_HASHES = _WordHashes()

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
    words = [w[:MAX_WORDS] for w in _words_of(texts)]
    lengths = [len(w) for w in words]
    total = sum(lengths)
    hashes = np.fromiter(map(_WORD_HASHES.__getitem__, itertools.chain.from_iterable(words)), dtype=np.uint32, count=total)
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

    All shingles are mixed at once, then one permutation at a time over all of them, its
    minimum per article taken by one ``reduceat``: the work of a 600-shingle article is a few
    microseconds of numpy, and the buffers are the size of the batch's shingles (never
    shingles x NUM_PERM).
    """
    a, b = _permutations()
    out = np.full((len(parts), NUM_PERM), 0xFFFFFFFF, dtype=np.uint32)
    rows = [i for i, p in enumerate(parts) if len(p)]
    if not rows:
        return out
    mixed = _fmix32(np.concatenate([np.asarray(parts[i], dtype=np.uint32) for i in rows]))
    starts = np.cumsum([0] + [len(parts[i]) for i in rows[:-1]])
    permuted = np.empty_like(mixed)
    for k in range(NUM_PERM):
        np.multiply(mixed, a[k], out=permuted)
        permuted += b[k]
        out[rows, k] = np.minimum.reduceat(permuted, starts)
    return out


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite integers), the band's number hashed in."""
    raw, size = sig.tobytes(), ROWS * 4
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    return [from_bytes(blake2b(prefix + raw[band * size:(band + 1) * size], digest_size=8).digest(), "little", signed=True)
            for band, prefix in enumerate(_BAND_PREFIXES)]


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
    """Give stored articles (new, or with changed content; each named once) their stories, in
    order, and return their story ids: the same as :func:`assign_story` on each in turn (each
    sees the stories of the ones before it), with the texts' shingles and signatures computed
    for all of them at once.

    ``conn`` is an sqlite3 connection or sqlite-utils Database, inside the caller's transaction.
    An article's own previous keys are dropped first, so a changed article is matched again on
    its new text (it keeps its story when still similar to it, else moves or stands alone).
    """
    articles = list(articles)
    parts = shingles_of([(title, lead, body) for _, title, lead, body in articles])
    long_enough = [i for i, p in enumerate(parts) if len(p) >= MIN_SHINGLES]  # a shorter text stands alone, unsigned
    sigs = dict(zip(long_enough, signatures([parts[i] for i in long_enough])))
    execute = conn.execute
    executemany = getattr(conn, "conn", conn).executemany
    stories = []
    for index, (article_id, *_) in enumerate(articles):
        old = execute("SELECT signature FROM story_signatures WHERE article_id = ?", [article_id]).fetchone()
        if old is not None:
            keys = band_keys(np.frombuffer(old[0], dtype=np.uint32))
            execute(f"DELETE FROM story_bands WHERE article_id = ? AND key IN ({', '.join('?' * len(keys))})", [article_id, *keys])
            execute("DELETE FROM story_signatures WHERE article_id = ?", [article_id])
        story = article_id
        sig = sigs.get(index)
        if sig is not None:
            n = len(parts[index])
            keys = band_keys(sig)
            best: tuple[float, int] | None = None
            rows = execute(
                f"""SELECT s.article_id, s.shingles, s.signature, a.story_id FROM story_signatures s JOIN articles a ON a.id = s.article_id
                    WHERE s.article_id IN (SELECT article_id FROM story_bands WHERE key IN ({', '.join('?' * len(keys))}))
                    AND s.article_id != ?""", [*keys, article_id]).fetchall()
            for other_id, other_shingles, other_sig, other_story in rows:
                sim = similarity(sig, np.frombuffer(other_sig, dtype=np.uint32))
                if same_story(sim, n, other_shingles) and (best is None or (sim, -other_id) > (best[0], -best[1])):
                    best = (sim, other_id)
                    story = other_story if other_story is not None else other_id
            execute("INSERT INTO story_signatures(article_id, shingles, signature) VALUES (?, ?, ?)", [article_id, n, sig.tobytes()])
            executemany("INSERT OR IGNORE INTO story_bands(key, article_id) VALUES (?, ?)", [(k, article_id) for k in keys])
        if story == article_id and old is not None and execute(
                "SELECT 1 FROM articles WHERE story_id = ? AND id != ? LIMIT 1", [article_id, article_id]).fetchone():
            # it left a story named after it, whose other copies keep that name: a name never used yet
            story = min(0, execute("SELECT min(story_id) FROM articles").fetchone()[0] or 0) - 1
        execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
        stories.append(story)
    return stories
