"""A sample district portal in the real liferay-hanoi markup, served on 127.0.0.1.

Why it exists: ``portal-archive demo``, the tests and the benchmarks need a portal that is
offline, fast and deterministic, yet looks to the crawler exactly like a Hanoi district portal
of the Liferay 6.2 era (Asset Publisher portlet ``101``, theme furniture, Liferay pagination
URLs). The markup is copied from the saved pages in ``shared/portals/hanoi-sotttt``; the content
(``articles.json``) is written for the demo.
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import struct
import threading
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2

DATA_PATH = Path(__file__).with_name("articles.json")
TEMPLATES_PATH = Path(__file__).with_name("templates")
SITE_NAME = "Cổng thông tin điện tử Quận Hoàng Mai"
LOCAL_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no DST
GROUP_ID = 1547213  # Liferay site (group) id used in /documents/ URLs
FOLDER_ID = 1603985  # Documents and Media folder of the attachments
UNDATED_LAST_MODIFIED = datetime(2019, 10, 1, 8, 0)  # Last-Modified of an article showing no date

DEMO_PORTAL_ID = "demo-hoang-mai"  # the sample portal's registry id; a demo archive holds only it


@dataclass(frozen=True)
class Category:
    """A category listing (``/vi/<slug>``); portals differ per category in date markup and header."""

    slug: str
    name: str
    date_style: str  # "full": "Ngày đăng … | View count: N"; "posted": "Ngày đăng …"; "plain": date only
    portlet_title: str | None  # Asset Publisher header on article pages (None = borderless portlet)


CATEGORIES: tuple[Category, ...] = (
    Category("tin-tuc-su-kien", "Tin tức sự kiện", "full", "Tin tức nổi bật"),
    Category("kinh-te-xa-hoi", "Kinh tế - Xã hội", "posted", None),
    Category("cai-cach-hanh-chinh", "Cải cách hành chính", "plain", None),
)
CATEGORY_BY_SLUG = {c.slug: c for c in CATEGORIES}

LISTING_QUERY = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
    "&p_p_col_pos=1&p_p_col_count=2&_101_delta={delta}&_101_keywords=&_101_advancedSearch=false"
    "&_101_andOperator=true&p_r_p_564233524_resetCur=false&_101_cur={cur}"
)
MENU_WINDOW = 25  # the page-number menu shows the current page ± 25 (plus first and last)


def slugify(text: str, max_len: int = 100) -> str:
    """ASCII URL title as Liferay builds it (diacritics and đ folded, dashes, truncated)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_len].rstrip("-")


def _clock(dt: datetime, pad: bool) -> str:
    """12-hour time as the portal prints it: ``4:53 PM`` on articles, ``04:53 PM`` on listings."""
    hour = dt.hour % 12 or 12
    return f"{hour:{'02d' if pad else 'd'}}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def _stamp(published: datetime | None, pad: bool) -> str | None:
    """Date and time as printed after "Ngày đăng" (None: the page shows no date)."""
    return f"{published:%d/%m/%Y} | {_clock(published, pad)}" if published else None


def _ms(dt: datetime) -> int:
    return int(dt.replace(tzinfo=LOCAL_TZ).timestamp() * 1000)


