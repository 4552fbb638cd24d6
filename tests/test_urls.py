"""One article, one identity: when a page's ``<link rel=canonical>`` is trusted (issue 15.2)."""

from __future__ import annotations

import pytest

from crawler.profiles import load_profile
from crawler.urls import canonical_url, same_page

PAGE = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html"


@pytest.mark.parametrize("link", [
    PAGE,
    "http://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",      # scheme
    "https://SOTTTT.Hanoi.gov.VN/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",     # host case
    "https://www.sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",  # www.
    "https://sotttt.hanoi.gov.vn:443/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",  # default port
    "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html/",     # trailing slash
    "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702282-DAI-HOI-DANG-BO.html",     # path case
    "https://sotttt.hanoi.gov.vn/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",        # no /vi/ prefix
    "https://sotttt.hanoi.gov.vn/vi-VN/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",  # another form of it
    PAGE + "?utm_source=zalo&fbclid=x#binh-luan",                                                    # tracking, fragment
    PAGE + "?p_p_id=101&p_p_lifecycle=0&_101_INSTANCE_ab12_redirect=%2Fvi",                          # portlet state
    "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien//-/view_content/702282-dai-hoi-dang-bo.html",    # doubled slash
    "/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",                                # relative
])
def test_a_canonical_link_naming_the_page_itself_or_a_variant_of_it_is_trusted(link):
    assert same_page(link, PAGE)
    assert canonical_url(PAGE, link) == canonical_url(PAGE, link, load_profile("liferay-hanoi"))
    trusted = canonical_url(PAGE, link)
    assert trusted.startswith(("http://", "https://")) and "utm_" not in trusted and "#" not in trusted


@pytest.mark.parametrize("link", [
    "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702283-bai-khac.html",            # another article
    "https://sotttt.hanoi.gov.vn/vi/thanh-tra/-/view_content/702282-dai-hoi-dang-bo.html",          # another path
    "https://sotttt.hanoi.gov.vn/",                                                                 # the home page
    "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien",                                               # a listing
    "https://sotttt.hanoi.gov.vn:8443/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",  # another port
    "https://evil.example/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",           # another host
    "https://hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",           # the parent domain
    "https://sotttt.hanoi.gov.vn/en/tin-tuc-su-kien/-/view_content/702282-dai-hoi-dang-bo.html",    # another language
    PAGE + "?id=5",                                                                                 # a query the page lacks
    "javascript:alert(1)",
    "mailto:x@sotttt.hanoi.gov.vn",
    "",
])
def test_a_canonical_link_naming_another_page_is_not_trusted(link):
    assert not same_page(link, PAGE)
    assert canonical_url(PAGE, link) == canonical_url(PAGE, None) == PAGE


def test_the_query_is_part_of_the_identity_and_another_port_is_another_site():
    page = "http://127.0.0.1:8080/news.aspx?id=5&utm_medium=x"
    assert canonical_url(page, "http://127.0.0.1:8080/news.aspx") == "http://127.0.0.1:8080/news.aspx?id=5"
    assert canonical_url(page, "http://127.0.0.1:8080/news.aspx?utm_source=y&id=5") == "http://127.0.0.1:8080/news.aspx?id=5"
    assert canonical_url(page, "http://127.0.0.1:8081/news.aspx?id=5") == "http://127.0.0.1:8080/news.aspx?id=5"
    assert canonical_url("http://h.vn/a?x=1&y=2", "http://h.vn/a?y=2&x=1") == "http://h.vn/a?y=2&x=1"


def test_percent_encoding_and_unicode_forms_are_one_path():
    assert same_page("https://h.vn/tin/%C4%91i-h%E1%BB%8Dc.html", "https://h.vn/tin/đi-học.html")
    assert same_page("https://h.vn/tin/%c4%91i.html", "https://h.vn/tin/%C4%91i.html")


@pytest.mark.parametrize("value", [
    "javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\x01javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "vbscript:msgbox(1)", "data:image/png;base64,AAAA",
    "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "ftp://h.vn/a.pdf", "mailto:a@h.vn", "about:blank",
    "http://", "http://h.vn:port/x", "", "   ", None,
])
def test_web_url_keeps_only_http_and_https(value):
    from crawler.urls import web_url

    assert web_url(value, PAGE) is None


@pytest.mark.parametrize("value, expected", [
    ("/documents/a.jpg", "https://sotttt.hanoi.gov.vn/documents/a.jpg"),
    ("  ../b.png\n", "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/b.png"),
    ("//cdn.example.vn/c.jpg", "https://cdn.example.vn/c.jpg"),
    ("HTTP://H.VN/d.pdf", "HTTP://H.VN/d.pdf"),
])
def test_web_url_resolves_against_the_page(value, expected):
    from crawler.urls import web_url

    assert web_url(value, PAGE) == expected
