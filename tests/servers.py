"""Local HTTP servers for tests: saved portal pages on 127.0.0.1, port 0, never the network."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def send_body(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", content_type: str | None = None,
              headers: dict[str, str] | None = None) -> None:
    """Answer a test handler's request with ``body`` (Content-Length always set, so clients never wait for a close)."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serves a saved site; extension-less HTML files (HTTrack's truncated names) as text/html."""

    def guess_type(self, path: str) -> str:
        guessed, _ = mimetypes.guess_type(path)
        if guessed:
            return "text/html; charset=utf-8" if guessed == "text/html" else guessed
        try:
            with open(path, "rb") as handle:
                head = handle.read(512).lstrip(b"\xef\xbb\xbf \r\n\t").lower()
        except OSError:
            return "application/octet-stream"
        return "text/html; charset=utf-8" if head.startswith((b"<!doctype", b"<html", b"<!--")) else "application/octet-stream"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self.server.requests.append((self.path, code))  # type: ignore[attr-defined]
        self.server.user_agents.add(self.headers.get("User-Agent", ""))  # type: ignore[attr-defined]
        super().send_response(code, message)


class StaticSite:
    """A threaded ``http.server`` on 127.0.0.1 (free port) serving ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.server: ThreadingHTTPServer | None = None
        self.requests: list[tuple[str, int]] = []  # (path with query, status), in arrival order
        self.user_agents: set[str] = set()

    def __enter__(self) -> "StaticSite":
        handler = partial(_StaticHandler, directory=str(self.directory))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.requests = self.requests  # type: ignore[attr-defined]
        self.server.user_agents = self.user_agents  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class _FailingHandler(SimpleHTTPRequestHandler):
    """Answers every request with the same error status (a portal whose server is broken)."""

    status = 500

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.requests.append((self.path, self.status))  # type: ignore[attr-defined]
        send_body(self, self.status, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html; charset=utf-8")

    def log_message(self, format: str, *args: object) -> None:
        pass


class FailingSite(StaticSite):
    """A server on 127.0.0.1 that answers 500 to everything, robots.txt included."""

    def __init__(self) -> None:
        super().__init__(Path("."))

    def __enter__(self) -> "FailingSite":
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingHandler)
        self.server.requests = self.requests  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self


@contextmanager
def redis_server(binary: str, directory: Path | None = None, timeout: float = 10) -> Iterator[str]:
    """A throw-away ``redis-server`` on 127.0.0.1 at a free port, no persistence; yields its URL.

    Shared by the distributed-crawl test and the ingest/distributed benchmarks.
    """
    import socket
    import subprocess
    import time

    import redis

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(args + (["--dir", str(directory)] if directory else []),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
