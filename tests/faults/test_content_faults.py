"""Faults in what a page says (issue 8, points 5, 8, 9, 10): encodings, URL variants, broken
and hostile HTML. Each faulted article is compared with the same article extracted from its
clean page: whatever arrives, the archive stores the same clean article, once.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from archive.demo import generate_articles
from crawler.extract import extract_article
from crawler.profiles import load_profile
from tests.faults.server import Alias, FaultPortal, Rewrite

ARTICLES = generate_articles(8, seed=23)
PROFILE = load_profile("liferay-hanoi")
META = b'<meta content="text/html; charset=UTF-8" http-equiv="content-type" />'
BODY_START = b'<div class="journal-content-article">\n'


def reference(site: FaultPortal, article) -> dict:
    """The article as extracted from its clean page."""
    clean = extract_article(site.page(article.path).body.decode("utf-8"), site.base_url + article.path, PROFILE)
    return {"title": clean.title, "lead": clean.lead, "body": clean.body, "published_at": clean.published_at}


def stored(faults, site: FaultPortal, article) -> dict:
    row = faults.article(site.base_url + article.path) or {}
    return {k: row.get(k) for k in ("title", "lead", "body", "published_at")}


def cp1258(html: bytes) -> bytes:
    """windows-1258 as Vietnamese pages used it: base letters plus combining tone marks."""
    out = []
    for char in unicodedata.normalize("NFC", html.decode("utf-8")):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", decomposed[0] + "".join(m for m in decomposed[1:] if m not in "\u0300\u0301\u0303\u0309\u0323"))
            tones = "".join(m for m in decomposed[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
            out.append((base + tones).encode("cp1258", errors="xmlcharrefreplace"))
    return b"".join(out)


def in_body(extra: bytes):
    return lambda body: body.replace(BODY_START, BODY_START + extra, 1)


ENCODINGS = {  # article index -> (what, body transformation, Content-Type)
    0: ("windows-1258, declared in <meta>", lambda b: cp1258(b.replace(b"charset=UTF-8", b"charset=windows-1258")), "text/html"),
    1: ("windows-1258, declared nowhere", lambda b: cp1258(b.replace(META, b"")), "text/html"),
    2: ("UTF-8 labelled windows-1252 by the server", lambda b: b, "text/html; charset=windows-1252"),
    3: ("UTF-8 labelled iso-8859-1 by the server", lambda b: b, "text/html; charset=iso-8859-1"),
    4: ("NFD (decomposed) text", lambda b: unicodedata.normalize("NFD", b.decode("utf-8")).encode("utf-8"), None),
    5: ("a UTF-8 BOM, no charset anywhere", lambda b: b"\xef\xbb\xbf" + b.replace(META, b""), "text/html"),
    6: ("stray NUL bytes", lambda b: b.replace("Quận Hoàng Mai".encode(), "Quận\x00 Hoàng\x00 Mai".encode())
        .replace(b"<title>", b"<title>\x00").replace(b"</p>", b"\x00</p>"), None),
}


@pytest.mark.fault("5. wrong and legacy encodings, NFD, BOM, NUL bytes, invalid UTF-8")
def test_every_encoding_fault_stores_the_same_clean_article(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        for i, (_, body, content_type) in ENCODINGS.items():
            site.on(a[i].path, Rewrite(body, content_type))
        # invalid UTF-8 (a lone 0xFF byte) at the end of the body's first paragraph
        invalid = lambda b: b[:b.index(b"</p>", b.index(BODY_START))] + b"\xff" + b[b.index(b"</p>", b.index(BODY_START)):]  # noqa: E731
        site.on(a[7].path, Rewrite(invalid))
        assert b"\xff" in site.handle(a[7].path).body and b"\x00" in site.handle(a[6].path).body
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        for i, (what, _, _) in ENCODINGS.items():
            got = stored(faults, site, a[i])
            assert got == reference(site, a[i]), what
            assert "\ufffd" not in got["body"] and "\x00" not in got["body"], what
            assert unicodedata.is_normalized("NFC", got["body"]), what
        seventh = stored(faults, site, a[7])
        assert seventh["body"].count("\ufffd") == 1  # the one undecodable byte, visible, nothing else lost
        assert {**seventh, "body": seventh["body"].replace("\ufffd", "")} == reference(site, a[7])
    faults.expect(site, ARTICLES)


@pytest.mark.fault("8. one article under several URLs")
def test_an_article_under_many_urls_is_stored_once(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        with_link, without_link = a[0], a[1]
        shouting = re.sub(r"(\d+-)(.*)$", lambda m: m.group(1) + m.group(2).upper(), with_link.path)
        site.on(shouting, Alias(with_link.path))  # a server that ignores case (IIS, SharePoint)
        site.on(without_link.path, Rewrite(lambda b: re.sub(rb'<link href="[^"]*" rel="canonical" />', b"", b)))
        variants = [
            f"{with_link.path}?utm_source=zalo&utm_medium=social&fbclid=IwAR0x",
            f"{with_link.path}?p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view",
            f"{with_link.path}/", shouting, f"{with_link.path}#binh-luan",
            f"{without_link.path}?utm_campaign=tin-moi&zarsrc=30",
            f"{without_link.path}?p_p_id=101&p_p_lifecycle=0&p_p_col_id=column-1&p_p_col_count=2",
            f"{site.base_url}{without_link.path}#top",
        ]
        links = "".join(f'<h3 class="asset-title"><a href="{v}">biến thể</a></h3>' for v in variants).encode()
        for category in site.by_category:
            site.on(f"/vi/{category}", Rewrite(lambda b: b.replace(b'<h3 class="asset-title">', links + b'<h3 class="asset-title">', 1)))
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        assert len(site.hits_of(with_link.path)) >= 3 and len(site.hits_of(without_link.path)) >= 3  # fetched under each URL
        assert site.hits_of(shouting)
    faults.expect(site, ARTICLES)
    assert faults.rows("select count(*), count(distinct title) from articles") == [(8, 8)]
    assert {u for (u,) in faults.rows("select url from articles")} == set(faults.expected)
    assert faults.rows("select count(*) from article_versions") == [(8,)]


@pytest.mark.fault("9. malformed HTML: unclosed tags, nested forms, a huge inline base64 image")
def test_malformed_html_is_still_extracted(faults):
    a = ARTICLES
    image = b'<img src="data:image/jpeg;base64,' + b"/9j/" * (3 * 1024 * 1024 // 4) + b'" alt="">'

    def break_it(body: bytes) -> bytes:
        body = body.replace(BODY_START, BODY_START + b"<form action='/search'><form method='post'><input name='q'>", 1)
        start = body.index(BODY_START)
        head, rest = body[:start], body[start:]
        first = rest.index(b"</p>")
        rest = rest[:first] + image + rest[first:]
        return head + rest.replace(b"</p>", b"").replace(b"</span>", b"").replace(b"</li>", b"")

    with FaultPortal(ARTICLES) as site:
        site.on(a[2].path, Rewrite(break_it))
        assert len(site.handle(a[2].path).body) > 3_000_000
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        assert stored(faults, site, a[2]) == reference(site, a[2])
        row = faults.article(site.base_url + a[2].path)
        assert "base64" not in row["body_html"] and len(row["body_html"]) < 100_000
    faults.expect(site, ARTICLES)


HOSTILE = (b"<script>alert('s')</script><p onclick=\"alert('c')\">\xc4\x90o\xe1\xba\xa1n an to\xc3\xa0n "
           b"<img src=\"/image/x.png\" onerror=\"alert('i')\"> <a href=\"javascript:alert('j')\">li\xc3\xaan k\xe1\xba\xbft</a> "
           b"<a href=\" JaVaScRiPt:alert('J')\">hai</a> <a href=\"vbscript:msgbox('v')\">ba</a></p>"
           b"<iframe src=\"http://evil.example/\"></iframe><p style=\"width: expression(alert('e'))\">CSS</p>"
           b"<svg onload=\"alert('v')\"><circle/></svg><object data=\"x.swf\"></object><embed src=\"x.swf\">"
           b"<style>body{background:url(javascript:alert('u'))}</style><form action=\"http://evil.example/\"><input name=\"x\"></form>"
           b"<math><mtext><img src=x onerror=alert('m')></mtext></math><base href=\"http://evil.example/\">"
           b"<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/\">")


@pytest.mark.fault("10. hostile content: script, on*=, javascript:, iframe, CSS expressions")
def test_hostile_markup_is_stored_as_clean_text_and_sanitised_html(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[3].path, Rewrite(in_body(HOSTILE)))
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        clean = reference(site, a[3])
    faults.expect(site, ARTICLES)
    row = faults.article(site.base_url + a[3].path)
    # the hostile block's words stay text (a javascript: link's text is dropped as furniture,
    # like "In bài viết"), and the whole article follows it
    assert row["body"].startswith("Đoạn an toàn") and row["body"].endswith("CSS\n\n" + clean["body"])
    assert "alert(" not in row["body"]
    for html in (row["body_html"], faults.rows("select body_html from article_versions where article_id = ?", row["id"])[0][0]):
        lowered = html.lower()
        for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "vbscript:", "<iframe", "expression(", "<svg",
                    "<object", "<embed", "<style", "style=", "<form", "<input", "<math", "<base", "<meta", "alert("):
            assert bad not in lowered, bad
        assert "<p>Đoạn an toàn" in html


def nest(depth: int, tag: str = "div", close: bool = True):
    """The article's body after its first paragraph (and its author) wrapped ``depth`` levels deep."""
    def rewrite(body: bytes) -> bytes:
        start = body.index(BODY_START)
        first_end = body.index(b"</p>", start) + len(b"</p>")
        author = body.index(b'<p align="right" class="view-content-author">', first_end)
        opening, closing = f"<{tag}>".encode() * depth, (f"</{tag}>".encode() * depth if close else b"")
        return body[:first_end] + opening + body[first_end:author] + closing + body[author:]
    return rewrite


