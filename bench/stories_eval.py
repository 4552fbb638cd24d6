"""How well "same story" (archive/stories.py) is told, on pairs built from a real archive.

Pairs, from an archive of real articles (default: the Hanoi sotttt pages imported from
../shared with ``portal-archive import-mirror``):

- re-posts: two ids with the same title (the archive's own re-posts, exact or edited);
- edited re-posts: every article long enough for the rule (archive/stories.py MIN_SHINGLES)
  against a copy edited the ways portals re-post (a district's prefix on the title and a source
  line; the last paragraph cut; only the first 60 % kept; the lead replaced by a district's own
  sentence and the first paragraph dropped; old-style tone marks and the lead run into the body);
- different stories: every other pair of the archive's articles, reported apart for pairs of one
  category and for pairs of one template (titles with the same first five words: "Đề nghị tạm
  ngừng cung cấp dịch vụ … (lần thứ 78)" / "(lần 03/2018)").

Prints precision and recall of "same story" per threshold on the estimated similarity (the
MinHash signatures, as stored), the exact Jaccard range of each kind, and an end-to-end check:
all articles and their edited copies stored through ``archive.store.upsert_article`` (the band
lookups included), counting copies that found their original's story and false merges.

    python bench/stories_eval.py [--db archive.db]
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import store  # noqa: E402
from archive import stories  # noqa: E402

HANOI = ROOT.parent / "shared" / "portals" / "hanoi-sotttt" / "pages"
THRESHOLDS = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9)
# New-convention tone placement -> old (the spellings re-posts differ in; archive/vnspell.py).
OLD_TONES = {"hóa": "hoá", "hòa": "hoà", "thủy": "thuỷ", "khỏe": "khoẻ", "ủy": "uỷ", "quý": "qúy", "tòa": "toà", "xóa": "xoá"}


def edits(article: dict) -> dict[str, dict]:
    """The article as re-posted: each way a portal edits a story it carries."""
    title, lead, body = article["title"] or "", article["lead"] or "", article["body"] or ""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]

    def respell(text: str) -> str:
        return re.sub("|".join(OLD_TONES), lambda m: OLD_TONES[m.group(0)], text)

    return {
        "credited": {"title": f"Quận Hoàng Mai: {title}", "lead": lead,
                     "body": body + "\n\n(Theo Cổng thông tin điện tử Sở Thông tin và Truyền thông Hà Nội)"},
        "last paragraph cut": {"title": title, "lead": lead, "body": "\n\n".join(paragraphs[:-1]) if len(paragraphs) > 1 else body},
        "first 60 % kept": {"title": title, "lead": lead, "body": "\n\n".join(paragraphs[:max(1, round(len(paragraphs) * 0.6))])},
        "opening rewritten": {"title": title, "lead": "Thực hiện chỉ đạo của Ủy ban nhân dân quận, chúng tôi đăng lại bài viết dưới đây "
                              "để cán bộ và nhân dân trên địa bàn được biết.",
                              "body": "\n\n".join(paragraphs[1:]) if len(paragraphs) > 1 else body},
        "respelled, lead in body": {"title": respell(title), "lead": "", "body": respell(lead + "\n\n" + body)},
    }


def jaccard(a, b) -> float:
    a, b = set(a.tolist()), set(b.tolist())
    return len(a & b) / len(a | b) if a | b else 0.0


def load(db_path: Path) -> list[dict]:
    db = store.open_db(db_path)
    rows = db.execute("SELECT id, title, lead, body, category FROM articles ORDER BY id").fetchall()
    return [dict(zip(("id", "title", "lead", "body", "category"), r)) for r in rows]


def prepare(article: dict) -> dict:
    parts = stories.shingles(article["title"], article["lead"], article["body"])
    return {**article, "parts": parts, "sig": stories.signature(parts) if len(parts) else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an archive of real articles (default: import ../shared's Hanoi pages)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stories-eval-"))
    db_path = args.db
    if db_path is None:
        db_path = tmp / "hanoi.db"
        subprocess.run([sys.executable, "-m", "archive.cli", "import-mirror", str(HANOI), "--portal", "hanoi-sotttt",
                        "--db", str(db_path)], check=True, cwd=ROOT, capture_output=True)
    articles = [prepare(a) for a in load(db_path)]
    key = lambda a: re.sub(r"\W+", " ", (a["title"] or "").casefold()).strip()  # noqa: E731
    pairs: list[tuple[str, dict, dict]] = []
    positive_ids = set()
    for a, b in itertools.combinations(articles, 2):
        if key(a) and key(a) == key(b):
            pairs.append(("re-post in the archive", a, b))
            positive_ids.add((a["id"], b["id"]))
    originals = [a for a in articles if len(a["parts"]) >= stories.MIN_SHINGLES]
    copies: list[tuple[dict, dict]] = []
    for a in originals:
        for kind, edited in edits(a).items():
            copy = prepare({**a, **edited, "id": None, "kind": kind})
            pairs.append((f"edited: {kind}", a, copy))
            copies.append((a, copy))
    for a, b in itertools.combinations(articles, 2):
        if (a["id"], b["id"]) in positive_ids:
            continue
        if " ".join(key(a).split()[:5]) == " ".join(key(b).split()[:5]):
            kind = "different: same template"
        elif a["category"] == b["category"]:
            kind = "different: same category"
        else:
            kind = "different: other"
        pairs.append((kind, a, b))

    scored = []
    for kind, a, b in pairs:
        if a["sig"] is None or b["sig"] is None:
            continue
        sim = stories.similarity(a["sig"], b["sig"])
        scored.append((kind, sim, jaccard(a["parts"], b["parts"]), len(a["parts"]), len(b["parts"])))

    print(f"{len(articles)} articles, {len(originals)} long enough for the rule (>= {stories.MIN_SHINGLES} shingles)\n")
    print("| pairs | n | exact Jaccard min–max | estimated min–max |")
    print("|---|---|---|---|")
    for kind in sorted({s[0] for s in scored}):
        rows = [s for s in scored if s[0] == kind]
        print(f"| {kind} | {len(rows)} | {min(r[2] for r in rows):.2f}–{max(r[2] for r in rows):.2f} "
              f"| {min(r[1] for r in rows):.2f}–{max(r[1] for r in rows):.2f} |")
    print("\n| threshold | recall (all same-story pairs) | recall (edited) | precision | false merges (of which same category / template) |")
    print("|---|---|---|---|---|")
    saved = stories.THRESHOLD
    for threshold in THRESHOLDS:
        stories.THRESHOLD = threshold
        said = [(kind, stories.same_story(sim, na, nb)) for kind, sim, _, na, nb in scored]
        pos = [s for k, s in said if not k.startswith("different")]
        edited = [s for k, s in said if k.startswith("edited")]
        neg = [(k, s) for k, s in said if k.startswith("different")]
        tp, fp = sum(pos), sum(s for _, s in neg)
        close = sum(s for k, s in neg if k != "different: other")
        mark = " **(chosen)**" if threshold == saved else ""
        print(f"| {threshold:g}{mark} | {tp}/{len(pos)} = {tp / len(pos):.3f} | {sum(edited) / len(edited):.3f} "
              f"| {tp / (tp + fp) if tp + fp else 1:.3f} | {fp} ({close}) |")
    stories.THRESHOLD = saved

    # End to end: every article, then every edited copy, through the storage API (band lookups included).
    e2e = store.open_db(tmp / "e2e.db", create=True)
    store.sync_portals(e2e, [{"id": "p", "name": "p", "start_urls": []}])
    for a in articles:
        store.upsert_article(e2e, {"url": f"https://a/{a['id']}", "title": a["title"], "lead": a["lead"], "body": a["body"]},
                             portal_id="p")
    for n, (a, copy) in enumerate(copies):
        store.upsert_article(e2e, {"url": f"https://copy/{n}", "title": copy["title"], "lead": copy["lead"],
                                   "body": copy["body"]}, portal_id="p")
    story = dict(e2e.execute("SELECT url, story_id FROM articles").fetchall())
    found = sum(story[f"https://copy/{n}"] == story[f"https://a/{a['id']}"] for n, (a, _) in enumerate(copies))
    originals_story = [story[f"https://a/{a['id']}"] for a in articles]
    merged = len(originals_story) - len(set(originals_story)) - len(positive_ids)
    print(f"\nend to end (stored one by one, THRESHOLD {stories.THRESHOLD}): {found}/{len(copies)} edited copies joined their "
          f"original's story; the archive's {len(articles)} articles form {len(set(originals_story))} stories "
          f"({len(positive_ids)} re-post pairs expected to merge; unexpected merges: {merged})")


if __name__ == "__main__":
    main()
