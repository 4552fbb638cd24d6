"""Story signatures computed a batch at a time (archive/stories.py) are the ones stored one article
at a time before: the same shingles, MinHash values and band keys (archives hold them and compare
new articles with them), and a batch gives the stories assigning one article at a time gives."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import unicodedata
import zlib

import pytest

from archive import store
from archive import stories
from archive import story_signatures
from tests.conftest import ROOT
from tests.test_stories import PORTALS, SIBLING, STORY

# bytes other than a-z and 0-9 are spaces: the previous release's folding, kept here as the reference
SEPARATORS = bytes(c if chr(c).isascii() and chr(c).isalnum() and not chr(c).isupper() else 32 for c in range(256))

# STORY's signature as the previous release stored it (datasketch 2.0 MinHash, scheme affine32, seed 1)
STORY_SIGNATURE = (
    "394e110038930c00b26f6c0031e33501dec60b01af3e4900267abf0095b41300165144003c639803c8a69f014012130065b88a01066b1501"
    "e0447a01fb70c102923f2d02033a9603b20aff0136508e00c664e2000d94a6001d7e1b037aa3cb028930d902927478009d0a88002d512500"
    "71168202e7160700e6e9e203a7bb6d0103bd1002059a3900a97a9f00b3fc9700b7c1d40026aa5b01ecd00e00c0c19002db5cf50194746d00"
    "f0bb8d00a593870117f1e400cdf7510276098e02ad7cc90037955b001d50b902beace90361b92d01c3673d015536f7016ae4110039412e00"
    "6da1e9020c8cea0253f5e2032b72d000")
STORY_FIRST_KEYS = [-2920990121855215339, 7655965292996911563, -8543569789807604090]


def reference_fold(text: str) -> bytes:
    return unicodedata.normalize("NFD", text.lower().replace("đ", "d")).encode("ascii", "ignore").translate(SEPARATORS)


def reference_shingles(title: str | None, lead: str | None, body: str | None) -> list[int]:
    """The previous release's shingles: word by word, in Python integers."""
    text = "\n".join(t for t in (title, lead, body) if t)[:stories.MAX_WORDS * 12]
    words = reference_fold(text).split()[:stories.MAX_WORDS]
    if not words:
        return []
    hashes = [zlib.crc32(w) for w in words]
    k = min(stories.SHINGLE_WORDS, len(words))
    result = []
    for i in range(len(words) - k + 1):
        value = 0
        for h in hashes[i:i + k]:
            value = (value * 1_000_003 + h) & 0xFFFFFFFF
        result.append(value)
    return result


POOL = ("abcdđĐeêghiklmnoôơpqrstuưvxyAĂÂBCDEÊGHIKLMNOÔƠPQRSTUƯVXY0123456789 \n\t.,;:!?()-–—/\"'"
        "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵÁÀẢÃẠÝỲỶỸỴ"
        "\u0300\u0301\u0303\u0309\u0323\u0306\u0302\u031b"  # combining marks: decomposed text, a mark first
        "\x00\x1f\x1e\x7f\u00a0\u2028\ufeffΣσςİıKÅǅßæœ中文한국😀𝐀\U0010ffff\ud800\udfff")  # hostile and other scripts


def hostile_texts(seed: int) -> list[tuple[str | None, str | None, str | None]]:
    rng = random.Random(seed)

    def text(n: int) -> str:
        return "".join(rng.choice(POOL) for _ in range(n))

    many_words = " ".join(rng.choice(["chữ", "số", "hoá", "hóa", "1", "x"]) for _ in range(3000))
    return [STORY, SIBLING, (None, None, None), ("", "", ""), ("Một", None, None), ("a b c d", None, "e"),
            ("A" * 20000, None, None), ("tiêu đề " + "7" * 30 + " và " + "z" * 25, None, "x" * 24 + " y"),
            (None, None, many_words), ("\u0301đầu", many_words[:200], text(50))] + [
        (text(rng.randint(0, 40)), rng.choice([None, text(80)]), text(rng.randint(0, 3000))) for _ in range(40)]


@pytest.mark.parametrize("seed, fold_chars", [(1, None), (2, None), (1, 3000)])  # 3000: the batch folded in slices
def test_batch_shingles_are_the_previous_releases_word_by_word_shingles(seed, fold_chars, monkeypatch):
    if fold_chars:
        monkeypatch.setattr(story_signatures, "_FOLD_CHARS", fold_chars)
    texts = hostile_texts(seed)
    expected = [reference_shingles(*t) for t in texts]
    assert [p.tolist() for p in stories.shingles_of(texts)] == expected  # the whole batch at once
    assert [stories.shingles(*t).tolist() for t in texts] == expected  # one at a time


def test_the_fold_table_folds_every_character_as_nfd_does():
    table = story_signatures._fold_table()
    for c in range(0x10000):
        if 0xD800 <= c < 0xE000 or c == 0x1F:  # surrogates: dropped; 0x1f: the table's text break (replaced in texts)
            continue
        folded = reference_fold(chr(c))
        assert len(folded) <= 1, hex(c)
        assert (folded[0] if folded else story_signatures._DROPPED) == table[c], hex(c)
    astral = "".join(chr(c) for c in range(0x10000, 0x110000, 7))
    assert reference_fold(astral) == b""  # beyond the BMP nothing folds to a letter: the table's last entry drops them
    for text in (t for texts in hostile_texts(3) for t in texts if t):
        assert story_signatures._fold([text]).tobytes() == b" " + reference_fold(text.replace("\x1f", " ")) + b" "