@dataclass
class DemoArticle:
    """One article of the demo portal, plus the values a correct extractor should produce.

    ``body`` items: a ``str`` is a paragraph (``\\n`` becomes ``<br>``); ``{"image": id,
    "caption": ..., "alt"?: ..., "layout"?: "table"}`` is a captioned image;
    ``{"attachments": [{"file": ..., "title": ...}]}`` is a list of linked documents.
    ``published_at`` is naive local time (Asia/Ho_Chi_Minh); ``None`` = the page shows no date.
    """

    id: int
    category: str
    title: str
    body: list[Any]
    author: str
    published_at: datetime | None = None
    lead: str | None = None
    byline: str | None = None
    lead_image: int | None = None
    view_count: int = 0
    slug: str = ""

    def __post_init__(self) -> None:
        if not self.slug:
            self.slug = slugify(self.title)

    @property
    def path(self) -> str:
        """Root-relative article URL: ``/vi/<category>/-/view_content/<id>-<slug>``."""
        return f"/vi/{self.category}/-/view_content/{self.id}-{self.slug}"

    @property
    def category_name(self) -> str:
        return CATEGORY_BY_SLUG[self.category].name

    @property
    def published_iso(self) -> str | None:
        """Expected ``published_at`` of the archive (ISO 8601, +07:00), None when undated."""
        return self.published_at.replace(tzinfo=LOCAL_TZ).isoformat() if self.published_at else None

    @property
    def date_text(self) -> str:
        """Visible text of the article's ``div.assetPublishDate`` (whitespace collapsed)."""
        return self._date_text(pad=False)

    @property
    def listing_date_text(self) -> str:
        """Visible text of the item's date on listing pages (zero-padded hour)."""
        return self._date_text(pad=True)

    def _date_text(self, pad: bool) -> str:
        text = _stamp(self.published_at, pad)
        if text is None:
            return ""
        style = CATEGORY_BY_SLUG[self.category].date_style
        if style != "plain":
            text = f"Ngày đăng {text}"
        if style == "full":
            text += f" | View count: {self.view_count}"
        return text

    @property
    def paragraphs(self) -> list[str]:
        """Text paragraphs of the body (captions and attachment links excluded)."""
        return [b for b in self.body if isinstance(b, str)]

    @property
    def images(self) -> list[dict[str, Any]]:
        """Lead image (caption None) then body images: ``{"img_id", "path", "caption"}``."""
        found = [{"img_id": self.lead_image, "caption": None}] if self.lead_image else []
        found += [{"img_id": b["image"], "caption": b["caption"]}
                  for b in self.body if isinstance(b, dict) and "image" in b]
        return [dict(i, path=self.image_path(i["img_id"])) for i in found]

    @property
    def attachments(self) -> list[dict[str, str]]:
        """Linked documents: ``{"file", "title", "path"}`` in body order."""
        return [
            {**f, "path": self.attachment_path(f["file"])}
            for b in self.body if isinstance(b, dict)
            for f in b.get("attachments", ())
        ]

    def image_path(self, img_id: int) -> str:
        stamp = _ms(self.published_at or UNDATED_LAST_MODIFIED) + img_id % 997
        return f"/image/journal/article?img_id={img_id}&t={stamp}"

    def attachment_path(self, file: str) -> str:
        doc_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"demo-hoang-mai/{self.id}/{file}")
        stamp = _ms(self.published_at or UNDATED_LAST_MODIFIED)
        return f"/documents/{GROUP_ID}/{FOLDER_ID}/{file}/{doc_uuid}?t={stamp}"

    @property
    def summary(self) -> str:
        """The listing's ``div.asset-summary``: the lead (or first paragraph), cut to ~160 chars."""
        text = " ".join((self.lead or (self.paragraphs or [""])[0]).split())
        if len(text) <= 160:
            return text
        return text[:160].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _article_from_json(d: dict[str, Any]) -> DemoArticle:
    published = d.get("published")
    return DemoArticle(
        id=int(d["id"]),
        category=d["category"],
        title=d["title"],
        body=list(d["body"]),
        author=d["author"],
        published_at=datetime.strptime(published, "%Y-%m-%d %H:%M") if published else None,
        lead=d.get("lead"),
        byline=d.get("byline"),
        lead_image=d.get("lead_image"),
        view_count=int(d.get("view_count", 0)),
        slug=d.get("slug", ""),
    )


def load_articles(path: Path | None = None) -> list[DemoArticle]:
    """The bundled sample articles (``articles.json``), so the demo needs no network or fixtures."""
    doc = json.loads((path or DATA_PATH).read_text(encoding="utf-8"))
    return [_article_from_json(d) for d in doc["articles"]]


_SENTENCE_END = re.compile(r"(?<=[.;!?…])\s+(?=[A-ZĐÀ-Ỹ0-9“])")
_AUTHORS = ("admin admin", "Ban biên tập", "Nguyễn Thu Hà", "Phạm Minh Đức")
_BYLINES = ("Thu Hà", "Minh Đức", "Hoàng Lan", "Ngọc Mai", "Quang Huy")


