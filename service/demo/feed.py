"""A stand-in for the QR vendor's API, for ``voice demo``: serves a JSON file in pages on loopback.

``GET /api/feedback?per_page=100&cursor=...`` answers ``{"data": [...], "next_cursor": ...}``
and needs ``Authorization: Bearer <token>``. It listens on 127.0.0.1 on a free port and runs
only while the demo pulls from it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

FEED_PATH = "/api/feedback"


@contextmanager
def serve_feed(path: Path, token: str) -> Iterator[str]:
    """Serve the records in the JSON file ``path`` page by page; yield the feed's URL."""
    records = json.loads(path.read_text(encoding="utf-8"))
    handler = type("FeedHandler", (_FeedHandler,), {"records": records, "token": token})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-qr-feed", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{FEED_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _FeedHandler(BaseHTTPRequestHandler):
    records: ClassVar[list[dict[str, Any]]] = []
    token: ClassVar[str] = ""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != FEED_PATH:
            return self._send(404, {"error": "not found"})
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(401, {"error": "a valid bearer token is required"})
        query = parse_qs(url.query)
        size = min(int(query.get("per_page", ["100"])[0]), 500)
        start = int(query.get("cursor", ["0"])[0] or 0)
        page = self.records[start:start + size]
        following = start + size if start + size < len(self.records) else None
        return self._send(200, {"data": page, "next_cursor": str(following) if following is not None else None})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo feed: " + format, *args)
