"""The researcher's pages: search (HTML, JSON, Atom), an article with its versions, the original.

Routes (registered by :mod:`archive.datasette.plugin`):

- ``/-/search`` (``.json``, ``.atom``): ranked search with filters; without ``q``, the newest
  articles matching the filters (so ``/-/search.atom?portal=ID`` is a portal's feed).
- ``/-/articles/<id>`` (``.json``): one article, its versions, a diff of any two
  (``?from=1&to=2``). The id is the archive's row id, which never changes: a stable URL.
- ``/-/articles/<id>/original``: the archived page as fetched, sanitised (see ``original``).
"""

from __future__ import annotations

import asyncio
import difflib
import json
import math
import re
import time
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from archive import search
from archive.datasette import atom, original
from archive.datasette.csp import PAGE_HEADERS, web_links
from archive.store import ArchiveError, snapshot_body
from crawler.contracts.charset import decode_response

PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


class BadRequest(ValueError):
    """A parameter the page cannot use; answered with status 400 and this message."""


# SQLite's integers are 64-bit: a larger id is no row of this archive (and binding it raises).
MAX_ID = 2**63 - 1


def _article_id(request) -> int | None:
    """The ``<id>`` of the URL, or None when it is too long to be any article's id."""
    raw = request.url_vars["id"]
    if len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:  # len first: int() refuses 4,300+ digits
        return None
    return int(raw)


def _filters(request) -> search.Filters:
    args = request.args
    return search.Filters(
        portal=args.get("portal") or None, province=args.get("province") or None, category=args.get("category") or None,
        date_from=search.check_date(args.get("from"), "from"), date_to=search.check_date(args.get("to"), "to"),
    )


def _int_arg(request, name: str, default: int, lo: int, hi: int) -> int:
    value = request.args.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name}: expected a whole number, got {value!r}.") from None
    if not lo <= number <= hi:
        raise BadRequest(f"{name}: expected a number from {lo} to {hi}, got {number}.")
    return number


