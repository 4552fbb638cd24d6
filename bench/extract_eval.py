"""Score the extractor against a gold set (default: the hand-checked hanoi-sotttt articles).

Prints one row per field: how many gold records the extractor gets exactly right, and for the
body how many `body_with` snippets are found and `body_without` snippets leak. The baseline
column, measured in the same run, is a scraper with no profile: the page's <title> as title
and all visible text of the page as body (what furniture removal is measured against).

    python bench/extract_eval.py [--gold ../shared/portals/hanoi-sotttt/gold.jsonl] [--failures]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import extract_article  # noqa: E402
from crawler.extract.clean import parse_html  # noqa: E402
from crawler.extract.text import element_text, paragraphs  # noqa: E402
from crawler.profiles import load_profile  # noqa: E402

DEFAULT_GOLD = ROOT.parent / "shared" / "portals" / "hanoi-sotttt" / "gold.jsonl"


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text or "")).strip()


def baseline_extract(html: str, url: str) -> dict:
    """No profile: <title> and every visible paragraph of the page."""
    soup = parse_html(html)
    title = element_text(soup.title) if soup.title else None
    body_root = soup.body or soup
    return {"title": title, "published_at": None, "lead": None, "author": None,
            "body": "\n\n".join(paragraphs(body_root))}


def evaluate(gold_path: Path, platform: str = "liferay-hanoi", baseline: bool = False) -> dict:
    """Return per-field counts and the list of failures for the gold file."""
    profile = load_profile(platform)
    pages = gold_path.parent / "pages"
    counts = {"records": 0, "title": 0, "published_at": 0, "lead": 0, "author": 0,
              "with_found": 0, "with_total": 0, "without_leaked": 0, "without_total": 0, "seconds": 0.0}
    failures = []
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        html = (pages / gold["path"]).read_text(encoding="utf-8")
        started = time.perf_counter()
        article = baseline_extract(html, gold["url"]) if baseline else extract_article(html, gold["url"], profile).to_dict()
        counts["seconds"] += time.perf_counter() - started
        counts["records"] += 1
        for key in ("title", "published_at", "lead", "author"):
            if article[key] == gold[key]:
                counts[key] += 1
            else:
                failures.append((gold["path"], key, article[key], gold[key]))
        body = norm(article["body"])
        for snippet in gold["body_with"]:
            counts["with_total"] += 1
            if norm(snippet) in body:
                counts["with_found"] += 1
            else:
                failures.append((gold["path"], "body_with", None, snippet))
        for snippet in gold["body_without"]:
            counts["without_total"] += 1
            if norm(snippet) in body:
                counts["without_leaked"] += 1
                failures.append((gold["path"], "body_without", None, snippet))
    return {"counts": counts, "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--failures", action="store_true", help="list every failing field")
    args = parser.parse_args()
    if not args.gold.is_file():
        print(f"gold file not found: {args.gold}", file=sys.stderr)
        return 2
    result = evaluate(args.gold)
    base = evaluate(args.gold, baseline=True)["counts"]
    c = result["counts"]
    n = c["records"]
    print(f"gold: {args.gold} ({n} records)\n")
    print("| field | liferay-hanoi profile | baseline: <title> + whole page text |\n|---|---|---|")
    for key in ("title", "published_at", "lead", "author"):
        print(f"| {key} exact | {c[key]}/{n} | {base[key]}/{n} |")
    print(f"| body_with found | {c['with_found']}/{c['with_total']} | {base['with_found']}/{base['with_total']} |")
    print(f"| body_without leaked | {c['without_leaked']}/{c['without_total']} | {base['without_leaked']}/{base['without_total']} |")
    print(f"| ms per page | {1000 * c['seconds'] / max(n, 1):.1f} | {1000 * base['seconds'] / max(n, 1):.1f} |")
    if args.failures:
        for path, key, got, want in result["failures"]:
            print(f"{path}: {key}: got {got!r}, want {want!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