def test_signatures_are_the_ones_the_previous_release_stored():
    sig = stories.signature(stories.shingles(*STORY))
    assert sig.tobytes().hex() == STORY_SIGNATURE
    assert stories.band_keys(sig)[:3] == STORY_FIRST_KEYS


@pytest.mark.parametrize("count", [1, 3, 40])  # one by one, a few articles, a batch (two ways of computing)
def test_batch_signatures_and_keys_are_datasketchs_minhash_of_each_article(count):
    datasketch = pytest.importorskip("datasketch")
    parts = stories.shingles_of(hostile_texts(4)[:count])
    sigs = stories.signatures(parts)
    keys = stories.band_keys_of(sigs)
    for p, sig, row in zip(parts, sigs, keys):
        m = datasketch.MinHash(num_perm=stories.NUM_PERM, seed=stories.SEED, hashfunc=int, scheme="affine32")
        m.update_batch(p.tolist())
        assert sig.tolist() == m.hashvalues.tolist()
        assert stories.signature(p).tolist() == sig.tolist()
        assert stories.band_keys(sig) == row.tolist()


def variants(rng: random.Random, vocabulary: list[str]) -> list[str]:
    """A story's text and re-posts of it (credited, cut, abridged), then an unrelated text."""
    sentences = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 20))) + "." for _ in range(12)]
    text = " ".join(sentences)
    return [text, "Huyện X: " + text + " (Theo tỉnh)", " ".join(sentences[:-1]), " ".join(sentences[:8])]


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_a_batch_assigns_the_stories_and_rows_one_article_at_a_time_assigns(tmp_path, seed):
    rng = random.Random(seed)
    vocabulary = [w for w in " ".join(STORY + SIBLING).split() if w.isalpha()]
    families = [variants(rng, vocabulary) for _ in range(4)]
    db = store.open_db(tmp_path / "a.db", create=True)
    store.sync_portals(db, PORTALS)

    def add(n: int, body: str, assign: bool) -> int:
        url = f"https://p.example/{n}"
        store.upsert_article(db, {"url": url, "title": f"Tin {n}", "body": body}, portal_id="p0", assign_story=assign)
        return db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]

    stored = [add(n, rng.choice(family), True) for n, family in enumerate(families * 2)]
    first = stored[0]  # its story is named after it; the batch moves it away (its copies keep the name)
    alone = variants(rng, vocabulary)[0]  # a story of its own
    batch = [(first, "Tin 0", None, alone), (add(100, "ngắn", False), "ngắn", None, "ngắn")]
    for n in range(101, 121):
        family = rng.choice(families)
        batch.append((add(n, "", False), f"Tin {n}", None, rng.choice(family)))
    batch += [(stored[3], "Tin 3", None, rng.choice(families[2])), (stored[5], "Tin 5", None, families[0][1] + " sửa"),
              (add(121, "", False), "Tin 121", None, alone + " (Theo Sở)")]  # a copy of the one that moved: joins it
    batch.insert(10, (batch[2][0], batch[2][1], None, families[3][0]))  # named twice: assigned twice, in order
    db.conn.commit()
    db.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")

    states = []
    for name, one_by_one in (("a.db", True), ("b.db", False)):
        db = store.open_db(tmp_path / name)
        with db.conn:
            if one_by_one:
                said = [stories.assign_story(db, *article) for article in batch]
            else:
                said = stories.assign_stories(db, batch)
        states.append((said, *(db.execute(sql).fetchall() for sql in (
            "SELECT id, story_id FROM articles ORDER BY id",
            "SELECT article_id, shingles, hex(signature) FROM story_signatures ORDER BY article_id",
            "SELECT key, article_id FROM story_bands ORDER BY key, article_id"))))
        db.close()
    assert states[0] == states[1]
    said, articles = states[0][0], dict(states[0][1])
    assert articles[first] < 0 and first in articles.values()  # it left its story, whose copies keep its name
    assert said[-1] == articles[first]
    assert len(set(said)) < len(said) - 5  # re-posts met in the batch and in the archive


def test_storing_articles_loads_neither_datasketch_nor_scipy(tmp_path):
    """datasketch's package imports scipy for its LSH classes: 63 MB in every writer (a crawl's
    peak went from 128 to 173 MB). The signatures need numpy alone."""
    code = f"""
import sys
from archive import store
db = store.open_db({str(tmp_path / "a.db")!r}, create=True)
store.sync_portals(db, [{{"id": "p0", "name": "P", "start_urls": []}}])
story = {STORY!r}
for n in range(2):
    store.upsert_article(db, {{"url": f"https://p.example/{{n}}", "title": story[0], "lead": story[1], "body": story[2]}}, portal_id="p0")
assert len({{s for (s,) in db.execute("SELECT story_id FROM articles")}}) == 1
print(sorted(m for m in sys.modules if m.split(".")[0] in ("datasketch", "scipy")))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