def generate_articles(n: int, seed: int = 0) -> list[DemoArticle]:
    """``n`` synthetic articles recombined from the bundled sentences, for big-crawl benchmarks.

    Deterministic for a given ``seed``; ids are distinct 7-digit numbers, titles are unique,
    dates spread over 2012–2024 (a quarter at ``12:00 AM``), categories weighted like the
    bundled data, some lead images, captioned body images, bylines and PDF attachments.
    """
    base = load_articles()
    rng = random.Random(seed)
    sentences = sorted({s.strip() for a in base for p in a.paragraphs + [a.lead or ""]
                        for s in _SENTENCE_END.split(p.replace("\n", " ")) if len(s) > 40})
    captions = sorted({b["caption"] for a in base for b in a.body if isinstance(b, dict) and "caption" in b})
    weights = [sum(a.category == c.slug for a in base) for c in CATEGORIES]
    ids = rng.sample(range(1_000_000, 10_000_000), n)
    start, span = datetime(2012, 1, 1), int((datetime(2025, 1, 1) - datetime(2012, 1, 1)).total_seconds() // 60)
    titles: set[str] = set()
    out = []
    for i, art_id in enumerate(ids):
        words = rng.choice(sentences).rstrip(".;…").split()
        title = " ".join(words[: rng.randint(8, 16)]).rstrip(",:;-")
        if title in titles:
            title = f"{title} ({i + 1})"
        titles.add(title)
        published = start + timedelta(minutes=rng.randrange(span))
        if rng.random() < 0.25:
            published = published.replace(hour=0, minute=0)
        body: list[Any] = [" ".join(rng.sample(sentences, rng.randint(2, 4))) for _ in range(rng.randint(3, 8))]
        if rng.random() < 0.15:
            body.insert(1, {"image": art_id + 3, "caption": rng.choice(captions)})
        if rng.random() < 0.05:
            document = {"file": f"van-ban-{art_id}.pdf", "title": f"Văn bản số {i + 1}/UBND"}
            body += ["Văn bản kèm theo:", {"attachments": [document]}]
        out.append(DemoArticle(
            id=art_id,
            category=rng.choices(CATEGORIES, weights)[0].slug,
            title=title,
            body=body,
            author=rng.choice(_AUTHORS),
            published_at=published,
            lead=" ".join(rng.sample(sentences, rng.randint(1, 2))) if rng.random() < 0.8 else None,
            byline=rng.choice(_BYLINES) if rng.random() < 0.2 else None,
            lead_image=art_id - 1 if rng.random() < 0.25 else None,
            view_count=rng.randint(50, 5000),
        ))
    return out


# --------------------------------------------------------------------------- binary assets
def _png(width: int = 16, height: int = 12, rgb: tuple[int, int, int] = (0x1F, 0x5F, 0xA8)) -> bytes:
    """A solid-colour RGB PNG, built with zlib+struct because Pillow is not a dependency."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _pdf(text: str = "Tai lieu mau - Cong thong tin dien tu Quan Hoang Mai (demo)") -> bytes:
    """A one-page PDF with a correct xref table (offsets computed, not hand-counted)."""
    stream = f"BT /F1 14 Tf 60 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_OOXML_NS = "http://schemas.openxmlformats.org"


def _ooxml(kind: str, text: str = "Tài liệu mẫu - Cổng thông tin điện tử Quận Hoàng Mai (demo)") -> bytes:
    """A minimal valid .docx (``kind="docx"``) or .xlsx (``"xlsx"``) package holding one line."""
    main = {"docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
            "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml")}[kind]
    rel = f"{_OOXML_NS}/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{_OOXML_NS}/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main[0]}" ContentType="application/vnd.openxmlformats-officedocument.{main[1]}"/>'
        + ('<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
           'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' if kind == "xlsx" else "")
        + "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{_OOXML_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="{main[0]}"/></Relationships>',
    }
    if kind == "docx":
        parts["word/document.xml"] = (f'<w:document xmlns:w="{_OOXML_NS}/wordprocessingml/2006/main"><w:body>'
                                      f"<w:p><w:r><w:t>{xml_escape(text)}</w:t></w:r></w:p></w:body></w:document>")
    else:
        sheet_ns = f"{_OOXML_NS}/spreadsheetml/2006/main"
        parts["xl/workbook.xml"] = (f'<workbook xmlns="{sheet_ns}" xmlns:r="{rel}"><sheets>'
                                    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        parts["xl/_rels/workbook.xml.rels"] = (f'<Relationships xmlns="{_OOXML_NS}/package/2006/relationships">'
                                               f'<Relationship Id="rId1" Type="{rel}/worksheet" '
                                               'Target="worksheets/sheet1.xml"/></Relationships>')
        parts["xl/worksheets/sheet1.xml"] = (f'<worksheet xmlns="{sheet_ns}"><sheetData><row r="1">'
                                             f'<c r="A1" t="inlineStr"><is><t>{xml_escape(text)}</t></is></c>'
                                             "</row></sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            package.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return buffer.getvalue()


PNG_BYTES = _png()
DOCUMENTS: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", _pdf()),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml("docx")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml("xlsx")),
    ".png": ("image/png", PNG_BYTES),
}


# --------------------------------------------------------------------------- server
class Response(NamedTuple):
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]


def _html(body: str, status: int = 200, **headers: str) -> Response:
    return Response(status, "text/html; charset=utf-8", body.encode("utf-8"), headers)


def _format_count(n: int) -> str:
    """Vietnamese thousands separator, as in "Hiển thị 1 - 20 of 2.952 kết quả."."""
    return f"{n:,}".replace(",", ".")


class DemoPortal:
    """The demo portal: a threaded HTTP server on 127.0.0.1 rendering pages from articles.

    Use as a context manager (``with DemoPortal() as portal: portal.base_url``). Rendered pages
    are cached, so a crawl of thousands of generated articles is limited by the crawler only.
    """

    def __init__(self, articles: list[DemoArticle] | None = None, page_size: int = 10, host: str = "127.0.0.1") -> None:
        self.articles = list(articles) if articles is not None else load_articles()
        self.host = host  # another loopback address (127.0.0.2) is another host to the crawler
        self.page_size = page_size
        self.by_path = {a.path: a for a in self.articles}
        if len(self.by_path) != len(self.articles):
            raise ValueError("demo articles must have distinct URLs")

        def newest_first(a: DemoArticle) -> tuple[datetime, int]:
            return (a.published_at or datetime.min, a.id)

        self.categories = [c for c in CATEGORIES if any(a.category == c.slug for a in self.articles)]
        self.by_category = {
            c.slug: sorted((a for a in self.articles if a.category == c.slug), key=newest_first, reverse=True)
            for c in self.categories
        }
        self.latest = sorted(self.articles, key=newest_first, reverse=True)
        self.most_viewed = sorted(self.articles, key=lambda a: (a.view_count, a.id), reverse=True)[:5]
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_PATH),
            autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        )
        self._cache: dict[tuple[Any, ...], Response] = {}
        self._lock = threading.Lock()
        self._requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> str:
        """Bind the loopback host on a free port, serve in a daemon thread, return the base URL."""
        if self._server is None:
            self._server = ThreadingHTTPServer((self.host, 0), _Handler)
            self._server.daemon_threads = True
            self._server.portal = self  # type: ignore[attr-defined]
            self._base_url = f"http://{self.host}:{self._server.server_address[1]}"
            self._cache.clear()  # pages embed the base URL (canonical, share links)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="demo-portal", daemon=True)
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and free the port (safe to call twice)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> DemoPortal:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public properties --------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("DemoPortal is not started; call start() or use it as a context manager")
        return self._base_url

    @property
    def start_urls(self) -> list[str]:
        """Absolute URLs of the category listings (the crawl's entry points)."""
        return [f"{self.base_url}/vi/{c.slug}" for c in self.categories]

    @property
    def article_urls(self) -> list[str]:
        """Absolute URLs of every article served."""
        return [self.base_url + a.path for a in self.articles]

    @property
    def requests_served(self) -> int:
        """Requests answered so far (any status), e.g. to check politeness or caching."""
        with self._lock:
            return self._requests

    def registry_entry(self) -> dict[str, Any]:
        """A ``crawler/portals.toml``-style entry pointing at this running server."""
        return {
            "id": DEMO_PORTAL_ID,
            "name": "Quận Hoàng Mai (demo)",
            "level": "quận",
            "province": "Hà Nội",
            "base_url": self.base_url,
            "platform": "liferay-hanoi",
            "enabled": True,
            "start_urls": self.start_urls,
        }

    def listing_url(self, category: str, page: int | None = None) -> str:
        """Root-relative listing URL: the base page, or the Liferay pagination URL of ``page``."""
        if page is None:
            return f"/vi/{category}"
        return f"/vi/{category}?" + LISTING_QUERY.format(delta=self.page_size, cur=page)

    def page_count(self, category: str) -> int:
        return max(1, math.ceil(len(self.by_category[category]) / self.page_size))

    # -- routing --------------------------------------------------------------------
    def _count(self) -> None:
        with self._lock:
            self._requests += 1

    def handle(self, target: str) -> Response:
        """Answer a request target (path + query); pages are rendered once and cached."""
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        if path in ("/", "/vi"):
            return Response(302, "text/html; charset=utf-8", b"", {"Location": "/vi/trang-chu"})
        if path == "/robots.txt":
            text = f"User-agent: *\nDisallow:\n\nSitemap: {self.base_url}/sitemap.xml\n"
            return Response(200, "text/plain; charset=utf-8", text.encode(), {})
        if path == "/sitemap.xml":
            return self._cached(("sitemap",), self._sitemap)
        if path.startswith("/image/") or path.startswith("/hoangmai-theme/"):
            return Response(200, "image/png", PNG_BYTES, {"Cache-Control": "max-age=86400"})
        if path.startswith("/documents/"):
            return self._document(path)
        if path == "/c/portal/login":
            return self._cached(("login",), self._login)
        if path == "/vi/trang-chu":
            return self._cached(("home",), self._home)
        if path in self.by_path:
            return self._cached(("article", path), lambda: self._article(self.by_path[path]))
        slug = path.removeprefix("/vi/")
        if path.startswith("/vi/") and slug in self.by_category:
            cur = query.get("_101_cur", [None])[0]
            if cur is None:
                return self._cached(("listing", slug, 1, True), lambda: self._listing(slug, 1, True))
            if cur.isdigit() and 1 <= int(cur) <= self.page_count(slug):
                page = int(cur)
                return self._cached(("listing", slug, page, False), lambda: self._listing(slug, page, False))
        return self._cached(("404",), self._not_found)

    def _cached(self, key: tuple[Any, ...], render: Any) -> Response:
        response = self._cache.get(key)
        if response is None:
            response = self._cache[key] = render()
        return response

    def _document(self, path: str) -> Response:
        parts = path.split("/")  # ['', 'documents', group, folder, file, uuid?]
        suffix = Path(parts[4]).suffix.lower() if len(parts) >= 5 else ""
        if suffix not in DOCUMENTS:
            return self._cached(("404",), self._not_found)
        content_type, body = DOCUMENTS[suffix]
        return Response(200, content_type, body, {})

    # -- rendering ------------------------------------------------------------------
    def _render(self, template: str, context: dict[str, Any]) -> str:
        return self._env.get_template(template).render(context)

    def _page(self, title: str, active: str | None, **extra: Any) -> dict[str, Any]:
        """Context shared by every page: menu, right column, footer."""
        return {
            "site_name": SITE_NAME,
            "page_title": f"{title} - {SITE_NAME}",
            "description": f"{SITE_NAME}: tin tức, sự kiện, kinh tế - xã hội, cải cách hành chính.",
            "canonical": None,
            "active": active,
            "categories": self.categories,
            "latest_news": [self._link(a) for a in self.latest[:5]],
            "most_viewed": [self._link(a) for a in self.most_viewed],
            "base_url": self.base_url,
            **extra,
        }

    @staticmethod
    def _link(a: DemoArticle) -> dict[str, Any]:
        return {"path": a.path, "title": a.title,
                "date": f"{a.published_at:%d/%m/%Y}" if a.published_at else "",
                "image": a.image_path(a.lead_image) if a.lead_image else None,
                "summary": a.summary}

    def _home(self) -> Response:
        blocks = [{"category": c, "items": [self._link(a) for a in self.by_category[c.slug][:4]]}
                  for c in self.categories]
        context = self._page("Trang chủ", "home", canonical=f"{self.base_url}/vi/trang-chu",
                             featured=[self._link(a) for a in self.latest[:5]], blocks=blocks)
        return _html(self._render("home.html", context))

    def _listing(self, slug: str, page: int, is_base: bool) -> Response:
        category = CATEGORY_BY_SLUG[slug]
        items = self.by_category[slug]
        pages = self.page_count(slug)
        first = (page - 1) * self.page_size
        shown = items[first: first + self.page_size]
        menu = sorted({1, pages} | set(range(max(1, page - MENU_WINDOW), min(pages, page + MENU_WINDOW) + 1)))
        context = self._page(
            category.name, slug,
            canonical=self.base_url + self.listing_url(slug, None if is_base else page),
            category=category,
            items=[dict(self._link(a), view_count=a.view_count, stamp=_stamp(a.published_at, pad=True))
                   for a in shown],
            page=page, pages=pages,
            menu=[{"n": n, "href": self.listing_url(slug, n)} for n in menu],
            first_href=self.listing_url(slug, 1) if page > 1 else None,
            prev_href=self.listing_url(slug, page - 1) if page > 1 else None,
            next_href=self.listing_url(slug, page + 1) if page < pages else None,
            last_href=self.listing_url(slug, pages) if page < pages else None,
            results=f"Hiển thị {first + 1} - {first + len(shown)} of {_format_count(len(items))} kết quả.",
        )
        return _html(self._render("listing.html", context))

    def _article(self, a: DemoArticle) -> Response:
        category = CATEGORY_BY_SLUG[a.category]
        url = self.base_url + a.path
        blocks = []
        for b in a.body:
            if isinstance(b, str):
                blocks.append({"kind": "p", "lines": b.split("\n")})
            elif "image" in b:
                blocks.append({"kind": "image", "src": a.image_path(b["image"]), "alt": b.get("alt", ""),
                               "caption": b["caption"], "layout": b.get("layout", "p")})
            else:
                blocks.append({"kind": "files",
                               "files": [dict(f, path=a.attachment_path(f["file"])) for f in b["attachments"]]})
        published = a.published_at
        context = self._page(
            f"{a.title} - {category.name}", a.category,
            description=a.summary,
            canonical=url,
            category=category,
            article=a,
            date=_stamp(published, pad=False),
            lead_image=a.image_path(a.lead_image) if a.lead_image else None,
            blocks=blocks,
            related=[self._link(r) for r in self.by_category[a.category][:5]],
            share_url=quote(url, safe=""),
        )
        modified = (published or UNDATED_LAST_MODIFIED).replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)
        return _html(self._render("article.html", context), **{"Last-Modified": format_datetime(modified, usegmt=True)})

    def _login(self) -> Response:
        return _html(self._render("login.html", self._page("Đăng nhập", None)))

    def _not_found(self) -> Response:
        return _html(self._render("not_found.html", self._page("Không tìm thấy trang", None)), status=404)

    def _sitemap(self) -> Response:
        urls = [f"<url><loc>{self.base_url}/vi/trang-chu</loc></url>"]
        urls += [f"<url><loc>{self.base_url}/vi/{c.slug}</loc></url>" for c in self.categories]
        urls += [f"<url><loc>{xml_escape(self.base_url + a.path)}</loc>"
                 + (f"<lastmod>{a.published_iso}</lastmod>" if a.published_iso else "") + "</url>"
                 for a in self.latest]
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               + "\n".join(urls) + "\n</urlset>\n")
        return Response(200, "application/xml; charset=utf-8", xml.encode("utf-8"), {})


class _Handler(BaseHTTPRequestHandler):
    """Routes GET/HEAD to the portal; keep-alive, silent, with If-Modified-Since support."""

    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "Apache-Coyote/1.1"  # what Liferay 6.2 on Tomcat announces

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        portal: DemoPortal = self.server.portal  # type: ignore[attr-defined]
        portal._count()
        try:
            response = portal.handle(self.path)
        except Exception as error:  # a bug in the demo must not look like a network failure
            response = Response(500, "text/plain; charset=utf-8", f"demo portal error: {error!r}\n".encode(), {})
        status, body = response.status, response.body
        since, modified = self.headers.get("If-Modified-Since"), response.headers.get("Last-Modified")
        if status == 200 and since and modified:
            try:
                if parsedate_to_datetime(modified) <= parsedate_to_datetime(since):
                    status, body = 304, b""
            except (TypeError, ValueError):
                pass
        self.send_response(status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the crawler hung up (e.g. max size)
                self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the per-request log lines (a crawl makes thousands)."""