async def _run_search(datasette, request, *, with_chart: bool = True) -> dict[str, Any]:
    """Parse the request and run the search (or the newest-first listing when there is no ``q``).

    Everything that may take time runs off the event loop, so one slow search never holds up
    other requests: the statements in one of Datasette's database threads (``execute_fn``),
    each bounded by the ``sql_time_limit_ms`` setting, and the highlighting in a worker thread.
    """
    q = (request.args.get("q") or "").strip()
    filters = _filters(request)
    size = _int_arg(request, "size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _int_arg(request, "page", 1, 1, 100_000)
    sort = request.args.get("sort") or ("rank" if q else "newest")
    db = datasette.get_database()
    offset = (page - 1) * size
    limit_ms = datasette.setting("sql_time_limit_ms")
    if q:
        def run(conn) -> tuple[dict[str, Any], list[tuple[str, int]]]:
            started = time.monotonic()
            result = search.ranked_search(conn, q, filters=filters, sort=sort, limit=size, offset=offset,
                                          time_limit_ms=limit_ms)
            if not with_chart:
                return result, []
            # the chart gets what is left of the page's time; without it the page still answers
            left = max(1, limit_ms - int((time.monotonic() - started) * 1000)) if limit_ms else None
            try:
                return result, search.year_counts(conn, result["parsed"], filters=filters,
                                                  estimate=result["total_is_estimate"], total=result["total"],
                                                  time_limit_ms=left)
            except search.SearchTimeout:
                result["parsed"].notes.append("The chart of matches per year is left out: counting them took too long.")
                return result, []

        result, years = await db.execute_fn(run)
        parsed = result.pop("parsed")
        await asyncio.to_thread(_highlight_rows, result["rows"], parsed)
    else:
        parsed = None
        result = await db.execute_fn(lambda conn: search.newest_articles(conn, filters=filters, sort=sort, limit=size,
                                                                        offset=offset, time_limit_ms=limit_ms))
        years = []
    return {"q": q, "parsed": parsed, "notes": parsed.notes if parsed else [], "filters": filters, "sort": sort,
            "page": page, "size": size, "years": years, "database": db.name,
            "chart_is_estimate": bool(q) and search.chart_is_estimate(result["total_is_estimate"], result["total"]), **result}


def _highlight_rows(rows: list[dict[str, Any]], parsed: search.ParsedQuery) -> None:
    for row in rows:
        row["title_html"] = search.highlight(row["title"], parsed, width=None)
        row["snippet_html"] = search.highlight(row["body"] or row["lead"], parsed)


def _error_response(datasette, request, fmt: str, message: str):
    if fmt == "json":
        return Response.json({"ok": False, "error": message}, status=400)
    if fmt == "atom":
        return Response.text(message, status=400)
    return None


async def search_page(datasette, request):
    fmt = request.url_vars.get("format") or "html"
    try:
        data = await _run_search(datasette, request, with_chart=fmt == "html")  # JSON and Atom show no chart
    except (search.SearchError, BadRequest) as exc:
        response = _error_response(datasette, request, fmt, str(exc))
        if response:
            return response
        context = await _form_context(datasette, request)
        html = await datasette.render_template("archive_search.html", {**context, "error": str(exc), "q": request.args.get("q", "")},
                                               request=request)
        return Response.html(html, status=400, headers=PAGE_HEADERS)
    for row in data["rows"]:
        row["article_url"] = datasette.absolute_url(request, f"/-/articles/{row['id']}")
        for copy in row.get("copies", []):
            copy["article_url"] = datasette.absolute_url(request, f"/-/articles/{copy['id']}")
    if fmt == "json":
        return Response.json(_json_result(data), headers={"Access-Control-Allow-Origin": "*"})
    if fmt == "atom":
        feed = atom.feed(data, self_url=str(request.url), home_url=datasette.absolute_url(request, "/-/search"))
        return Response(feed, content_type="application/atom+xml; charset=utf-8")
    context = await _form_context(datasette, request)
    context.update(data)
    context.update(_links(datasette, request, data))
    html = await datasette.render_template("archive_search.html", context, request=request)
    return Response.html(html, headers=PAGE_HEADERS)


def _json_result(data: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "portal_id", "portal_name", "province", "category", "url", "title", "lead", "author",
            "published_at", "version", "score", "exact", "article_url", "snippet_html", "story_id", "also_on_portals", "copies")
    pages = max(1, math.ceil(data["total"] / data["size"]))
    return {"ok": True, "q": data["q"], "notes": data["notes"], "sort": data["sort"], "total": data["total"],
            "total_is_estimate": data["total_is_estimate"], "page": data["page"],
            "pages": pages, "ranked_window": data["ranked_window"],
            "rows": [{k: row.get(k) for k in keep} for row in data["rows"]]}


def _links(datasette, request, data: dict[str, Any]) -> dict[str, Any]:
    """Pagination, the chart, and export links (Datasette's own CSV/JSON of the same matches)."""
    args = [(k, v) for k in request.args.keys() for v in request.args.getlist(k) if k != "page"]
    pages = max(1, math.ceil(data["total"] / data["size"]))

    def page_url(n: int) -> str:
        return "/-/search?" + urlencode(args + [("page", str(n))])

    table_args: list[tuple[str, str]] = []
    if data["parsed"] and data["parsed"].terms:
        # The parsed FTS5 expression in raw mode: in Datasette's default mode AND/OR/NOT, quotes
        # and brackets are plain words, and the export would hold other articles than the page.
        table_args += [("_search", data["parsed"].match), ("_searchmode", "raw")]
    f = data["filters"]
    for name, column in (("portal", "portal_id"), ("province", "province"), ("category", "category")):
        if getattr(f, name):
            table_args.append((column, getattr(f, name)))
    if f.date_from:
        table_args.append(("published_at__gte", f.date_from))
    if f.date_to:
        table_args.append(("published_at__lte", f.date_to + "T99"))
    table_args += [("_sort_desc", "published_at"), ("_size", "max")]
    table = datasette.urls.table(data["database"], "articles")
    exportable = not data["parsed"] or bool(data["parsed"].terms)  # a query of no words has nothing to export
    query = urlencode(args)
    max_year = max((n for _, n in data["years"]), default=0)
    return {
        "pages": pages,
        "prev_url": page_url(data["page"] - 1) if data["page"] > 1 else None,
        "next_url": page_url(data["page"] + 1) if data["page"] < pages else None,
        "page_urls": [(n, page_url(n)) for n in range(max(1, data["page"] - 4), min(pages, data["page"] + 4) + 1)],
        "csv_url": f"{table}.csv?" + urlencode(table_args + [("_stream", "on")]) if exportable else None,
        "table_json_url": f"{table}.json?" + urlencode(table_args + [("_shape", "objects")]) if exportable else None,
        "json_url": "/-/search.json?" + query,
        "atom_url": "/-/search.atom?" + query,
        "chart": [{"year": y, "count": n, "height": round(80 * n / max_year) if max_year else 0} for y, n in data["years"]],
        "sort_urls": {s: "/-/search?" + urlencode([(k, v) for k, v in args if k != "sort"] + [("sort", s)])
                      for s in search.SORTS},
    }


async def _form_context(datasette, request) -> dict[str, Any]:
    db = datasette.get_database()
    portals = await db.execute("SELECT id, name FROM portals p WHERE EXISTS (SELECT 1 FROM articles a WHERE a.portal_id = p.id) "
                               "ORDER BY name")
    provinces = await db.execute_fn(lambda conn: search.distinct_values(conn, "province"))
    categories = await db.execute_fn(lambda conn: search.distinct_values(conn, "category"))
    args = request.args
    return {"portals": [tuple(r) for r in portals.rows], "provinces": provinces,
            "categories": categories, "sorts": list(search.SORTS),
            "form": {k: args.get(k, "") for k in ("q", "portal", "province", "category", "from", "to", "sort")},
            "rows": [], "total": None, "total_is_estimate": False, "error": None, "notes": []}


# --- article -------------------------------------------------------------------------------

async def article_page(datasette, request):
    fmt = request.url_vars.get("format") or "html"
    article_id = _article_id(request)
    db = datasette.get_database()
    result = await db.execute("SELECT a.*, p.name AS portal_name FROM articles a LEFT JOIN portals p ON p.id = a.portal_id "
                              "WHERE a.id = ?", [article_id])
    if not result.rows:
        message = f"No article {request.url_vars['id'][:30]} in this archive."
        return Response.json({"ok": False, "error": message}, status=404) if fmt == "json" else Response.html(
            await datasette.render_template("archive_error.html", {"message": message}, request=request), status=404)
    article = dict(result.rows[0])
    for key in ("images", "attachments", "tags"):
        article[key] = json.loads(article[key]) if article.get(key) else []
    versions = [dict(r) for r in (await db.execute(
        "SELECT version, content_hash, seen_at, title, lead, body, author, published_at, snapshot_id "
        "FROM article_versions WHERE article_id = ? ORDER BY version", [article_id])).rows]
    copies = await _story_copies(db, article)
    try:
        diff = _diff_request(request, versions)
    except BadRequest as exc:
        return Response.json({"ok": False, "error": str(exc)}, status=400) if fmt == "json" else Response.html(
            await datasette.render_template("archive_error.html", {"message": str(exc)}, request=request), status=400)
    if fmt == "json":
        article.pop("body_html", None)
        for copy in copies:
            copy["article_url"] = datasette.absolute_url(request, f"/-/articles/{copy['id']}")
        return Response.json({"ok": True, "article": article, "copies": copies, "versions": [
            {k: v for k, v in version.items()} for version in versions],
            "diff": diff and {"from": diff["from"], "to": diff["to"], "unified": diff["unified"]}},
            headers={"Access-Control-Allow-Origin": "*"})
    article.update(images=web_links(article["images"]), attachments=web_links(article["attachments"]))  # http(s) only
    context = {"article": article, "versions": versions, "diff": diff, "copies": copies,
               "paragraphs": body_paragraphs(article),
               "database": db.name}
    return Response.html(await datasette.render_template("archive_article.html", context, request=request), headers=PAGE_HEADERS)


async def _story_copies(db, article: dict[str, Any]) -> list[dict[str, Any]]:
    """The article's story's other copies (re-posts on other portals, or on its own), the first
    publication first; ``first`` marks the story's first publication (the article itself when
    no copy is older)."""
    if article.get("story_id") is None:
        return []
    rows = [dict(r) for r in (await db.execute(
        "SELECT c.id, c.portal_id, p.name AS portal_name, c.url, c.title, c.published_at FROM articles c "
        "LEFT JOIN portals p ON p.id = c.portal_id WHERE c.story_id = ? "
        "ORDER BY c.published_at IS NULL, c.published_at, c.id", [article["story_id"]])).rows]
    for n, row in enumerate(rows):
        row["first"] = n == 0
    return [r for r in rows if r["id"] != article["id"]]


_BYLINE_LABEL = re.compile(r"^(theo|nguồn|nguon|tác giả|tac gia|bài và ảnh|bài, ảnh|ảnh)\s*:?\s*", re.I)


def _bare(text: str) -> str:
    """Lower case, no punctuation or spaces: "(Theo Báo Hà Nội Mới)." ~ "theo báo hà nội mới"."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def body_paragraphs(article: dict[str, Any]) -> list[str]:
    """The body's paragraphs for the article page, less a last paragraph that only repeats the
    author or the source: the page shows those as such, in the byline, not as the text's end."""
    paragraphs = [p for p in (article.get("body") or "").split("\n\n") if p.strip()]
    names = {_bare(v) for v in (article.get("author"), article.get("source")) if v and _bare(v)}
    if len(paragraphs) > 1 and names:
        last = paragraphs[-1].strip().strip("()").strip()
        if _bare(last) in names or _bare(_BYLINE_LABEL.sub("", last)) in names:
            paragraphs.pop()
    return paragraphs


def _diff_request(request, versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    if "from" not in request.args and "to" not in request.args:
        return None
    by_number = {v["version"]: v for v in versions}
    numbers = []
    for name, default in (("from", 1), ("to", len(versions))):
        raw = request.args.get(name) or str(default)
        # a length check before int(): Python refuses to convert 4,300+ digits (a ValueError, a 500)
        if not (raw.isdecimal() and len(raw) <= 9) or int(raw) not in by_number:
            raise BadRequest(f"{name}: no version {raw[:30]!r} of this article (versions 1 to {len(versions)}).")
        numbers.append(int(raw))
    return version_diff(by_number[numbers[0]], by_number[numbers[1]])


def _lines(version: dict[str, Any]) -> list[str]:
    lines = [f"Title: {version['title'] or ''}", f"Lead: {version['lead'] or ''}", f"Author: {version['author'] or ''}",
             f"Published: {version['published_at'] or ''}", ""]
    return lines + [p for p in (version["body"] or "").split("\n\n")]


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Paragraph diff of two versions: a side-by-side HTML table and a unified text diff."""
    a, b = _lines(old), _lines(new)
    label_a, label_b = f"version {old['version']} ({old['seen_at']})", f"version {new['version']} ({new['seen_at']})"
    table = difflib.HtmlDiff(wrapcolumn=70).make_table(a, b, label_a, label_b, context=False)
    unified = "\n".join(difflib.unified_diff(a, b, label_a, label_b, lineterm="", n=1))
    return {"from": old["version"], "to": new["version"], "table": table, "unified": unified}


async def original_page(datasette, request):
    article_id = _article_id(request)
    db = datasette.get_database()
    version = request.args.get("version")
    if version:
        rows = (await db.execute("SELECT snapshot_id FROM article_versions WHERE article_id = ? AND version = ?",
                                 [article_id, version])).rows
    else:
        # the latest snapshot, else the newest version that has one (a producer may store without)
        rows = (await db.execute(
            "SELECT coalesce(a.snapshot_id, (SELECT v.snapshot_id FROM article_versions v WHERE v.article_id = a.id "
            "AND v.snapshot_id IS NOT NULL ORDER BY v.version DESC LIMIT 1)) FROM articles a WHERE a.id = ?", [article_id])).rows
    if not rows or rows[0][0] is None:
        return Response.text("No archived page stored for this article.", status=404, headers=original.HEADERS)
    snapshot_id = rows[0][0]
    meta = (await db.execute("SELECT url, last_fetched_at, headers FROM snapshots WHERE id = ?", [snapshot_id])).rows[0]

    def load(conn):
        from sqlite_utils import Database

        return snapshot_body(Database(conn), snapshot_id)

    try:
        body = await db.execute_fn(load)
    except ArchiveError as exc:
        return Response.text(str(exc), status=404, headers=original.HEADERS)
    html = original.sanitise_snapshot(decode_response(body, json.loads(meta["headers"] or "{}")))  # as the crawler read it
    page = await datasette.render_template("archive_original.html", {"content": html, "url": meta["url"],
                                                                      "fetched_at": meta["last_fetched_at"]}, request=request)
    return Response.html(page, headers=original.HEADERS)


async def article_by_url(datasette, request):
    """``/-/articles?url=SOURCE_URL``: redirect to the stable archive URL of a portal's article."""
    url = request.args.get("url")
    if not url:
        return Response.text("Give the article's source URL: /-/articles?url=https://...", status=400)
    rows = (await datasette.get_database().execute("SELECT id FROM articles WHERE url = ? OR fetched_url = ?", [url, url])).rows
    if not rows:
        return Response.text(f"No archived article with url {url}", status=404)
    return Response.redirect(f"/-/articles/{rows[0][0]}")
