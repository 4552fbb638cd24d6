"""Story signatures: an article's text as shingles, MinHash signatures and LSH band keys.

The numbers that decide "same story" (archive/stories.py stores and compares them). The text
(title, lead, body) folded (marks, ``đ``, case: re-posts differ in tone mark placement and
capitals) is cut into SHINGLE_WORDS-word shingles; a MinHash signature of NUM_PERM values
estimates the Jaccard similarity of two articles' shingle sets; the signature cut into BANDS
bands of ROWS values gives the keys under which candidates are found.

Why numpy rather than ``datasketch.MinHash`` at run time: the signatures are datasketch 2.0's
(scheme ``affine32``, ``seed=SEED``; tests/test_story_signatures.py checks them against
datasketch, the reference kept in the test extra), but datasketch hashes one shingle per Python
call and imports scipy into every writing process (a crawl's peak memory 128 → 173 MB); a
batch signed here at once costs a third (docs/benchmarks.md, "Stories at ingest").
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
import zlib
from collections.abc import Sequence

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
