"""Listing discovery without a profile, measured on the real listings in ../shared.

For each real listing page: recall and precision of :func:`crawler.extract.discover.discover_links`
against the gold main-list links, and the time it takes per page. Gold:

* ``sgdhagiang-vnpt``: ``listings.jsonl`` (hand-listed main-list links of its 2 category pages);
* ``hanoi-sotttt``: every ``listing`` page of the manifest, gold = the links the liferay-hanoi
  profile's ``[listing] items`` selectors find on the same page (discovery runs without it).

Run: ``python bench/listing_eval.py [--shared DIR] [--json]``; ``evaluate()`` returns the rows
for the extraction benchmark.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract.discover import browser_url, discover_links  # noqa: E402
from crawler.extract.dom import parse_html  # noqa: E402

SHARED = ROOT.parent / "shared"


@dataclasses.dataclass
class ListingCase:
    site: str
    path: Path
    url: str
    gold: list[str]


def vnpt_cases(shared: Path = SHARED) -> list[ListingCase]:
    """The VNPT portal's category pages with their hand-listed main-list links."""
    folder = shared / "portals" / "sgdhagiang-vnpt"
    if not (folder / "listings.jsonl").is_file():
        return []
    cases = []
    for line in (folder / "listings.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        gold = [browser_url(urljoin(entry["url"], link["href"])) for link in entry["article_links"]]
        cases.append(ListingCase("sgdhagiang-vnpt", folder / "pages" / entry["path"], entry["url"], gold))
    return cases


def hanoi_cases(shared: Path = SHARED) -> list[ListingCase]:
    """Hanoi's Liferay listings; gold = what the profile's item selectors find there."""
    from crawler.extract import find_links
    from crawler.profiles import load_profile

    folder = shared / "portals" / "hanoi-sotttt"
    if not (folder / "manifest.jsonl").is_file():
        return []
    items_only = dataclasses.replace(load_profile("liferay-hanoi"), follow_article_links=False)
    cases = []
    for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] != "listing":
            continue
        path = folder / "pages" / entry["path"]
        html = path.read_bytes().decode("utf-8", errors="replace")
        gold = [browser_url(u) for u in find_links(html, entry["url"], items_only).articles]
        cases.append(ListingCase("hanoi-sotttt", path, entry["url"], gold))
    return cases


def evaluate(shared: Path = SHARED) -> list[dict]:
    """One row per real listing: site, path, gold, found, hits, recall, precision, ms."""
    from crawler.fetch import decode_html

    rows = []
    for case in vnpt_cases(shared) + hanoi_cases(shared):
        html = decode_html(case.path.read_bytes())
        started = time.perf_counter()
        found = discover_links(parse_html(html), case.url).articles
        elapsed = (time.perf_counter() - started) * 1000
        hits = len(set(found) & set(case.gold))
        rows.append({"site": case.site, "path": str(case.path.relative_to(shared)) if case.path.is_relative_to(shared) else str(case.path),
                     "gold": len(set(case.gold)), "found": len(found), "hits": hits,
                     "recall": hits / len(set(case.gold)) if case.gold else (1.0 if not found else 0.0),
                     "precision": hits / len(found) if found else (1.0 if not case.gold else 0.0), "ms": elapsed,
                     "missed": sorted(set(case.gold) - set(found)), "extra": [u for u in found if u not in set(case.gold)]})
    return rows


def summary(rows: list[dict]) -> dict[str, dict]:
    """Per site: listings, micro recall/precision (over links) and mean ms per page."""
    out: dict[str, dict] = {}
    for site in dict.fromkeys(r["site"] for r in rows):
        mine = [r for r in rows if r["site"] == site]
        gold, found, hits = (sum(r[k] for r in mine) for k in ("gold", "found", "hits"))
        out[site] = {"listings": len(mine), "recall": hits / gold if gold else 1.0, "precision": hits / found if found else 1.0,
                     "ms_per_page": sum(r["ms"] for r in mine) / len(mine),
                     "perfect": sum(1 for r in mine if r["recall"] == 1.0 and r["precision"] == 1.0)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed and extra links")
    args = parser.parse_args()
    rows = evaluate(args.shared)
    if not rows:
        sys.exit(f"no listings found under {args.shared}/portals")
    if args.json:
        print(json.dumps({"listings": rows, "summary": summary(rows)}, ensure_ascii=False, indent=2))
        return
    print(f"{'listing':70} {'gold':>4} {'found':>5} {'recall':>7} {'prec.':>7} {'ms':>6}")
    for r in rows:
        print(f"{r['path'][-70:]:70} {r['gold']:4} {r['found']:5} {r['recall']:7.1%} {r['precision']:7.1%} {r['ms']:6.1f}")
        if args.verbose:
            for url in r["missed"]:
                print(f"    missed {url}")
            for url in r["extra"]:
                print(f"    extra  {url}")
    for site, s in summary(rows).items():
        print(f"{site}: {s['listings']} listings, recall {s['recall']:.1%}, precision {s['precision']:.1%}, "
              f"{s['perfect']} perfect, {s['ms_per_page']:.1f} ms/page")


if __name__ == "__main__":
    main()
