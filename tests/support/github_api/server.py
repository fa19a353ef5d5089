"""The HTTP side: dispatch, validation, simulated faults, token permissions, pagination."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.github_api import spec
from tests.support.github_api.auth import FULL_ACCESS, authorize, bearer_token
from tests.support.github_api.paging import paginate
from tests.support.github_api.validate import check_request


@dataclass
class ApiRequest:
    """What a route handler sees: the matched operation and the validated, typed request."""

    method: str
    path: str
    operation_id: str
    path_params: dict[str, Any]
    query: dict[str, Any]
    headers: Mapping[str, str]
    body: Any
    token: str | None


@dataclass
class Reply:
    """A handler's answer. A list body on a paginated operation is paged by the server;
    ``page_key`` pages the list inside an object body (e.g. ``check_runs``)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    page_key: str | None = None


@dataclass
class Fault:
    """A simulated failure for ``times`` matching requests."""

    key: str
    status: int
    times: int
    headers: dict[str, str]
    message: str


@dataclass(frozen=True)
class Call:
    """One request as received (the Authorization header redacted)."""

    method: str
    path: str
    operation_id: str | None
    query: str
    headers: Mapping[str, str]
    body: Any
    status: int
    at: float


Handler = Callable[[ApiRequest], Reply]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    api: ApiCore

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, headers = self.api.dispatch(self.command, self.path, dict(self.headers.items()), body)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class ApiCore:
    """Routing, validation, faults and permissions; :class:`GitHubAPIServer` adds the socket."""

    def __init__(self, require_api_version: bool = True) -> None:
        self.require_api_version = require_api_version
        self.routes: dict[str, Handler] = {}
        self.tokens: dict[str, Mapping[str, str]] = {}
        self.faults: list[Fault] = []
        self.violations: list[str] = []
        self.calls: list[Call] = []
        self.url = ""
        self.lock = threading.RLock()

    # -- configuration ------------------------------------------------------------------------
    def route(self, key: str, handler: Handler) -> None:
        """Serve ``key`` (an operationId or ``"METHOD /template"`` from the description)."""
        self.routes[self._op_for(key).operation_id] = handler

    def add_token(self, token: str, grants: Mapping[str, str] = FULL_ACCESS) -> None:
        """Accept ``token`` with GitHub App style ``grants`` ({"checks": "write", ...})."""
        self.tokens[token] = dict(grants)

    def fail(self, key: str, status: int, *, times: int = 1, message: str | None = None,
             headers: Mapping[str, str] | None = None) -> None:
        """Answer the next ``times`` requests for ``key`` with ``status`` (after validation)."""
        text = message or {401: "Bad credentials", 403: "Resource not accessible by integration",
                           404: "Not Found", 500: "Server Error", 502: "Server Error",
                           503: "Service Unavailable"}.get(status, "Error")
        with self.lock:
            self.faults.append(Fault(self._op_for(key).operation_id, status, times, dict(headers or {}), text))

    def rate_limit(self, key: str, *, times: int = 1, retry_after: int | None = None,
                   reset_in: int | None = None, status: int = 403) -> None:
        """Simulate a secondary (``retry_after``) or primary (``reset_in``) rate limit."""
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if reset_in is not None:
            headers.update({"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Used": "5000", "X-RateLimit-Reset": str(int(time.time()) + reset_in),
                            "X-RateLimit-Resource": "core"})
        message = ("API rate limit exceeded for installation ID 1." if reset_in is not None else
                   "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
        self.fail(key, status, times=times, message=message, headers=headers)

    def take_violations(self) -> list[str]:
        """The violations recorded so far, clearing them (for tests that expect some)."""
        with self.lock:
            found, self.violations = self.violations, []
        return found

    def assert_no_violations(self) -> None:
        """Fail with every recorded violation listed."""
        if self.violations:
            raise AssertionError("requests or responses violated GitHub's OpenAPI description:\n"
                                 + "\n".join(self.violations))

    def calls_to(self, key: str) -> list[Call]:
        """The calls that matched ``key``."""
        op_id = self._op_for(key).operation_id
        return [c for c in self.calls if c.operation_id == op_id]

    @staticmethod
    def _op_for(key: str) -> spec.Operation:
        if " " in key:
            method, template = key.split(" ", 1)
            for op in spec.operations():
                if op.method == method.upper() and op.template == template:
                    return op
            raise KeyError(f"no operation {key!r} in the description")
        return spec.by_id(key)

    # -- one request ---------------------------------------------------------------------------
    def dispatch(self, method: str, target: str, headers: Mapping[str, str],
                 body: bytes) -> tuple[int, Any, dict[str, str]]:
        split = urllib.parse.urlsplit(target)
        op, raw_params, known = spec.match(method, split.path)
        status, payload, out_headers = self._answer(method, split, op, raw_params, known, headers, body)
        shown = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in headers.items()}
        try:
            parsed_body = json.loads(body) if body.strip() else None
        except ValueError:
            parsed_body = body.decode("utf-8", "replace")
        with self.lock:
            self.calls.append(Call(method, split.path, op.operation_id if op else None, split.query,
                                   shown, parsed_body, status, time.time()))
        return status, payload, out_headers

    def _violation(self, method: str, path: str, what: list[str]) -> None:
        with self.lock:
            self.violations.extend(f"{method} {path}: {problem}" for problem in what)

    def _answer(self, method: str, split: urllib.parse.SplitResult, op: spec.Operation | None,
                raw_params: dict[str, str], known: bool, headers: Mapping[str, str],
                body: bytes) -> tuple[int, Any, dict[str, str]]:
        if op is None:
            what = "method not defined for this path" if known else "no such path in the description"
            self._violation(method, split.path, [what])
            return 404, {"message": "Not Found", "status": "404"}, {}
        checked = check_request(op, raw_params, split.query, headers, body, self.require_api_version)
        if checked.problems:
            self._violation(method, split.path, checked.problems)
            return 422, {"message": "Invalid request.\n\n" + "\n".join(checked.problems),
                         "documentation_url": "https://docs.github.com/rest", "status": "422"}, {}
        fault = self._take_fault(op.operation_id)
        if fault is not None:
            return fault.status, {"message": fault.message, "status": str(fault.status),
                                  "documentation_url": "https://docs.github.com/rest"}, dict(fault.headers)
        token = bearer_token(headers)
        denied = authorize(self.tokens, op.operation_id, token)
        if denied is not None:
            return denied
        handler = self.routes.get(op.operation_id)
        if handler is None:
            self._violation(method, split.path, [f"no handler registered for {op.operation_id}"])
            return 501, {"message": f"{op.operation_id} not implemented by the test server"}, {}
        request = ApiRequest(method, split.path, op.operation_id, checked.path_params, checked.query,
                             headers, checked.body, token)
        with self.lock:
            reply = handler(request)
        return self._finish(op, request, reply, split)

    def _take_fault(self, operation_id: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.key == operation_id and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _finish(self, op: spec.Operation, request: ApiRequest, reply: Reply,
                split: urllib.parse.SplitResult) -> tuple[int, Any, dict[str, str]]:
        headers = dict(reply.headers)
        body = reply.body
        if 200 <= reply.status < 300 and "page" in op.params("query"):
            body, link = paginate(body, reply.page_key, request.query, self.url + split.path, split.query)
            if link:
                headers["Link"] = link
        if 200 <= reply.status < 300 and not op.declares(reply.status):
            self._violation(request.method, split.path,
                            [f"response: status {reply.status} not declared for {op.operation_id}"])
        schema = op.response_schema(reply.status)
        if schema is not None:
            found = spec.problems(op, f"response:{reply.status}", schema, body, "response")
            if found:
                self._violation(request.method, split.path, found)
                return 500, {"message": "test server fixture violates the description",
                             "errors": found}, {}
        return reply.status, body, headers


class GitHubAPIServer(ApiCore):
    """:class:`ApiCore` served by a ThreadingHTTPServer on 127.0.0.1 (a free port)."""

    def __init__(self, require_api_version: bool = True) -> None:
        super().__init__(require_api_version)
        handler = type("Handler", (_RequestHandler,), {"api": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="github-api", daemon=True)

    def start(self) -> GitHubAPIServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> GitHubAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
