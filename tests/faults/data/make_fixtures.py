"""Write one small archive per schema version, made by that release's own code.

    python tests/faults/data/make_fixtures.py            # from the repository root

``archive-m001.sqlite``: the storage module as released with only ``m001_initial`` (commit
1b8a8ae, read with ``git show``), so the fixture has exactly the tables, FTS set-up and rows
that release wrote. ``archive-m002.sqlite``: the current storage module. Each holds the same two
portals, five articles (one edited: two versions), their snapshots and a finished crawl, and
is VACUUMed in rollback-journal mode so it is one small self-contained file.
``test_storage_faults.py`` upgrades copies of them in place. Add a file here whenever a
release adds a migration.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
RELEASES = {"m001": "1b8a8ae", "m002": None}  # None: the working tree

BUILD = r'''
import sys
from archive import store

path = sys.argv[1]
db = store.open_db(path, create=True)
store.sync_portals(db, [
    {"id": "hanoi-cu", "name": "Quận Cũ", "level": "quận", "province": "Hà Nội", "base_url": "https://cu.hanoi.gov.vn",
     "platform": "liferay-hanoi", "start_urls": ["/vi/tin-tuc"]},
    {"id": "hcm-moi", "name": "Quận Mới", "level": "quận", "province": "TP. Hồ Chí Minh", "base_url": "https://moi.hochiminhcity.gov.vn",
     "platform": "liferay-hcmc", "start_urls": []},
])
crawl = store.start_crawl(db, "hanoi-cu", args={"max_pages": 2}, max_pages=2)
for n in range(1, 6):
    portal = "hanoi-cu" if n <= 3 else "hcm-moi"
    url = f"https://{'cu.hanoi.gov.vn' if n <= 3 else 'moi.hochiminhcity.gov.vn'}/vi/tin-tuc/-/view_content/{n}00-bai-{n}"
    body = f"<html><body><h1>Bài {n}</h1><p>Đại hội Đảng bộ phường lần thứ {n}.</p></body></html>".encode()
    snap = store.store_snapshot(db, url=url, body=body, status=200, headers={"Content-Type": ["text/html; charset=utf-8"]},
                                portal_id=portal, crawl_id=crawl, fetched_at=f"2023-0{n}-01T08:00:00+00:00")
    article = {"url": url, "title": f"Đại hội Đảng bộ phường lần thứ {n}", "lead": "Sáng nay,",
               "body": f"Đại hội Đảng bộ phường lần thứ {n}.\n\nCải cách hành chính.", "body_html": "<p>Đại hội</p>",
               "author": "Thu Hà", "published_at": f"2023-0{n}-01T08:00:00+07:00", "category": "Tin tức",
               "images": [{"url": f"{url}.jpg", "caption": "Ảnh"}], "attachments": [], "word_count": 9, "extractor": "profile"}
    store.upsert_article(db, article, portal_id=portal, province="Hà Nội", snapshot_id=snap, seen_at=f"2023-0{n}-01T08:00:00+00:00")
    if n == 2:
        store.upsert_article(db, {**article, "title": article["title"] + " (sửa)"}, portal_id=portal, snapshot_id=snap,
                             seen_at="2023-03-15T08:00:00+00:00")
store.finish_crawl(db, crawl, outcome="ok", counts={"pages_fetched": 5, "articles_new": 5}, stats={"item_scraped_count": 5})
db.execute("PRAGMA journal_mode=DELETE")
db.execute("VACUUM")
db.close()
'''


def build(version: str, commit: str | None) -> Path:
    target = HERE / f"archive-{version}.sqlite"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = ROOT
        if commit:
            source = Path(tmp)
            (source / "archive").mkdir()
            (source / "archive" / "__init__.py").write_text("")
            for module in ("db.py", "search.py"):
                text = subprocess.run(["git", "show", f"{commit}:archive/{module}"], cwd=ROOT, check=True,
                                      capture_output=True, text=True).stdout
                (source / "archive" / module).write_text(text, encoding="utf-8")
        subprocess.run([sys.executable, "-c", BUILD, str(target)], cwd=source, check=True, env={"PYTHONPATH": str(source), "PATH": ""})
    return target


if __name__ == "__main__":
    for version, commit in RELEASES.items():
        print(build(version, commit), f"{build.__name__}: {version}")