@pytest.mark.fault("15.6 deep nesting: 300 and 3,000 nested elements, 3,000 unclosed inline tags")
def test_deeply_nested_articles_are_extracted_whole(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[1].path, Rewrite(nest(300)))                      # past libxml2's default limit (256)
        site.on(a[2].path, Rewrite(nest(3000)))                     # past its huge_tree limit (2048)
        site.on(a[3].path, Rewrite(nest(3000, "font", close=False)))  # a hacked page's unclosed <font>s
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        for article in a[1:4]:
            row = faults.article(site.base_url + article.path)
            assert stored(faults, site, article) == reference(site, article), article.path
            assert row["author"] == article.author
    faults.expect(site, ARTICLES)
    stats = json.loads(faults.rows("select stats from crawls")[0][0])
    assert stats.get("portal_archive/warnings/nesting") == 2  # the two pages flattened are said and counted


def test_the_generic_extractor_also_gets_the_whole_deep_page_and_says_so():
    paragraphs = "".join(f"<p>Đoạn văn thứ {i} của bài viết về quận Hoàng Mai, đủ dài để là nội dung.</p>" for i in range(6))
    html = ("<html><head><title>Bài sâu</title></head><body><article><h1>Bài sâu</h1><p>Mở đầu bài viết, một đoạn đủ dài để đọc.</p>"
            + "<div><span>" * 2500 + paragraphs + "</span></div>" * 2500 + "<p>Kết thúc bài viết ở đây, sau tất cả.</p></article></body></html>")
    article = extract_article(html, "https://quan.example.vn/tin/bai-sau.html")
    assert "Đoạn văn thứ 5" in article.body and "Kết thúc bài viết" in article.body
    assert any(w.startswith("nesting:") for w in article.warnings)


