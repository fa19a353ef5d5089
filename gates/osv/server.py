"""A small OSV-compatible HTTP API over an :class:`AdvisoryIndex` (standard library only).

Routes (the subset of https://google.github.io/osv.dev/api/ that pip-audit and people use):

* ``POST /v1/query``      ``{"package": {"name", "ecosystem"} | {"purl"}, "version"?}``
  -> ``{"vulns": [advisory, ...]}`` or ``{}`` (what pip-audit's ``--osv-url`` calls);
* ``POST /v1/querybatch`` ``{"queries": [query, ...]}`` -> ``{"results": [{"vulns": [{"id", "modified"}]}]}``;
* ``GET /v1/vulns/{id}``  one advisory (by id or alias) or 404;
* ``GET /v1/snapshot``    which database snapshot is served.

Bad requests get a 400 with ``{"code": 3, "message": ...}`` (OSV's error shape). Only PyPI is
served: a query for another ecosystem is a 400, never an empty (falsely clean) answer.
Served advisories carry the PEP 503 normalised package name in ``affected[].package.name``,
because pip-audit compares that field with the normalised name to find the fix versions.
Range events whose version is not PEP 440 (binderhub's ``fixed: 0.2.0-n653``) are left out of
the served copy, noted in the range's ``database_specific``: pip-audit parses every ``fixed``
version and crashes on them. The matcher already counts such a range as affecting every
version (fail closed), and the gate's finding says why.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from gates.osv.index import ECOSYSTEM, Advisory, AdvisoryIndex
from gates.osv.matcher import parse_version
from gates.osv.snapshot import SnapshotInfo

MAX_BODY = 1 << 20
MAX_BATCH = 1000


def _drop_unreadable_events(affected: Any) -> None:
    """Remove non-PEP 440 events from the ECOSYSTEM/SEMVER ranges of one served ``affected`` entry."""
    for rng in affected.get("ranges") or ():
        if not isinstance(rng, dict) or rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        kept: list[Any] = []
        dropped: list[Any] = []
        for event in rng.get("events") or ():
            readable = all(str(v) in ("0", "*") or parse_version(str(v), semver=rng["type"] == "SEMVER") is not None
                           for v in dict(event).values())
            (kept if readable else dropped).append(event)
        if dropped:
            rng["events"] = kept
            rng["database_specific"] = {**(rng.get("database_specific") or {}),
                                        "secure_ai_gates_unreadable_events": dropped}


class BadQuery(ValueError):
    """A request the API cannot answer; the message goes back in the 400 body."""


def parse_query(query: Any) -> tuple[str, str | None]:
    """The (package name, version or None) a query object asks about."""
    if not isinstance(query, dict):
        raise BadQuery("a query must be a JSON object")
    if "commit" in query:
        raise BadQuery("commit queries are not supported by this mirror; query a package and version")
    package = query.get("package")
    version = query.get("version")
    if not isinstance(package, dict):
        raise BadQuery("'package' must be an object with 'name' and 'ecosystem', or 'purl'")
    if version is not None and (not isinstance(version, str) or not version):
        raise BadQuery("'version' must be a non-empty string")
    purl = package.get("purl")
    if purl is not None:
        if not isinstance(purl, str) or not purl.lower().startswith("pkg:pypi/"):
            raise BadQuery("only pkg:pypi/ package URLs are served")
        name, _, purl_version = purl[len("pkg:pypi/"):].split("?")[0].partition("@")
        if purl_version and version:
            raise BadQuery("give the version either in the purl or in 'version', not both")
        return unquote(name), unquote(purl_version) if purl_version else version
    given, ecosystem = package.get("name"), package.get("ecosystem")
    if not isinstance(given, str) or not given.strip():
        raise BadQuery("'package.name' must be a non-empty string")
    if ecosystem != ECOSYSTEM:
        raise BadQuery(f"'package.ecosystem' must be {ECOSYSTEM!r}: this mirror serves only PyPI advisories")
    return given.strip(), version


class OsvApi:
    """The request logic, independent of HTTP plumbing (also used directly by tests and the gate)."""

    def __init__(self, index: AdvisoryIndex, snapshot: SnapshotInfo) -> None:
        self.index = index
        self.snapshot = snapshot
        self._served: dict[str, bytes] = {}

    def served_bytes(self, advisory: Advisory) -> bytes:
        """The advisory as served (normalised package names), JSON-encoded once and cached."""
        cached = self._served.get(advisory.id)
        if cached is None:
            doc = copy.deepcopy(dict(advisory.raw))
            for raw, entry in zip([a for a in doc.get("affected") or () if isinstance(a, Mapping)], advisory.affected):
                if isinstance(raw.get("package"), dict) and entry.ecosystem == ECOSYSTEM:
                    raw["package"]["name"] = entry.name
                    _drop_unreadable_events(raw)
            cached = self._served[advisory.id] = json.dumps(doc, separators=(",", ":")).encode()
        return cached

    def query(self, body: Any) -> bytes:
        """Answer ``POST /v1/query``."""
        name, version = parse_query(body)
        found = self.index.query(name, version)
        if not found:
            return b"{}"
        return b'{"vulns":[' + b",".join(self.served_bytes(a) for a in found) + b"]}"

    def querybatch(self, body: Any) -> bytes:
        """Answer ``POST /v1/querybatch`` (ids and modified dates only, as OSV does)."""
        queries = body.get("queries") if isinstance(body, dict) else None
        if not isinstance(queries, list) or len(queries) > MAX_BATCH:
            raise BadQuery(f"'queries' must be a list of at most {MAX_BATCH} queries")
        results = []
        for query in queries:
            found = self.index.query(*parse_query(query))
            results.append({"vulns": [{"id": a.id, "modified": a.raw.get("modified")} for a in found]} if found else {})
        return json.dumps({"results": results}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms delayed-ACK stalls
    server: MirrorHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.log_requests:
            super().log_message(format, *args)

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"code": 3 if status == 400 else 5, "message": message}).encode())

    def do_POST(self) -> None:  # noqa: N802 - stdlib hook name
        api = self.server.api
        routes = {"/v1/query": api.query, "/v1/querybatch": api.querybatch}
        route = routes.get(self.path.split("?")[0])
        length_text = self.headers.get("Content-Length")
        try:
            length = int(length_text) if length_text is not None else -1
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._error(400, f"a request body with a Content-Length of at most {MAX_BODY} bytes is required")
            return
        raw = self.rfile.read(length)
        if route is None:
            self._error(404, f"no such endpoint: POST {self.path}")
            return
        try:
            body = json.loads(raw)
            self._send(200, route(body))
        except (ValueError, BadQuery) as exc:
            self._error(400, f"invalid request: {exc}")

    def do_GET(self) -> None:  # noqa: N802 - stdlib hook name
        api = self.server.api
        path = self.path.split("?")[0]
        if path in ("/v1/snapshot", "/"):
            self._send(200, json.dumps(api.snapshot.as_dict()).encode())
        elif path.startswith("/v1/vulns/"):
            advisory = api.index.get(unquote(path[len("/v1/vulns/"):]))
            if advisory is None:
                self._error(404, "Bug not found.")
            else:
                self._send(200, api.served_bytes(advisory))
        else:
            self._error(404, f"no such endpoint: GET {self.path}")


class MirrorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer carrying the API object."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: OsvApi, *, log_requests: bool = False) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.log_requests = log_requests

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the bound socket."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def query_url(self) -> str:
        """The URL to give pip-audit's ``--osv-url``."""
        return self.base_url + "/v1/query"


class RunningMirror:
    """A mirror serving from a background thread; use as a context manager."""

    def __init__(self, api: OsvApi, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False) -> None:
        self.server = MirrorHTTPServer((host, port), api, log_requests=log_requests)
        self._thread = threading.Thread(target=self.server.serve_forever, name="osv-mirror", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the socket."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningMirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
