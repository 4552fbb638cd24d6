"""A sample district portal in the real liferay-hanoi markup, served on 127.0.0.1.

Why it exists: ``portal-archive demo``, the tests and the benchmarks need a portal that is
offline, fast and deterministic, yet looks to the crawler exactly like a Hanoi district portal
of the Liferay 6.2 era (Asset Publisher portlet ``101``, theme furniture, Liferay pagination
URLs). The markup is copied from the saved pages in ``shared/portals/hanoi-sotttt``; the content
(``articles.json``) is written for the demo (``content.py``); the pictures and documents it
serves are made in ``documents.py``. This module is the server: routes, pages, HTTP caching.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2

from archive.demo.content import (
    CATEGORIES, CATEGORY_BY_SLUG, DEMO_PORTAL_ID, LOCAL_TZ, SITE_NAME, UNDATED_LAST_MODIFIED, DemoArticle, date_stamp, load_articles,
)
from archive.demo.documents import DOCUMENTS, PNG_BYTES

TEMPLATES_PATH = Path(__file__).with_name("templates")
LISTING_QUERY = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
    "&p_p_col_pos=1&p_p_col_count=2&_101_delta={delta}&_101_keywords=&_101_advancedSearch=false"
    "&_101_andOperator=true&p_r_p_564233524_resetCur=false&_101_cur={cur}"
)
MENU_WINDOW = 25  # the page-number menu shows the current page ± 25 (plus first and last)


class Response(NamedTuple):
    """What the portal answers to one request (rendered once, then cached)."""

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
            items=[dict(self._link(a), view_count=a.view_count, stamp=date_stamp(a.published_at, pad=True))
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
            date=date_stamp(published, pad=False),
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
