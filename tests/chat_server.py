"""A stand-in OpenAI-compatible chat-completions server on 127.0.0.1, for the chat coder's tests.

It codes comments with a few fixed keyword rules (deterministic), keeps every request body it
received, and misbehaves on demand: each entry of ``failures`` is used by one request, in order
("429" with Retry-After, "500", "malformed" JSON, "unknown" topic ids, "slow" past any timeout).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RULES = (
    (re.compile(r"police|patrol|officer", re.I), "police_presence"),
    (re.compile(r"cctv|camera", re.I), "cctv"),
    (re.compile(r"drug|dealing|weed", re.I), "drugs"),
    (re.compile(r"light", re.I), "street_lighting"),
)


def code_comment(text: str) -> list[str]:
    """The stand-in model's answer for one comment."""
    topics = [topic for pattern, topic in RULES if pattern.search(text)]
    return topics or ["other"]


class ChatServer:
    """See the module docstring; ``url`` is the base URL to configure (ends in /v1)."""

    def __init__(self) -> None:
        server = self
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.failures: list[str] = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with server.lock:
                    server.bodies.append(body)
                    server.headers.append(dict(self.headers))
                    failure = server.failures.pop(0) if server.failures else ""
                status, headers, payload = server.answer(self.path, body, failure)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    data = payload.encode("utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, path: str, body: dict, failure: str) -> tuple[int, dict, str]:
        """The reply to one request: a chat completion, or the failure asked for."""
        if path != "/v1/chat/completions":
            return 404, {}, "{}"
        if failure == "429":
            return 429, {"Retry-After": "0.05"}, '{"error": "slow down"}'
        if failure == "500":
            return 500, {}, '{"error": "boom"}'
        if failure == "slow":
            time.sleep(1.5)
        comments = json.loads(body["messages"][-1]["content"])
        if failure == "malformed":
            content = '{"results": [{"id": "c1", "topics": ["police_presence"]'
        elif failure == "unknown":
            content = json.dumps({"results": [{"id": c["id"], "topics": ["made_up_topic"], "reason": "?"}
                                              for c in comments]})
        else:
            content = json.dumps({"results": [{"id": c["id"], "topics": code_comment(c["text"]),
                                               "reason": "keyword rule"} for c in comments]})
        reply = {"choices": [{"message": {"role": "assistant", "content": content}}],
                 "usage": {"total_tokens": 40 * len(comments)}}
        return 200, {"Content-Type": "application/json"}, json.dumps(reply)

    def sent_texts(self) -> list[str]:
        """Every comment text the server received, in order."""
        return [c["text"] for body in self.bodies for c in json.loads(body["messages"][-1]["content"])]

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
