"""The generic body keeps prose that is not in paragraphs (trafilatura reads paragraphs).

Modelled on Word-pasted Liferay pages: a floated picture, then the first paragraph's text in a
bare span closed by a stray ``</p>``, then MsoNormal paragraphs.
"""

from crawler.extract import extract_article
from crawler.profiles import load_profile
from tests.conftest import requires_shared

PAGE = """<html><head><title>Hội thảo về hạ ngầm cáp viễn thông - Cổng thông tin</title></head><body>
<ul class="menu"><li><a href="/">Trang chủ</a></li><li><a href="/tin-tuc">Tin tức</a></li></ul>
<div class="article">
 <h1>Hội thảo về hạ ngầm cáp viễn thông trên các tuyến phố</h1>
 <div class="date">29/07/2011 10:20</div>
 <div class="content">
  <img src="/anh/ha-ngam.jpg" style="float: left"><span style="font-family: arial">Hiện nay công tác hạ ngầm cáp viễn thông
  đang được triển khai trên mười sáu tuyến phố của thành phố, với sự tham gia của nhiều doanh nghiệp.</span></p>
  <p class="MsoNormal" style="margin-top: 6pt"><span style="font-size: small">Tại hội thảo, các đại biểu đã thảo luận về những khó khăn trong quá trình triển khai các dự án hạ ngầm,
  đặc biệt là việc phối hợp giữa các đơn vị quản lý hạ tầng và các doanh nghiệp viễn thông trên địa bàn.</span></p>
  <p class="MsoNormal" style="margin-top: 6pt"><span style="font-size: small">Các đơn vị thống nhất sẽ đẩy nhanh tiến độ để hoàn thành chỉnh trang các tuyến phố trong năm nay,
  bảo đảm mỹ quan đô thị và an toàn cho người dân khi lưu thông trên các tuyến đường này.</span></p>
 </div>
</div>
<div class="footer"><p>Bản quyền thuộc Sở Thông tin và Truyền thông</p></div>
</body></html>"""


def test_text_beside_a_picture_outside_any_paragraph_is_body_text_and_comes_first():
    article = extract_article(PAGE, "https://so.example.vn/tin-tuc/hoi-thao-ha-ngam.html", load_profile("generic"))
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("Hiện nay công tác hạ ngầm cáp viễn thông đang được triển khai")
    assert sum("Hiện nay công tác hạ ngầm" in p for p in paragraphs) == 1  # not twice
    assert paragraphs[-1].startswith("Các đơn vị thống nhất")
    assert "Bản quyền" not in article.body


@requires_shared()
def test_every_hanoi_gold_paragraph_survives_on_the_generic_path(gold):
    """On the real Word-pasted pages trafilatura's precision mode drops text beside a floated picture."""
    from crawler.fetch import decode_html
    from tests.conftest import SOTTTT

    generic = load_profile("generic")
    found = total = leaked = 0
    for record in gold:
        html = decode_html((SOTTTT / "pages" / record["path"]).read_bytes(), "text/html")
        body = " ".join((extract_article(html, record["url"], generic).body or "").split())
        total += len(record["body_with"])
        found += sum(" ".join(s.split()) in body for s in record["body_with"])
        leaked += sum(" ".join(s.split()) in body for s in record["body_without"])
    assert (total, leaked) == (120, 0)
    assert found >= 119  # 112 with trafilatura's precision mode alone
