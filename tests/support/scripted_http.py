"""A tiny scripted HTTP server on loopback for client tests (503 twice then 200, ...).

    with scripted_server([Answer(503), Answer(503), Answer(200, body=...)]) as server:
        client.send("hi")           # real HTTP to server.url
        server.requests             # what arrived: method, path, headers, body

When the script runs out, the last answer repeats.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def chat_body(text: str) -> bytes:
    """An OpenAI chat-completions body whose reply is ``text``."""
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}).encode()


@dataclass(frozen=True)
class Answer:
    """One scripted response."""

    status: int = 200
    body: bytes = field(default_factory=lambda: chat_body("ok"))
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer(ThreadingHTTPServer):
    """Answers requests from a script and records them."""

    daemon_threads = True

    def __init__(self, script: Sequence[Answer], tls: tuple[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.script = list(script)
        self.requests: list[Received] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def next_answer(self, received: Received) -> Answer:
        with self.lock:
            self.requests.append(received)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one segment per reply: no 40 ms delayed-ACK stall
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server: ScriptedServer = self.server  # type: ignore[assignment]
        answer = server.next_answer(Received("POST", self.path, dict(self.headers), body, time.monotonic()))
        if answer.delay_s:
            time.sleep(answer.delay_s)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        try:
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextlib.contextmanager
def scripted_server(script: Sequence[Answer], tls: tuple[str, str] | None = None) -> Iterator[ScriptedServer]:
    """Serve ``script`` on a free loopback port until the block ends (HTTPS with ``tls=(cert, key)``)."""
    server = ScriptedServer(script, tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
