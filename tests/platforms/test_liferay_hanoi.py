"""liferay-hanoi profile on our own saved pages (tests/fixtures/liferay-hanoi), every field literal.

The pages are written for this project in the real markup of Hà Nội's Liferay 6.2 portals;
expected.json says what a correct extractor returns. The real pages and their gold set are
tested in tests/test_crawl_sotttt.py.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from pathlib import Path

import pytest

from crawler.extract import extract_article, find_links
from crawler.extract.clean import parse_html
from crawler.extract.recognise import recognise_platform
from crawler.profiles import load_profile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "liferay-hanoi"
META = tomllib.loads((FIXTURES / "meta.toml").read_text(encoding="utf-8"))["files"]
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
ARTICLES = [name for name, meta in META.items() if meta["kind"] == "article"]
FIELDS = ("title", "published_at", "lead", "author", "category", "images", "attachments")


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text or "")).strip()


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ARTICLES)
def test_article_fields(name):
    article = extract_article(page(name), META[name]["url"], load_profile("liferay-hanoi")).to_dict()
    expected = EXPECTED[name]
    assert {k: article[k] for k in FIELDS} == {k: expected[k] for k in FIELDS}
    body = norm(article["body"])
    assert [s for s in expected["body_with"] if norm(s) not in body] == []
    assert [s for s in expected["body_without"] if norm(s) in body] == []
    assert article["extractor"] == "profile:liferay-hanoi"
    assert unicodedata.is_normalized("NFC", article["body"])


def test_body_html_is_sanitised_and_absolute():
    name = "hoangmai_2022-08-27_article-full.html"
    article = extract_article(page(name), META[name]["url"], load_profile("liferay-hanoi"))
    html = article.body_html
    for forbidden in ("<script", "onclick", "style=", "Add to Skype", "class=", "javascript:"):
        assert forbidden not in html
    assert 'src="https://hoangmai.hanoi.gov.vn/documents/1062718/4409279/ra-quan-ve-sinh-1.jpg/' in html
    assert "<p>" in html and "<table>" in html
    assert "Nguyễn" in article.body  # combining tilde folded to NFC


def test_missing_date_is_null_with_a_warning():
    name = "hoangmai_2022-08-27_article-nodate.html"
    article = extract_article(page(name), META[name]["url"], load_profile("liferay-hanoi"))
    assert (article.published_at, article.lead) == (None, None)
    assert article.warnings == ["published_at: no date on the page"]


def test_unparseable_date_is_null_never_guessed():
    name = "hoangmai_2022-08-27_article-full.html"
    html = page(name).replace("13/05/2016", "31/02/2016")
    article = extract_article(html, META[name]["url"], load_profile("liferay-hanoi"))
    assert article.published_at is None
    assert len(article.warnings) == 1 and article.warnings[0].startswith("published_at: unparseable date 'Ngày đăng 31/02/2016 | 4:59 PM")


def test_listing_items_and_pagination():
    name = "hoangmai_2022-08-27_listing.html"
    links = find_links(page(name), META[name]["url"], load_profile("liferay-hanoi"))
    assert links.articles == EXPECTED[name]["item_urls"]
    assert links.pages == EXPECTED[name]["next_page_urls"]
    assert [load_profile("liferay-hanoi").page_number(u) for u in links.pages] == [1, 2, 3]
    assert "https://hoangmai.hanoi.gov.vn/vi/trang-chu" in links.sections


@pytest.mark.parametrize("name", sorted(META))
def test_platform_is_recognised_from_the_markup(name):
    profile = recognise_platform(parse_html(page(name)), META[name]["url"])
    assert profile is not None and profile.name == "liferay-hanoi"


def test_a_plain_page_is_not_recognised():
    html = "<html><head><title>Trang chủ</title></head><body><h1>Xin chào</h1><p>Không phải Liferay.</p></body></html>"
    assert recognise_platform(parse_html(html), "https://example.gov.vn/") is None
