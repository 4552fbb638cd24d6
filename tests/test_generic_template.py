"""The generic platform's learned template: furniture is what repeats across one portal's pages.

The fixture portal (tests/fixtures/generic-site) has a hotline box after every article body
that no furniture label names, so a per-page extractor keeps it; the template learned from the
portal's own pages drops it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from archive import store
from archive.cli import cli
from crawler.extract import extract_article
from crawler.extract.dom import parse_html
from crawler.extract.template import Template, drop_template_blocks, learn_template, page_fingerprints
from crawler.profiles import load_profile
from tests.conftest import write_registry

SITE = Path(__file__).parent / "fixtures" / "generic-site"
HOTLINE = "Đường dây nóng tiếp nhận phản ánh"
ENTRY = {"id": "yenson", "name": "Huyện Yên Sơn", "level": "huyện", "province": "Tuyên Quang",
         "base_url": "https://yenson.example.vn", "platform": "generic"}


def article_pages() -> list[Path]:
    pages = sorted(p for p in (SITE / "tin-tuc").glob("*.html") if p.name != "index.html")
    assert len(pages) == 4
    return pages


def test_blocks_on_enough_pages_are_learned_and_the_article_text_is_not():
    fingerprints = [page_fingerprints(parse_html(p.read_text(encoding="utf-8"))) for p in article_pages()]
    template = learn_template(fingerprints)
    assert template.pages == 4 and template.version
    page = parse_html(article_pages()[0].read_text(encoding="utf-8"))
    removed = drop_template_blocks(page, template)
    text = page.text_content()
    assert removed > 0
    assert HOTLINE not in text and "Thiết kế và phát triển bởi" not in text
    assert "hơn 28.000 học sinh" in text  # the article's own prose stays


def test_too_few_pages_learn_nothing():
    fingerprints = [page_fingerprints(parse_html(p.read_text(encoding="utf-8"))) for p in article_pages()[:2]]
    assert not learn_template(fingerprints)
    assert learn_template(fingerprints).version == ""


def test_a_template_drops_the_furniture_a_per_page_extractor_keeps():
    generic = load_profile("generic")
    page = article_pages()[1]
    url = f"https://yenson.example.vn/tin-tuc/{page.name}"
    html = page.read_text(encoding="utf-8")
    plain = extract_article(html, url, generic)
    assert HOTLINE in plain.body  # what the template is for
    template = learn_template(page_fingerprints(parse_html(p.read_text(encoding="utf-8"))) for p in article_pages())
    learned = extract_article(html, url, generic, template=template)
    assert HOTLINE not in learned.body and learned.template == template.version
    assert learned.body.startswith(plain.body.split("\n\n")[0])


def test_import_of_a_generic_portal_stores_its_articles_cleaned_by_the_learned_template(tmp_path):
    registry = write_registry(tmp_path / "portals.toml", [ENTRY])
    db_path = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["import-mirror", str(SITE), "--portal", "yenson", "--registry", str(registry),
                                      "--db", str(db_path), "--base-url", ENTRY["base_url"]])
    assert result.exit_code == 0, result.output
    assert "5 pages stored, 4 articles (4 new" in result.output
    conn = sqlite3.connect(db_path)
    rows = conn.execute("select url, body, template from articles order by url").fetchall()
    template = conn.execute("select version, pages from portal_templates where portal_id = 'yenson'").fetchone()
    assert template[1] == 4
    assert [r[0].rsplit("/", 1)[-1] for r in rows] == [p.name for p in article_pages()]
    assert all(HOTLINE not in body and row_template == template[0] for _, body, row_template in rows)
    # the listing is a page (a snapshot), not an article; dir/index.html is the page at dir/
    assert conn.execute("select count(*) from snapshots where url = ?", [ENTRY["base_url"] + "/tin-tuc/"]).fetchone()[0] == 1


def _archive_read_without_template(tmp_path):
    """The portal's articles stored as the first pages of a first crawl are: no template yet."""
    from crawler.registry import load_registry

    portal = load_registry(write_registry(tmp_path / "portals.toml", [ENTRY]))["yenson"]
    db = store.open_db(tmp_path / "a.db", create=True)
    store.sync_portals(db, [portal.to_row()])
    generic = portal.profile()
    for page in article_pages():
        url = f"{ENTRY['base_url']}/tin-tuc/{page.name}"
        body = page.read_bytes()
        snapshot_id = store.store_snapshot(db, url=url, body=body, status=200, headers={"Content-Type": ["text/html; charset=utf-8"]},
                                           portal_id="yenson")
        fields = extract_article(body.decode("utf-8"), url, generic, template=Template()).to_dict()
        fields.update(url=url, fetched_url=url)
        assert store.upsert_article(db, fields, portal_id="yenson", snapshot_id=snapshot_id) == "new"
    bodies = [r[0] for r in db.execute("select body from articles")]
    assert len(bodies) == len(article_pages()) == 4 and all(HOTLINE in body for body in bodies)
    return db, portal


def test_articles_read_before_the_template_existed_are_reextracted_once_it_is(tmp_path):
    """The first pages of a first crawl have no template yet: refreshing re-extracts them from snapshots."""
    from crawler.learning import refresh_generic_articles

    db, portal = _archive_read_without_template(tmp_path)
    counts = refresh_generic_articles(db, portal)
    assert counts["updated"] == 4
    rows = db.execute("select body, version, template from articles").fetchall()
    assert len(rows) == 4 and all(HOTLINE not in body and version == 2 and template for body, version, template in rows)
    assert db.execute("select count(*) from article_versions where origin = 'reextract'").fetchone()[0] == 4
    again = refresh_generic_articles(db, portal)  # stable: the same template re-extracts nothing
    assert again == {"updated": 0, "unchanged": 0, "skipped": 0}
    db.close()


def test_the_redis_ingest_refreshes_a_generic_portals_template_when_its_run_ends(tmp_path):
    from archive.commands.ingest import Ingest

    db, _ = _archive_read_without_template(tmp_path)
    Ingest(None, db).refresh_template("yenson")
    rows = db.execute("select body, template from articles").fetchall()
    assert len(rows) == 4 and all(HOTLINE not in body and template for body, template in rows)
    db.close()


def test_an_import_of_article_pages_alone_keeps_every_article(tmp_path):
    """A folder of saved article pages with no listing to link them: each is judged by its own reading."""
    from shutil import copytree

    only_articles = copytree(SITE, tmp_path / "copy")
    (only_articles / "tin-tuc" / "index.html").unlink()
    registry = write_registry(tmp_path / "portals.toml", [ENTRY])
    result = CliRunner().invoke(cli, ["import-mirror", str(only_articles), "--portal", "yenson", "--registry", str(registry),
                                      "--db", str(tmp_path / "a.db"), "--base-url", ENTRY["base_url"]])
    assert result.exit_code == 0, result.output
    assert "4 pages stored, 4 articles (4 new" in result.output
