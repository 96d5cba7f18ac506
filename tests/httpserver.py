"""A local HTTP server that serves files the way publishers do, and fails the ways they do.

Paths: /data/P serves P (with ETag and Last-Modified, answering 304 to conditional requests);
/redirect/P answers 302 to /data/P; /html/P an HTML error page with status 200;
/flaky/N/P fails N times with 500 then serves P; /truncate/P sends half of P;
/down/P always 503; /ua/P demands a browser User-Agent (403 otherwise).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class ListServer:
    """Serve `root` on a free loopback port for the duration of a `with` block."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                server.hits[self.path] += 1
                server.requests.append({"path": self.path, **dict(self.headers.items())})
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ListServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        kind, _, rest = req.path.lstrip("/").partition("/")
        if kind == "redirect":
            req.send_response(302)
            req.send_header("Location", f"/data/{rest}")
            req.end_headers()
        elif kind == "down":
            self._send(req, 503, b"Service Unavailable", "text/plain")
        elif kind == "html":
            page = b"<!DOCTYPE html><html><body><h1>Request blocked</h1></body></html>"
            self._send(req, 200, page, "text/html")
        elif kind == "flaky":
            count, _, path = rest.partition("/")
            if self.hits[req.path] <= int(count):
                self._send(req, 500, b"Internal Server Error", "text/plain")
            else:
                self._serve(req, path)
        elif kind == "truncate":
            data = (self.root / rest).read_bytes()
            req.send_response(200)
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data[: len(data) // 2])
            req.close_connection = True
        elif kind == "ua":
            if req.headers.get("User-Agent", "").startswith("Mozilla/"):
                self._serve(req, rest)
            else:
                self._send(req, 403, b"Forbidden", "text/plain")
        elif kind == "data":
            self._serve(req, rest)
        else:
            self._send(req, 404, b"Not Found", "text/plain")

    def _serve(self, req: BaseHTTPRequestHandler, rel: str) -> None:
        path = self.root / rel
        if not path.is_file():
            self._send(req, 404, b"Not Found", "text/plain")
            return
        data = path.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        if req.headers.get("If-None-Match") == etag:
            req.send_response(304)
            req.send_header("ETag", etag)
            req.end_headers()
            return
        req.send_response(200)
        req.send_header("Content-Length", str(len(data)))
        req.send_header("ETag", etag)
        req.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
        req.send_header("Content-Type", "application/octet-stream")
        req.end_headers()
        req.wfile.write(data)

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