HOSTILE_URLS = (
    b'<p><img src="javascript:alert(document.domain)" alt="a"></p>'
    b'<p><img src=" JaVaScRiPt:alert(1)" alt="b"></p>'
    b'<p><img src="java&#9;script:alert(2)" alt="c"></p>'
    b'<p><img src="&#x01;javascript:alert(3)" alt="d"></p>'
    b'<p><img src="" data-src="vbscript:msgbox(4)" alt="e"></p>'
    b'<p><img src="data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==" alt="f"></p>'
    b'<p><img src="/documents/anh-that.jpg" alt="g"></p>'
    b'<p>Van ban: <a href="javascript:alert(6)//van-ban.pdf">van-ban.pdf</a>, '
    b'<a href="jav&#x0A;ascript:alert(7)//.docx">to-trinh.docx</a>, <a href="file:///etc/passwd.pdf">mat.pdf</a>, '
    b'<a href="/documents/that.pdf">that.pdf</a>, <a href="  JAVASCRIPT:alert(8)">link</a></p>'
)
WEB = re.compile(r"^https?://[^/\s]+/", re.I)


@pytest.mark.fault("15.7 javascript:, vbscript:, data:, file: URLs in images, attachments, links and og:image")
def test_only_http_urls_are_stored_and_pages_are_served_with_a_csp(faults):
    import asyncio

    from archive.datasette import make_datasette

    a = ARTICLES
    og = b'<meta property="og:image" content="javascript:alert(9)" />'
    with FaultPortal(ARTICLES) as site:
        site.on(a[4].path, Rewrite(lambda b: in_body(HOSTILE_URLS)(b).replace(b"<head>", b"<head>" + og, 1)))
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
    faults.expect(site, ARTICLES)
    row = faults.article(site.base_url + a[4].path)
    images, attachments = json.loads(row["images"]), json.loads(row["attachments"])
    urls = [i["url"] for i in images] + [x["url"] for x in attachments] + [row["image_url"]]
    assert all(WEB.match(u) for u in urls), urls
    assert site.base_url + "/documents/anh-that.jpg" in urls and site.base_url + "/documents/that.pdf" in urls
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', row["body_html"])
    assert hrefs and all(WEB.match(h) for h in hrefs), hrefs
    # An archive made before this rule may hold such a URL: the page still shows no link to it.
    import sqlite3

    conn = sqlite3.connect(faults.db_file)
    conn.execute("update articles set images = ? where id = ?", [json.dumps([{"url": " JaVaScRiPt:alert(1)", "caption": "x"}]), row["id"]])
    conn.commit()
    conn.close()
    datasette = make_datasette(faults.db_file)

    async def pages():
        return [await datasette.client.get(path) for path in (f"/-/articles/{row['id']}", "/-/search?q=quan", "/-/search?q=%22")]

    for response in asyncio.run(pages()):
        csp = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "object-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "javascript:" not in response.text.lower()


