"""A fault-injection portal: the demo portal's real liferay-hanoi pages, with faults per URL.

``FaultPortal(articles)`` is :class:`archive.demo.DemoPortal` (127.0.0.1, a free port, threads)
plus ``site.on(path, fault)``: the request for ``path`` (query ignored unless the key has one)
gets the fault instead of the page. Faults are small classes:

- answer-level (return a :class:`Response`): :class:`Status`, :class:`Redirect`, :class:`Rewrite`,
  :class:`Alias`;
- socket-level (take the connection over): :class:`Hang`, :class:`StallMidBody`,
  :class:`Truncated`, :class:`Reset`, :class:`Huge`, :class:`Endless`.

Everything is bounded in time: a hanging or stalling answer waits at most ``HOLD`` seconds
(and is released when the portal stops); an endless stream stops after ``limit`` bytes.
Each request is logged in ``site.hits`` as ``(target, monotonic time)``.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from archive.demo import DemoArticle, DemoPortal
from archive.demo.site import Response, _Handler

HOLD = 20.0  # the longest any fault keeps a connection


class Fault:
    raw = False  # True: the fault writes to the socket itself

    def answer(self, site: "FaultPortal", target: str) -> Response:
        raise NotImplementedError

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        raise NotImplementedError


class Status(Fault):
    """``status`` (with optional headers) for the first ``times`` requests (None: always), then the page."""

    def __init__(self, status: int, times: int | None = None, **headers: str) -> None:
        self.status, self.times, self.headers = status, times, {k.replace("_", "-"): v for k, v in headers.items()}
        self.count = 0

    def answer(self, site: "FaultPortal", target: str) -> Response:
        self.count += 1
        if self.times is not None and self.count > self.times:
            return site.page(target)
        body = f"<html><body><h1>{self.status}</h1></body></html>".encode()
        return Response(self.status, "text/html; charset=utf-8", body, self.headers)


class Redirect(Fault):
    def __init__(self, location: str, status: int = 301) -> None:
        self.location, self.status = location, status

    def answer(self, site: "FaultPortal", target: str) -> Response:
        return Response(self.status, "text/html; charset=utf-8", b"", {"Location": self.location})


class Rewrite(Fault):
    """The real page, transformed: ``body(bytes) -> bytes``, optionally another Content-Type."""

    def __init__(self, body: Callable[[bytes], bytes], content_type: str | None = None) -> None:
        self.body, self.content_type = body, content_type

    def answer(self, site: "FaultPortal", target: str) -> Response:
        page = site.page(target)
        return page._replace(body=self.body(page.body), content_type=self.content_type or page.content_type)


class Alias(Fault):
    """Another URL's page (a case-insensitive server, an old address still served)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def answer(self, site: "FaultPortal", target: str) -> Response:
        return site.page(self.path)


class Hang(Fault):
    """Accept the connection, read the request, never answer."""

    raw = True

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        site.release.wait(HOLD)


class _Partial(Fault):
    raw = True

    def head(self, handler: _Handler, page: Response, length: int | None) -> None:
        handler.send_response(page.status)
        handler.send_header("Content-Type", page.content_type)
        if length is not None:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()


class StallMidBody(_Partial):
    """Headers and half the page, then silence (the connection stays open)."""

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        page = site.page(target)
        self.head(handler, page, len(page.body))
        handler.wfile.write(page.body[: len(page.body) // 2])
        handler.wfile.flush()
        site.release.wait(HOLD)


class Truncated(_Partial):
    """Content-Length of the whole page, half of it sent, then the connection closed."""

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        page = site.page(target)
        self.head(handler, page, len(page.body))
        handler.wfile.write(page.body[: len(page.body) // 2])
        handler.wfile.flush()


class Reset(_Partial):
    """Half the page, then a TCP reset (RST, SO_LINGER 0)."""

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        page = site.page(target)
        self.head(handler, page, len(page.body))
        handler.wfile.write(page.body[: len(page.body) // 2])
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()


CHUNK = b"A" * 65536


class Huge(_Partial):
    """The real article with ``size`` bytes of inline base64 image pasted into it, Content-Length given."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        page = site.page(target)
        head, tail = page.body.split(b"</p>", 1)
        head += b'<img src="data:image/png;base64,'
        tail = b'" alt="x"></p>' + tail
        self.head(handler, page, len(head) + self.size + len(tail))
        try:
            handler.wfile.write(head)
            for _ in range(self.size // len(CHUNK)):
                handler.wfile.write(CHUNK)
                self.sent += len(CHUNK)
            handler.wfile.write(CHUNK[: self.size % len(CHUNK)] + tail)
        except OSError:  # the crawler hung up
            pass


class Endless(_Partial):
    """200, no Content-Length, bytes until the client hangs up (or ``limit`` bytes, or HOLD seconds)."""

    def __init__(self, limit: int = 1 << 30) -> None:
        self.limit = limit
        self.sent = 0

    def serve(self, handler: _Handler, site: "FaultPortal", target: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Connection", "close")
        handler.end_headers()
        deadline = time.monotonic() + HOLD
        try:
            handler.wfile.write(b"<html><body><p>")
            while self.sent < self.limit and time.monotonic() < deadline and not site.release.is_set():
                handler.wfile.write(CHUNK)
                self.sent += len(CHUNK)
        except OSError:
            pass


class _FaultHandler(_Handler):
    def _respond(self, send_body: bool) -> None:
        site: FaultPortal = self.server.portal  # type: ignore[attr-defined]
        site.hits.append((self.path, time.monotonic()))
        fault = site.fault_for(self.path)
        if fault is not None and fault.raw:
            site._count()
            self.close_connection = True
            fault.serve(self, site, self.path)
            return
        super()._respond(send_body)


class FaultPortal(DemoPortal):
    """The demo portal with faults per URL (see the module docstring)."""

    def __init__(self, articles: list[DemoArticle], page_size: int = 10, portal_id: str = "fault-portal") -> None:
        super().__init__(articles, page_size=page_size)
        self.portal_id = portal_id
        self.routes: dict[str, Fault] = {}
        self.hits: list[tuple[str, float]] = []
        self.release = threading.Event()

    def on(self, path: str, fault: Fault) -> Fault:
        self.routes[path] = fault
        return fault

    def fault_for(self, target: str) -> Fault | None:
        return self.routes.get(target) or self.routes.get(urlsplit(target).path)

    def page(self, target: str) -> Response:
        """The page the demo portal serves for ``target`` (no fault)."""
        return super().handle(target)

    def handle(self, target: str) -> Response:
        fault = self.fault_for(target)
        if fault is not None and not fault.raw:
            return fault.answer(self, target)
        return super().handle(target)

    def start(self) -> str:
        base = super().start()
        self._server.RequestHandlerClass = _FaultHandler  # type: ignore[union-attr]
        return base

    def stop(self) -> None:
        self.release.set()
        super().stop()

    def hits_of(self, path: str) -> list[float]:
        return [t for target, t in self.hits if urlsplit(target).path == path]

    def registry_entry(self) -> dict[str, Any]:
        return {**super().registry_entry(), "id": self.portal_id, "name": f"Quận Lỗi ({self.portal_id})"}
