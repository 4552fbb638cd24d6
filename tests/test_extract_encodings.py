"""Encodings portals serve (point 5 of issue 4): whatever arrives, the archive stores clean NFC text."""

from __future__ import annotations

import unicodedata


from crawler.extract import extract_article
from crawler.fetch import decode_html
from crawler.profiles import load_profile

TITLE = "Quận Hoàng Mai ra quân tổng vệ sinh môi trường, phòng chống dịch bệnh"
BODY = "Đồng chí Nguyễn Thị Thủy, Phó Chủ tịch UBND quận, phát biểu tại buổi lễ ở phường Hoàng Văn Thụ."
URL = "https://caugiay.hanoi.gov.vn/tin-tuc/ra-quan-ve-sinh-2805240828152801967.htm"


def page(title: str, body: str, charset: str = "utf-8") -> str:
    return (f'<html><head><meta charset="{charset}"><title>{title}</title></head><body>'
            f'<h1 class="detail-title">{title}</h1><span class="news-time">28/08/2024 15:28</span>'
            f'<div class="detail-content afcbc-body"><p>{body}</p></div></body></html>')


def cp1258(text: str) -> bytes:
    """Encode as windows-1258 does: base letters (â, ơ, ư, …) plus a combining tone mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tone = "".join(m for m in decomposed[1:] if m in tones)
            base = unicodedata.normalize("NFC", decomposed[0] + "".join(m for m in decomposed[1:] if m not in tones))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


def extracted(html: str):
    return extract_article(html, URL, load_profile("vccorp"))


def assert_clean(article) -> None:
    assert (article.title, article.body) == (TITLE, BODY)
    assert unicodedata.is_normalized("NFC", article.title) and unicodedata.is_normalized("NFC", article.body)


def test_windows_1258_declared_in_the_page():
    raw = cp1258(page(TITLE, BODY, charset="windows-1258"))
    assert raw != page(TITLE, BODY).encode("utf-8")  # really another encoding, with combining marks
    assert_clean(extracted(decode_html(raw)))


def test_windows_1258_declared_by_the_server():
    raw = cp1258(page(TITLE, BODY).replace('<meta charset="utf-8">', ""))
    assert_clean(extracted(decode_html(raw, "text/html; charset=windows-1258")))


def test_utf8_read_as_latin1_is_repaired():
    html = page(TITLE, BODY).encode("utf-8").decode("latin-1")
    assert "Quáº\xadn" in html
    assert_clean(extracted(html))


def test_utf8_read_as_windows_1252_is_repaired():
    title = "Quận Hoàng Mai ra quân tổng vệ sinh"  # no byte that windows-1252 leaves undefined
    html = page(title, BODY).encode("utf-8").decode("cp1252", errors="replace")
    assert "Quáº­n" in html
    assert extracted(html).title == title


def test_decomposed_unicode_is_stored_composed():
    article = extracted(unicodedata.normalize("NFD", page(TITLE, BODY)))
    assert_clean(article)


def test_html_entities_are_decoded():
    entity_body = BODY.replace("Đ", "&#272;").replace("ồ", "&#x1ED3;").replace("ó", "&oacute;")
    assert_clean(extracted(page(TITLE, entity_body)))


def test_vietnamese_text_that_merely_contains_a_capital_a_tilde_is_untouched():
    title = "NGÃ BA ĐÌNH CÔNG: Á HẬU VỀ THĂM QUẬN"
    article = extracted(page(title, BODY))
    assert article.title == title