CONTROLS = "\x01\x1b\x08\x7f\x85\ufffe\uffff"


@pytest.mark.fault("15.8 control characters in title, lead, author, body; the Atom feed")
def test_control_characters_are_stripped_and_every_feed_is_well_formed_xml(faults):
    import asyncio
    import sqlite3
    from xml.etree import ElementTree

    from archive.datasette import make_datasette

    a = ARTICLES
    poisoned = a[5]

    def poison(body: bytes) -> bytes:
        text = body.decode("utf-8")
        for field in (poisoned.title, poisoned.lead, poisoned.author):
            if field:
                text = text.replace(field, field[:5] + CONTROLS + field[5:])
        first = text.index("<p", text.index(BODY_START.decode()))
        text = text[:first] + f"<p>Đoạn có ký tự điều khiển{CONTROLS} ở giữa\tvà tab.</p>" + text[first:]
        return text.encode("utf-8")

    with FaultPortal(ARTICLES) as site:
        site.on(poisoned.path, Rewrite(poison))
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        clean = reference(site, poisoned)
    faults.expect(site, ARTICLES)
    row = faults.article(site.base_url + poisoned.path)
    for field in ("title", "lead", "author", "body", "body_html"):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", row[field] or ""), field
    assert (row["title"], row["lead"]) == (clean["title"], clean["lead"]) and row["author"] == poisoned.author
    assert row["body"].startswith("Đoạn có ký tự điều khiển ở giữa và tab.\n\n")
    # An archive written before (or by another tool) may still hold them: the feed stays XML.
    import shutil

    older = faults.tmp_path / "older.db"
    shutil.copyfile(faults.db_file, older)
    conn = sqlite3.connect(older)
    conn.execute("update articles set title = title || ?, author = ? where url != ?", [CONTROLS, "Tác\x02giả", row["url"]])
    conn.commit()
    conn.close()
    datasette = make_datasette(older)

    async def feeds():
        return [await datasette.client.get(path) for path in ("/-/search.atom", "/-/search.atom?q=quan", "/-/search.atom?portal=fault-portal")]

    for response in asyncio.run(feeds()):
        assert response.status_code == 200
        entries = ElementTree.fromstring(response.content).findall("{http://www.w3.org/2005/Atom}entry")
        assert entries


@pytest.mark.fault("15.9 a 5 MB title, a 60,000-character lead, a 2,000-character author")
def test_huge_fields_are_capped_and_counted(faults):
    import asyncio

    from archive.datasette import make_datasette

    a = ARTICLES
    big = a[6]
    huge_title = ("Tiêu đề khổng lồ " * 320_000)[: 5 * 1024 * 1024]

    def inflate(body: bytes) -> bytes:
        text = body.decode("utf-8")
        start = text.index("<body")
        for field, replacement in ((big.title, huge_title), (big.lead, "Sa pô rất dài. " * 4000), (big.author, "Tác giả " * 250)):
            at = text.index(field, start)
            text = text[:at] + replacement + text[at + len(field):]
        return text.encode("utf-8")

    with FaultPortal(ARTICLES) as site:
        site.on(big.path, Rewrite(inflate))
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
    faults.expected = {site.base_url + x.path: x.title for x in ARTICLES if x is not big}
    faults.expected[site.base_url + big.path] = None  # (its stored title is the capped one)
    row = faults.article(site.base_url + big.path)
    faults.expected[site.base_url + big.path] = row["title"]
    assert len(row["title"]) <= 1000 and row["title"].startswith("Tiêu đề khổng lồ") and row["title"].endswith("…")
    assert len(row["lead"]) <= 5000 and len(row["author"]) <= 200
    stats = json.loads(faults.rows("select stats from crawls")[0][0])
    assert [stats.get(f"portal_archive/warnings/{f}") for f in ("title", "lead", "author")] == [1, 1, 1]
    datasette = make_datasette(faults.db_file)

    async def search():
        return await datasette.client.get("/-/search?q=%22ti%C3%AAu+%C4%91%E1%BB%81+kh%E1%BB%95ng+l%E1%BB%93%22")

    page = asyncio.run(search())
    assert page.status_code == 200 and "Tiêu đề khổng lồ" in page.text and len(page.content) < 200_000
