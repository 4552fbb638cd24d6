"""One decoding for the crawler and the archived-original view (``crawler.contracts.charset``).

The researcher opens "the archived original" next to the article the crawler extracted from
it. The view used to decode snapshots its own way (the declared charset, else UTF-8), so a
windows-1258 page that declared nothing, or a UTF-8 page labelled latin-1, showed mojibake and
U+FFFD beside an article that read fine. For the same saved bytes, the view must show the words
the crawler extracted.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from archive import store
from archive.datasette import make_datasette
from crawler.extract import extract_page
from crawler.profiles import load_profile
from tests.test_extract_encodings import BODY, TITLE, URL, cp1258, page

UTF8_META = '<meta charset="utf-8">'

# what the page is -> (its bytes, the Content-Type header(s) the server sent)
PAGES = {
    "windows-1258, declared nowhere": (cp1258(page(TITLE, BODY).replace(UTF8_META, "")), ["text/html"]),
    "windows-1258, declared in <meta>": (cp1258(page(TITLE, BODY, charset="windows-1258")), ["text/html"]),
    "windows-1258, declared by the server": (cp1258(page(TITLE, BODY).replace(UTF8_META, "")), ["text/html; charset=windows-1258"]),
    "windows-1258, in the second of two Content-Types": (cp1258(page(TITLE, BODY).replace(UTF8_META, "")),
                                                         ["text/html; charset=utf-8", "text/html; charset=windows-1258"]),
    "UTF-8 labelled iso-8859-1 by the server": (page(TITLE, BODY).encode("utf-8"), ["text/html; charset=iso-8859-1"]),
    "UTF-8 with a wrong <meta> (iso-8859-1)": (page(TITLE, BODY, charset="iso-8859-1").encode("utf-8"), ["text/html"]),
    "UTF-8 labelled windows-1252 in <meta>": (page(TITLE, BODY, charset="windows-1252").encode("utf-8"), []),
    "UTF-8 with a wrong <meta> (windows-1258)": (page(TITLE, BODY, charset="windows-1258").encode("utf-8"), ["text/html"]),
    "UTF-8 labelled koi8-r by the server": (page(TITLE, BODY).encode("utf-8"), ["text/html; charset=koi8-r"]),
    "UTF-8 with a wrong <meta> (shift_jis)": (page(TITLE, BODY, charset="shift_jis").encode("utf-8"), []),
    "UTF-8 with a BOM, declared nowhere": (b"\xef\xbb\xbf" + page(TITLE, BODY).replace(UTF8_META, "").encode("utf-8"), ["text/html"]),
    "UTF-8 declaring charset=idna": (page(TITLE, BODY).encode("utf-8"), ["text/html; charset=idna"]),
    "UTF-8 with <meta charset=punycode>": (page(TITLE, BODY, charset="punycode").encode("utf-8"), ["text/html"]),
}


def words(html: str) -> str:
    """What a reader sees, compared as text: tags out, NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("what", PAGES)
async def test_the_original_view_shows_the_words_the_crawler_extracted(what, db, db_path):
    body, content_types = PAGES[what]
    headers = {"Content-Type": content_types} if content_types else {}
    crawled = extract_page(body, URL, headers, load_profile("vccorp"))  # what the spider stores
    assert (crawled.article.title, crawled.article.body) == (TITLE, BODY), what
    snapshot_id = store.store_snapshot(db, url=URL, body=body, status=200, headers=headers, portal_id="test-portal")
    store.upsert_article(db, crawled.fields(), portal_id="test-portal", snapshot_id=snapshot_id)

    response = await make_datasette(db_path).client.get("/-/articles/1/original")
    assert response.status_code == 200
    shown = words(response.text)
    assert "\ufffd" not in shown, what
    assert TITLE in shown and BODY in shown, what


@pytest.mark.parametrize("text, charset", [
    (f"{TITLE}. {BODY}", "windows-1258"),
    ("Съезд районного совета открылся в понедельник.", "koi8-r"),
    ("区人民委員会は月曜日に会議を開いた。", "shift_jis"),
    ("Ủy ban nhân dân quận.", "utf-16"),
])
def test_a_page_really_in_its_declared_charset_is_read_in_it(text, charset):
    """The mislabelling rule only takes pages whose bytes are UTF-8: real legacy pages keep their charset."""
    from crawler.contracts.charset import decode_html

    html = f'<html><head><meta charset="{charset}"></head><body><p>{text}</p></body></html>'
    body = cp1258(html) if charset == "windows-1258" else html.encode(charset)
    assert text in unicodedata.normalize("NFC", decode_html(body, f"text/html; charset={charset}"))
