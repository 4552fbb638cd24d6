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
import unicodedata
import zlib
from typing import Any

import numpy as np


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
_SCHEME = "affine32"  # datasketch >= 2.0 names its hashing scheme; fixed, as SEED


@functools.cache
def _minhash() -> tuple[Any, Any]:
    """datasketch's MinHash class and one instance's permutations (drawn from SEED once).

    Imported on first use: the datasketch package imports scipy (for its LSH classes), 57 MB
    of memory that readers (serve, status, search) and short articles never need.
    """
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME).permutations


def _words(text: str) -> list[bytes]:
    """Words of ``text`` with every mark removed and ``đ→d``, lower case (ASCII bytes).

    Not archive.query.fold (length-preserving, a character table: 1 ms for a 3,000-character
    body); here only the words matter: NFD, then the marks dropped with the rest of non-ASCII.
    """
    text = text.lower().replace("đ", "d")
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").translate(_SEPARATORS).split()


class _WordHashes(dict):
    """crc32 of each word, remembered: a body's words are mostly the same few thousand
    syllables, and a dict lookup costs a fifth of a crc32 call from Python."""

    def __missing__(self, word: bytes) -> int:
        if len(self) > 200_000:  # numbers and names: never let the table grow without bound
            self.clear()
        value = self[word] = zlib.crc32(word)
        return value


_WORD_HASHES = _WordHashes()


def shingles(title: str | None, lead: str | None, body: str | None) -> np.ndarray:
    """The 32-bit hashes of the article's SHINGLE_WORDS-word shingles, one per position (a
    shorter text: one shingle). Repeats are left in: a MinHash of a list is the MinHash of its
    set. Each word is hashed once and a shingle's hash is a polynomial of its words' hashes,
    computed for all shingles at once."""
    text = "\n".join(t for t in (title, lead, body) if t)[:MAX_WORDS * 12]  # more than enough characters
    words = _words(text)[:MAX_WORDS]
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))
    k = min(SHINGLE_WORDS, len(words))
    n = len(words) - k + 1
    combined = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        combined = (combined * np.uint64(1_000_003) + hashes[i:i + n]) & np.uint64(0xFFFFFFFF)
    return combined


def signature(parts: np.ndarray) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32 values) of shingle hashes (repeats change nothing)."""
    minhash, permutations = _minhash()
    m = minhash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=permutations, scheme=_SCHEME)
    m.update_batch(parts.tolist())
    return m.hashvalues.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite integers), the band's number hashed in."""
    keys = []
    for band in range(BANDS):
        chunk = bytes([band]) + sig[band * ROWS:(band + 1) * ROWS].tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little", signed=True))
    return keys


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
    """Give a stored article (new, or with changed content) its story and return the story id.

    ``conn`` is an sqlite3 connection or sqlite-utils Database, inside the caller's transaction.
    The article's own previous keys are dropped first, so a changed article is matched again on
    its new text (it keeps its story when still similar to it, else moves or stands alone).
    """
    execute = conn.execute
    old = execute("SELECT signature FROM story_signatures WHERE article_id = ?", [article_id]).fetchone()
    if old is not None:
        keys = band_keys(np.frombuffer(old[0], dtype=np.uint32))
        execute(f"DELETE FROM story_bands WHERE article_id = ? AND key IN ({', '.join('?' * len(keys))})", [article_id, *keys])
        execute("DELETE FROM story_signatures WHERE article_id = ?", [article_id])
    parts = shingles(title, lead, body)
    story = article_id
    if len(parts) >= MIN_SHINGLES:  # a shorter text stands alone, and needs no signature
        sig = signature(parts)
        keys = band_keys(sig)
        best: tuple[float, int] | None = None
        rows = execute(
            f"""SELECT s.article_id, s.shingles, s.signature, a.story_id FROM story_signatures s JOIN articles a ON a.id = s.article_id
                WHERE s.article_id IN (SELECT article_id FROM story_bands WHERE key IN ({', '.join('?' * len(keys))}))
                AND s.article_id != ?""", [*keys, article_id]).fetchall()
        for other_id, other_shingles, other_sig, other_story in rows:
            sim = similarity(sig, np.frombuffer(other_sig, dtype=np.uint32))
            if same_story(sim, len(parts), other_shingles) and (best is None or (sim, -other_id) > (best[0], -best[1])):
                best = (sim, other_id)
                story = other_story if other_story is not None else other_id
        execute("INSERT INTO story_signatures(article_id, shingles, signature) VALUES (?, ?, ?)",
                [article_id, len(parts), sig.tobytes()])
        conn_many = getattr(conn, "conn", conn).executemany
        conn_many("INSERT OR IGNORE INTO story_bands(key, article_id) VALUES (?, ?)", [(k, article_id) for k in keys])
    if story == article_id and old is not None and execute(
            "SELECT 1 FROM articles WHERE story_id = ? AND id != ? LIMIT 1", [article_id, article_id]).fetchone():
        # it left a story named after it, whose other copies keep that name: a name never used yet
        story = min(0, execute("SELECT min(story_id) FROM articles").fetchone()[0] or 0) - 1
    execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
    return story
