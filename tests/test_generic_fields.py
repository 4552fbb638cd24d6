"""Fields without selectors: the generic path on layouts of CMS families nobody profiled.

Each fixture in ``tests/fixtures/generic/articles`` is a page modelled on one CMS family's
markup (WordPress, Joomla, DotNetNuke, home-grown ASP.NET, Viettel), with its expected fields
in the JSON beside it; ``body_with`` snippets must be in the body and ``body_without`` (bylines
read as fields, source lines, clocks, side lists, footers) must not. The real VNPT pages of
``../shared`` are checked against their hand-made gold when present.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.byline import classify, is_person_name
from crawler.extract.title import strip_site_name
from tests.conftest import SHARED

FIXTURES = Path(__file__).parent / "fixtures" / "generic" / "articles"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.html"))
FIELDS = ("title", "published_at", "updated_at", "lead", "author", "source")
VNPT = SHARED / "portals" / "sgdhagiang-vnpt"


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


@pytest.mark.parametrize("name", NAMES)
def test_fields_of_an_unprofiled_layout(name):
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    article = extract_article((FIXTURES / f"{name}.html").read_text(encoding="utf-8"), expected["url"]).to_dict()
    assert {k: article[k] for k in FIELDS} == {k: expected[k] for k in FIELDS}
    body = norm(article["body"])
    assert [s for s in expected["body_with"] if norm(s) not in body] == []
    assert [s for s in expected["body_without"] if norm(s) in body] == []
    assert article["extractor"] == "fallback:trafilatura"


def _vnpt_gold() -> list[dict]:
    path = VNPT / "gold.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.is_file() else []


@pytest.mark.skipif(not (VNPT / "gold.jsonl").is_file(), reason=f"needs the real VNPT pages in {VNPT} (../shared beside the repository)")
@pytest.mark.parametrize("gold", _vnpt_gold() or [None], ids=lambda g: g["path"].split("/")[4] if g else "absent")
def test_real_vnpt_pages_title_date_author(gold):
    html = (VNPT / "pages" / gold["path"]).read_text(encoding="utf-8")
    article = extract_article(html, gold["url"]).to_dict()
    assert (article["title"], article["published_at"], article["author"]) == (gold["title"], gold["published_at"], gold["author"])
    body = norm(article["body"])
    assert [s for s in gold["body_without"] if norm(s) in body] == []
    if gold["author"]:
        assert norm(gold["author"]) not in body  # the byline read as the author leaves the body


BYLINES = [
    # line, kind, value
    ("Phạm Văn Phải – Sở GD&ĐT", "author", "Phạm Văn Phải – Sở GD&ĐT"),
    ("Nguyễn Ngọc Sơn - Phó CVP Sở", "author", "Nguyễn Ngọc Sơn - Phó CVP Sở"),
    ("Nguyễn Thị Mai, Hoàng Văn Dũng", "author", "Nguyễn Thị Mai, Hoàng Văn Dũng"),
    ("NGUYỄN VĂN AN", "author", "NGUYỄN VĂN AN"),
    ("Tác giả: Minh Anh", "author", "Minh Anh"),
    ("Tin, ảnh: Lê Văn Nam", "author", "Lê Văn Nam"),
    ("Bài và ảnh: Thu Hà", "author", "Thu Hà"),
    ("Tin: Hồng Nhung", "author", "Hồng Nhung"),
    ("PV", "author", "PV"),
    ("Nhóm PV", "author", "Nhóm PV"),
    ("Theo Báo Hà Giang", "source", "Báo Hà Giang"),
    ("(Theo baochinhphu.vn)", "source", "baochinhphu.vn"),
    ("Nguồn: Cổng TTĐT Chính phủ", "source", "Cổng TTĐT Chính phủ"),
    ("Nguồn tin: TTXVN", "source", "TTXVN"),
    # Ordinary last lines: never an author or a source.
    ("Xin trân trọng cảm ơn!", None, None),
    ("Theo kế hoạch, hội nghị kết thúc vào chiều cùng ngày.", None, None),
    ("Ban Biên tập", None, None),
    ("Hội nghị kết thúc thành công tốt đẹp.", None, None),
    ("Hà Giang, ngày 24 tháng 5 năm 2021", None, None),
    ("Đồng chí Nguyễn Văn Sơn phát biểu tại hội nghị", None, None),
    ("UBND Huyện Bắc Mê", None, None),
    ("Nguyễn Văn An (Trung tâm Văn hóa huyện)", "author", "Nguyễn Văn An (Trung tâm Văn hóa huyện)"),
    ("Trần Thị Bình - phóng viên", "author", "Trần Thị Bình - phóng viên"),
    ("Thu Hà", None, None),  # a pen name alone on a plain line: not enough
    ("Nguyễn Văn An, Trần Thị Bình, Lê Văn Cường", None, None),  # a list of people, not a byline
]


@pytest.mark.parametrize("markup,author", [
    ('<p style="text-align: right;">Thu Hà</p>', "Thu Hà"),
    ("<p><strong><em>Minh Anh - TTVH</em></strong></p>", "Minh Anh - TTVH"),
    ("<p>Buổi lễ kết thúc trong không khí vui tươi, phấn khởi của đồng bào các dân tộc. (Hồng Nhung)</p>", "Hồng Nhung"),
    ('<p style="text-align: center;"><b>Ban Tổ Chức</b></p>', None),
    ("<p>Thu Hà</p>", None),
    ("<table><tr><td>Người ký</td><td>Nguyễn Văn An</td></tr></table>", None),  # a signature table
])
def test_a_pen_name_set_apart_is_a_byline(markup, author):
    article = extract_article(_page("<div>Ngày đăng: 24/05/2021</div>", after_body=markup),
                              "http://127.0.0.1/tin/hoi-nghi-tong-ket-cong-tac-nam-2021.html")
    assert article.author == author
    if author:
        assert author not in article.body


@pytest.mark.parametrize("line,kind,value", BYLINES)
def test_byline_and_source_lines(line, kind, value):
    assert classify(line) == (kind, value)


def test_a_caption_under_an_image_is_not_a_byline():
    html = """<html><head><title>Hội nghị tổng kết công tác năm 2021</title></head><body>
    <h1>Hội nghị tổng kết công tác năm 2021</h1><div class="content">
    <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm 2021 và triển khai nhiệm vụ năm 2022 với sự tham dự của các đại biểu.</p>
    <p>Các đại biểu đã thảo luận, đóng góp nhiều ý kiến vào dự thảo báo cáo và thống nhất các chỉ tiêu năm tới.</p>
    <p><img src="/a.jpg"></p><p>Nguyễn Văn Sơn - Bí thư Huyện ủy</p></div></body></html>"""
    article = extract_article(html, "http://127.0.0.1/tin/hoi-nghi-tong-ket-cong-tac-nam-2021.html")
    assert article.author is None and "Nguyễn Văn Sơn - Bí thư Huyện ủy" in article.body


@pytest.mark.parametrize("name,expected", [("Nguyễn Văn An", True), ("Sùng Mí Páo", True), ("Lê An", True), ("Minh Anh", False),
                                           ("Hà Giang Quê Tôi Đẹp Lắm Nhé", False), ("nguyễn văn an", False)])
def test_personal_names(name, expected):
    assert is_person_name(name) is expected


@pytest.mark.parametrize("title,core", [
    ("Tổng kết năm học 2020 – 2021 - Trang thông tin điện tử Huyện Mèo Vạc", "Tổng kết năm học 2020 – 2021"),
    ("Cổng thông tin điện tử huyện Mèo Vạc - Hội thi năm học 2020 – 2021", "Hội thi năm học 2020 – 2021"),
    ("Tổng kết Hội thi năm học 2020 – 2021", "Tổng kết Hội thi năm học 2020 – 2021"),
    ("Phát triển kinh tế - xã hội 6 tháng đầu năm", "Phát triển kinh tế - xã hội 6 tháng đầu năm"),
    ("Hội nghị tư vấn tuyển sinh năm 2017 - Sở Giáo dục và Đào tạo Hà Giang", "Hội nghị tư vấn tuyển sinh năm 2017"),
    ("UBND huyện Bắc Mê | Khai mạc kỳ thi tốt nghiệp THPT", "Khai mạc kỳ thi tốt nghiệp THPT"),
    ("UBND huyện tổ chức hội nghị - Kết quả bầu cử", "UBND huyện tổ chức hội nghị - Kết quả bầu cử"),
])
def test_only_the_site_name_leaves_the_title(title, core):
    assert strip_site_name(title)[0] == core


def test_a_page_whose_title_tag_is_only_the_site_name_gets_the_headline_above_its_text():
    html = """<html><head><title>Trang thông tin điện tử Huyện Bắc Mê</title></head><body>
    <div class="banner"><h1>Trang thông tin điện tử Huyện Bắc Mê</h1></div>
    <div class="left"><h3>Tin tức sự kiện</h3><ul><li><a href="/a">Huyện tổ chức ngày hội đại đoàn kết</a></li></ul></div>
    <div class="main"><div class="tieudetin">Hội nghị tổng kết công tác năm 2021 của huyện</div><div class="noidung">
    <p>Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm 2021 và triển khai nhiệm vụ năm 2022 với sự tham dự của
    các đại biểu đến từ các xã, thị trấn trên địa bàn huyện.</p></div></div><h3>Tin khác</h3></body></html>"""
    article = extract_article(html, "http://127.0.0.1/ChiTiet.aspx?ID=5")
    assert article.title == "Hội nghị tổng kết công tác năm 2021 của huyện"


PROSE = ("Các đại biểu đã thảo luận, đóng góp nhiều ý kiến vào dự thảo báo cáo, thống nhất các chỉ tiêu chủ yếu của năm tới "
         "và đề ra các giải pháp trọng tâm để thực hiện thắng lợi nhiệm vụ chính trị của địa phương.")


def _page(between: str, header: str = "", after: str = "", after_body: str = "") -> str:
    return f"""<html><head><title>Hội nghị tổng kết công tác năm 2021 - Trang thông tin điện tử Huyện A</title></head><body>
    <div class="header">{header}<h1>Trang thông tin điện tử Huyện A</h1></div>
    <div class="main"><h2 class="title">Hội nghị tổng kết công tác năm 2021</h2>{between}<div class="content"><p>{PROSE}</p>{after_body}</div>{after}</div>
    <div class="sidebar"><ul><li><a href="/b">Huyện A tổ chức ngày hội đại đoàn kết toàn dân tộc</a> (18/11/2021)</li></ul></div></body></html>"""


@pytest.mark.parametrize("between,header,after,published", [
    # A short first line that mentions a date is a sentence, not the date line below it.
    ("<p>Sáng 20/5/2021, huyện A tổ chức hội nghị tổng kết công tác năm học với nhiều đại biểu tham dự.</p><div>Ngày đăng: 24/05/2021</div>", "", "",
     "2021-05-24T00:00:00+07:00"),
    # Only a header clock and a sidebar list carry dates: the article has none.
    ("", "<div class='ngay'>Hôm nay, Thứ Sáu 04/12/2026</div><div class='ngay'>Thứ Sáu, 04/12/2026</div>", "", None),
    # A short notice whose one sentence mentions a date shows no publication date.
    ("<div>Lãnh đạo UBND huyện tiếp công dân vào ngày 24/05/2021 tại trụ sở Ủy ban.</div>", "", "", None),
    # A date line at the end of the article, after its text.
    ("", "", "<div>Cập nhật lúc 14 giờ 30, ngày 24/05/2021</div>", "2021-05-24T14:30:00+07:00"),
])
def test_the_date_is_the_articles_own(between, header, after, published):
    article = extract_article(_page(between, header, after), "http://127.0.0.1/tin/hoi-nghi-tong-ket-cong-tac-nam-2021.html")
    assert (article.title, article.published_at) == ("Hội nghị tổng kết công tác năm 2021", published)


@pytest.mark.parametrize("line,author", [
    ("Tác giả: Nguyễn Văn A | Ngày đăng: 24/05/2021", "Nguyễn Văn A"),
    ("Ngày đăng 24/05/2021 - Tác giả: Trần Thị B", "Trần Thị B"),
    ("Viết bởi Lê Văn C, 24/05/2021", "Lê Văn C"),
    ("Ngày đăng: 24/05/2021 | Lượt xem: 120", None),
])
def test_an_author_named_in_the_date_line(line, author):
    from crawler.extract.byline import author_in_line

    assert author_in_line(line) == author
    article = extract_article(_page(f"<div>{line}</div>"), "http://127.0.0.1/tin/hoi-nghi-tong-ket-cong-tac-nam-2021.html")
    assert (article.published_at, article.author) == ("2021-05-24T00:00:00+07:00", author)



def test_a_header_box_with_title_date_and_sapo_is_not_the_body():
    html = f"""<html><head><title>Hội nghị tổng kết công tác năm 2021 | Cổng TTĐT huyện A</title></head><body><div class="page">
    <div class="news-head"><h1>Hội nghị tổng kết công tác năm 2021</h1><div class="date">24/05/2021 08:00</div>
    <div class="sapo">Sáng nay, huyện A tổ chức hội nghị tổng kết công tác năm 2021 và triển khai nhiệm vụ năm 2022.</div>
    <div>Lượt xem: 12</div></div>
    <div class="news-body"><p>{PROSE}</p><p>Hội nghị cũng đã khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong năm.</p></div></div>
    <div class="footer">Bản quyền thuộc UBND huyện A, địa chỉ số 1 đường B, thị trấn C, huyện A, tỉnh D.</div></body></html>"""
    article = extract_article(html, "http://127.0.0.1/tin/hoi-nghi-tong-ket-cong-tac-nam-2021.html")
    assert article.lead == "Sáng nay, huyện A tổ chức hội nghị tổng kết công tác năm 2021 và triển khai nhiệm vụ năm 2022."
    assert article.published_at == "2021-05-24T08:00:00+07:00"
    assert PROSE in article.body and "khen thưởng các tập thể" in article.body and "Lượt xem" not in article.body


def test_a_headline_at_the_end_of_the_title_tag():
    html = f"""<html><head><title>UBND huyện Bắc Mê - Tin tức - Hội nghị tổng kết công tác năm 2021</title></head><body>
    <div class="top"><h3>Tin tức</h3></div><div class="x"><h2>Tin nổi bật trong tuần</h2><ul><li><a href="/a">Một tin khác</a></li></ul></div>
    <div class="detail"><div class="name">Hội nghị tổng kết công tác năm 2021</div><div class="d">24/05/2021</div><p>{PROSE}</p>
    <h4>Phụ lục kèm theo văn bản</h4><p>{PROSE}</p></div></body></html>"""
    article = extract_article(html, "http://127.0.0.1/ChiTiet.aspx?ID=5")
    assert (article.title, article.published_at) == ("Hội nghị tổng kết công tác năm 2021", "2021-05-24T00:00:00+07:00")
