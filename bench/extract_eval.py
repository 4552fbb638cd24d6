"""Score the extractors against the real gold sets of ../shared (hanoi-sotttt, sgdhagiang-vnpt), and listing discovery.

One row per field, one column per extractor, all measured in the same run on the same pages:

- our profile path (the platform's selectors; ``--platform``, default liferay-hanoi),
- the generic path (the `generic` platform: no selectors; page by page, no learned template),
- plain trafilatura (``bare_extraction``, favor_precision, its own title/date/author),
- a baseline with no extractor: the page's <title> and all visible text.

Fields: title, published_at, lead, author exact; ``body_with`` snippets found, ``body_without``
snippets leaked; ms per page (best of ``--repeat`` runs) and the speed ratio to trafilatura.

    python bench/extract_eval.py                      # every real set in ../shared/portals, then listings
    python bench/extract_eval.py [GOLD.jsonl] [--platform liferay-hanoi] [--repeat 3] [--failures]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import extract_article  # noqa: E402
from crawler.extract.clean import parse_html  # noqa: E402
from crawler.extract.fallback import plain_trafilatura  # noqa: E402
from crawler.extract.text import element_text, paragraphs  # noqa: E402
from crawler.profiles import load_profile  # noqa: E402

DEFAULT_GOLD = ROOT.parent / "shared" / "portals" / "hanoi-sotttt" / "gold.jsonl"
FIELDS = ("title", "published_at", "lead", "author")
Extractor = Callable[[str, str], dict]


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text or "")).strip()


def baseline_extract(html: str, url: str) -> dict:
    """No extractor: <title> and every visible paragraph of the page."""
    root = parse_html(html)
    title = root.find(".//title")
    body = root.find("body")
    return {"title": element_text(title) or None if title is not None else None, "published_at": None, "lead": None,
            "author": None, "body": "\n\n".join(paragraphs(body if body is not None else root))}


def extractors(platform: str | None) -> dict[str, Extractor]:
    """Our profile path (when the portal has a profile), the generic path, trafilatura, a baseline."""
    generic = load_profile("generic")
    found = {}
    if platform:
        profile = load_profile(platform)
        found[f"{platform} profile"] = lambda html, url: extract_article(html, url, profile).to_dict()
    return {
        **found,
        "generic (profile disabled)": lambda html, url: extract_article(html, url, generic).to_dict(),
        "plain trafilatura": plain_trafilatura,
        "baseline: <title> + page text": baseline_extract,
    }


def load_gold(gold_path: Path) -> list[tuple[dict, str]]:
    pages = gold_path.parent / "pages"
    return [(gold, (pages / gold["path"]).read_text(encoding="utf-8"))
            for gold in (json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip())]


def evaluate(records: list[tuple[dict, str]], extract: Extractor, repeat: int = 1) -> dict:
    """Per-field counts, failures and the best-of-``repeat`` time per page for one extractor."""
    counts = {"records": 0, **{k: 0 for k in FIELDS}, "with_found": 0, "with_total": 0, "without_leaked": 0, "without_total": 0}
    failures = []
    best = float("inf")
    results = []
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        results = [extract(html, gold["url"]) for gold, html in records]
        best = min(best, time.perf_counter() - started)
    for (gold, _), article in zip(records, results):
        counts["records"] += 1
        for key in FIELDS:
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
    counts["ms_per_page"] = 1000 * best / max(len(records), 1)
    return {"counts": counts, "failures": failures}


def table(results: dict[str, dict]) -> str:
    names = list(results)
    rows = [f"| field | {' | '.join(names)} |", "|---" * (len(names) + 1) + "|"]
    c = {name: r["counts"] for name, r in results.items()}
    n = next(iter(c.values()))["records"]
    for key in FIELDS:
        rows.append(f"| {key} exact | " + " | ".join(f"{c[x][key]}/{n}" for x in names) + " |")
    rows.append("| body_with found | " + " | ".join(f"{c[x]['with_found']}/{c[x]['with_total']}" for x in names) + " |")
    rows.append("| body_without leaked | " + " | ".join(f"{c[x]['without_leaked']}/{c[x]['without_total']}" for x in names) + " |")
    rows.append("| ms per page | " + " | ".join(f"{c[x]['ms_per_page']:.1f}" for x in names) + " |")
    reference = c.get("plain trafilatura", {}).get("ms_per_page")
    if reference:
        rows.append("| speed vs plain trafilatura | " + " | ".join(f"{reference / c[x]['ms_per_page']:.1f}×" for x in names) + " |")
    return "\n".join(rows)


# Every real set in ../shared with its platform profile, when the portal has one.
REAL_SETS = {"hanoi-sotttt": "liferay-hanoi", "sgdhagiang-vnpt": None}


def run(gold_path: Path, platform: str | None, repeat: int, failures: bool) -> None:
    records = load_gold(gold_path)
    results = {name: evaluate(records, extract, repeat) for name, extract in extractors(platform).items()}
    print(f"gold: {gold_path} ({len(records)} records), best of {repeat} runs\n")
    print(table(results))
    if failures:
        for name in list(results)[:2]:
            for path, key, got, want in results[name]["failures"]:
                print(f"{name}: {path}: {key}: got {got!r}, want {want!r}")
    print()


def listing_table() -> str:
    """Listing discovery with no profile on every real listing (bench/listing_eval.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from listing_eval import evaluate as listing_rows, summary

    rows = ["| listings (generic discovery) | pages | recall | precision | ms per page |", "|---|---|---|---|---|"]
    for site, s in summary(listing_rows(ROOT.parent / "shared")).items():
        rows.append(f"| {site} | {s['listings']} | {s['recall']:.1%} | {s['precision']:.1%} | {s['ms_per_page']:.1f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=None, help="one gold JSONL (default: every real set in ../shared/portals)")
    parser.add_argument("--gold", dest="gold_option", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--platform", default=None, help="profile of that gold's portal (default: liferay-hanoi for hanoi-sotttt, none otherwise)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per extractor; the fastest counts (default 3)")
    parser.add_argument("--failures", action="store_true", help="list every failing field of our profile and the generic path")
    args = parser.parse_args()
    gold_path = args.gold or args.gold_option
    if gold_path is not None:
        if not gold_path.is_file():
            print(f"gold file not found: {gold_path}", file=sys.stderr)
            return 2
        run(gold_path, args.platform or REAL_SETS.get(gold_path.parent.name), args.repeat, args.failures)
        return 0
    sets = [(ROOT.parent / "shared" / "portals" / name / "gold.jsonl", platform) for name, platform in REAL_SETS.items()]
    if not any(path.is_file() for path, _ in sets):
        print(f"no gold set found under {ROOT.parent / 'shared' / 'portals'}", file=sys.stderr)
        return 2
    for path, platform in sets:
        if path.is_file():
            run(path, platform, args.repeat, args.failures)
    print(listing_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
