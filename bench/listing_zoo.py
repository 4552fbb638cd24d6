"""Listing discovery on randomly generated portal layouts: how it holds up beyond the saved pages.

Each seed builds one category page the way Vietnamese portals vary them — Bootstrap columns or
a layout table, the sidebar first or last, records as ``li``/``div``/``tr``/``article`` with
or without a picture, a date, a summary, a "Xem tiếp" link; a featured first record, a list
split over two columns, a picture slider; sidebar boxes under furniture labels ("Xem nhiều
nhất", "Tin mới") or plain ones ("Thông báo", "Văn bản mới"), some with the very markup of
the main list and some linking one of its articles; a category menu of long labels; a menu
with drop-downs; pagination or none — and knows which links are the main list.

Run: ``python bench/listing_zoo.py [N]`` prints recall and precision over N pages per family
and the seeds it gets wrong; ``evaluate(family, seeds)`` is what the test calls.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract.discover import discover_links  # noqa: E402

URL = "https://h.vn/tin-tuc.html"
WORDS = ("huyện tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế xã hội năm công tác kiểm tra phòng chống dịch "
         "bệnh lễ phát động phong trào thi đua trao quyết định bổ nhiệm cán bộ tuyên truyền cải cách hành chính khánh "
         "thành cầu treo sơ kết tập huấn nghiệp vụ văn thư lưu trữ môi trường").split()


def _title(r: random.Random, low: int = 6, high: int = 14) -> str:
    return " ".join(r.choice(WORDS) for _ in range(r.randint(low, high))).capitalize()


def _date(r: random.Random) -> str:
    return f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/20{r.randint(15, 24)}"


def columns_page(seed: int) -> tuple[str, list[str]]:
    """Bootstrap columns: the main list (maybe with a featured record) and a column of boxes."""
    r = random.Random(seed)
    style = r.choice(["slug", "query", "id"])

    def href(i: int) -> str:
        return {"slug": f"/tin-tuc/bai-viet-{i}.html", "query": f"/Default.aspx?tabid=5&ItemID={i}", "id": f"/tin-tuc/{i}/chi-tiet"}[style]

    n = r.randint(4, 20)
    ids = r.sample(range(1000, 9999), n + 40)
    main_ids, rest = ids[:n], ids[n:]
    tag = r.choice(["li", "div", "tr", "article"])
    holder = {"li": "ul", "div": "div", "tr": "table", "article": "section"}[tag]
    has_date, has_summary, has_picture = r.random() < .7, r.random() < .5, r.random() < .5
    featured = ""
    body_ids = main_ids
    if r.random() < .3:
        body_ids = main_ids[1:]
        featured = (f"<div class='hot'><a href='{href(main_ids[0])}'><img src='/a.jpg'></a><h2><a href='{href(main_ids[0])}'>{_title(r)}</a></h2>"
                    f"<p>{_title(r)} {_title(r)}</p></div>")
    records = []
    for k, i in enumerate(body_ids):
        inner = f"<a class='thumb' href='{href(i)}'><img src='/t{i}.jpg' alt=''></a>" if has_picture else ""
        inner += f"<h3 class='title'><a href='{href(i)}'>{_title(r)}</a></h3>"
        inner += f"<span class='date'>{_date(r)}</span>" if has_date else ""
        inner += f"<p class='sapo'>{_title(r)} {_title(r)}.</p>" if has_summary else ""
        inner = f"<td>{inner}</td>" if tag == "tr" else inner
        records.append(f"<{tag} class='{r.choice(['item', 'item odd' if k % 2 else 'item even'])}'>{inner}</{tag}>")
    pager = "<div class='pager'><a href='?page=2'>2</a><a href='?page=3'>3</a><a href='?page=2'>»</a></div>" if r.random() < .6 else ""
    boxes = []
    same_markup = r.random() < .4
    for _ in range(r.randint(0, 3)):
        label = r.choice(["Xem nhiều nhất", "Tin mới", "Tin liên quan", "Đọc nhiều", "Thông báo", "Tin nổi bật", "Sự kiện"])
        box_ids = [rest.pop() for _ in range(r.randint(3, 8))] + ([main_ids[-1]] if r.random() < .5 else [])
        if same_markup:
            items = "".join(f"<{tag} class='item'><h3 class='title'><a href='{href(i)}'>{_title(r)}</a></h3>"
                            f"{'<span class=date>' + _date(r) + '</span>' if r.random() < .5 else ''}</{tag}>" for i in box_ids)
            boxes.append(f"<div class='box'><div class='box-title'>{label}</div><{holder} class='list'>{items}</{holder}></div>")
        else:
            items = "".join(f"<li><a href='{href(i)}'>{_title(r)}</a></li>" for i in box_ids)
            boxes.append(f"<div class='box'><h3>{label}</h3><ul>{items}</ul></div>")
    menu = "<ul class='menu'><li><a href='/'>Trang chủ</a></li>" + "".join(
        f"<li><a href='/{c}.html'>{c.replace('-', ' ').title()}</a><ul><li><a href='/{c}/con.html'>Mục con của {c}</a></li></ul></li>"
        for c in ("gioi-thieu", "tin-tuc", "van-ban", "thu-tuc-hanh-chinh")) + "</ul>"
    heading = "<h1>Tin tức</h1>" if r.random() < .5 else "<div class='cat-title'>Tin tức</div>"
    main = f"<div class='col-md-8 main'>{heading}{featured}<{holder} class='list'>{''.join(records)}</{holder}>{pager}</div>"
    side = f"<div class='col-md-4 side'>{''.join(boxes)}</div>"
    body = side + main if r.random() < .3 else main + side
    html = (f"<html><head><title>Tin tức - Cổng TTĐT</title></head><body><div class='header'>{menu}</div>"
            f"<div class='container'><div class='row'>{body}</div></div><div class='footer'><a href='/lien-he.html'>Liên hệ</a></div></body></html>")
    return html, [href(i) for i in main_ids]


def table_page(seed: int) -> tuple[str, list[str]]:
    """A three-cell layout table: a category menu and a box left, the list in the centre, boxes right."""
    r = random.Random(seed)
    categories = ("tin-tuc", "thong-bao", "su-kien")

    def href(i: int) -> str:
        return f"/{categories[i % 3]}/bai-viet-{i}.html"

    n = r.randint(5, 20)
    ids = r.sample(range(1000, 9999), n + 60)
    main_ids, rest = ids[:n], ids[n:]
    plain = r.random() < .4
    items = []
    for i in main_ids:
        more = "" if plain else (f"<span>{_date(r)}</span><p>{_title(r)} {_title(r)}</p>" + (f"<a href='{href(i)}'>Xem tiếp</a>" if r.random() < .5 else ""))
        items.append(f"<li><a href='{href(i)}'>{_title(r)}</a>{more}</li>")
    if r.random() < .25:
        half = len(items) // 2
        main = f"<div class=news><ul class=col1>{''.join(items[:half])}</ul><ul class=col2>{''.join(items[half:])}</ul></div>"
    else:
        main = f"<div class=news><ul>{''.join(items)}</ul></div>"
    category_menu = ""
    if r.random() < .5:
        category_menu = "<div class=vmenu><ul>" + "".join(f"<li><a href='/chuyen-muc/{c}.html'>{_title(r, 3, 7)}</a></li>" for c in range(r.randint(5, 15))) + "</ul></div>"
    boxes = []
    for _ in range(r.randint(1, 3)):
        label = r.choice(["Xem nhiều nhất", "Tin mới", "Thông báo", "Văn bản mới", "Tin nổi bật", "Lịch công tác"])
        entries = "".join(f"<li><a href='{href(rest.pop())}'>{_title(r)}</a>{' <i>(' + _date(r) + ')</i>' if r.random() < .6 else ''}</li>"
                          for _ in range(r.randint(4, 10)))
        boxes.append(f"<div class=box><div class=hd><span>{label}</span></div><div class=bd><ul>{entries}</ul></div></div>")
    pager = "<div class=paging><a href='/tin-tuc.html?p=2'>2</a><a href='/tin-tuc.html?p=3'>3</a><a href='/tin-tuc.html?p=2'>Tiếp</a></div>" if r.random() < .5 else ""
    top = "<div class=top><ul class=menu><li><a href='/'>Trang chủ</a></li><li><a href='/tin-tuc.html'>Tin tức</a></li><li><a href='/gioi-thieu.html'>Giới thiệu</a></li></ul></div>"
    html = (f"<html><head><title>Tin tức</title></head><body>{top}<table><tr><td><div class=left>{category_menu}{''.join(boxes[:1])}</div></td>"
            f"<td><div class=center><div class=title-cat>Tin tức</div>{main}{pager}</div></td><td><div class=right>{''.join(boxes[1:])}</div></td>"
            f"</tr></table></body></html>")
    return html, [href(i) for i in main_ids]


FAMILIES = {"columns": columns_page, "table": table_page}


def evaluate(family: str, seeds: range) -> dict:
    """Micro recall and precision of the main-list links over the seeds, and the seeds not exact."""
    gold_total = found_total = hits_total = 0
    wrong = []
    for seed in seeds:
        html, gold = FAMILIES[family](seed)
        found = discover_links(html, URL).articles
        expected = {"https://h.vn" + path for path in gold}
        hits = len(expected & set(found))
        gold_total, found_total, hits_total = gold_total + len(expected), found_total + len(found), hits_total + hits
        if hits != len(expected) or hits != len(found):
            wrong.append(seed)
    return {"recall": hits_total / gold_total, "precision": hits_total / found_total if found_total else 1.0, "wrong": wrong}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    for family in FAMILIES:
        result = evaluate(family, range(count))
        print(f"{family:8} {count} pages: recall {result['recall']:.1%}, precision {result['precision']:.1%}, "
              f"{len(result['wrong'])} not exact {result['wrong'][:12]}")


if __name__ == "__main__":
    main()
