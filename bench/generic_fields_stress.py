"""Time the generic path's field readers on hostile pages (many dates, headings, names).

The date line, headline and byline readers look at every date, heading and last line of a
page; a reader that measured each candidate's ancestors anew was quadratic (a page with 5000
dated list items took 374 s). Each case here should stay well under a second per 5000 items.

    python bench/generic_fields_stress.py [--items 5000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import extract_article  # noqa: E402

PROSE = "Các đại biểu đã thảo luận, đóng góp nhiều ý kiến vào dự thảo báo cáo, thống nhất các chỉ tiêu của năm tới. " * 3


def pages(n: int) -> dict[str, str]:
    head = "<html><head><title>Hội nghị tổng kết năm 2021</title></head><body>"
    article = f"<div><h1>Hội nghị tổng kết năm 2021</h1><div>Ngày đăng: 24/05/2021</div><p>{PROSE}</p></div>"
    dated_list = "".join(f'<li><a href="/t/{i}">Tin số {i} về hoạt động của huyện</a> ({i % 28 + 1:02d}/05/2021)</li>' for i in range(n))
    headings = "".join(f"<h3>Mục {i} của văn bản hướng dẫn</h3><p>{PROSE}</p>" for i in range(n // 5))
    names = "<table>" + "".join(f"<tr><td>{i}</td><td>Nguyễn Văn An</td><td>{i % 28 + 1:02d}/05/2021</td></tr>" for i in range(n)) + "</table>"
    return {
        f"{n} dated list items": f"{head}{article}<ul>{dated_list}</ul></body></html>",
        f"{n // 5} headings with paragraphs": f"{head}{article}{headings}</body></html>",
        f"{n} table rows with names and dates": f"{head}{article}{names}</body></html>",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    args = parser.parse_args()
    print("| page | s | published_at |\n|---|---|---|")
    for name, html in pages(args.items).items():
        started = time.perf_counter()
        article = extract_article(html, "http://127.0.0.1/tin/hoi-nghi-tong-ket-nam-2021.html")
        print(f"| {name} | {time.perf_counter() - started:.2f} | {article.published_at} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
