"""The OSV API over real HTTP on a loopback port."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from gates.osv.loader import load_database
from gates.osv.server import OsvApi, RunningMirror
from tests.osv.support import ASSET_DB


@pytest.fixture(scope="module")
def mirror() -> Iterator[RunningMirror]:
    db = load_database(ASSET_DB)
    with RunningMirror(OsvApi(db.index, db.snapshot)) as running:
        yield running


def request(mirror: RunningMirror, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    host, port = mirror.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        payload = response.read()
        assert response.getheader("Content-Type") == "application/json"
        return response.status, json.loads(payload)
    finally:
        conn.close()


def post(mirror: RunningMirror, path: str, doc: Any) -> tuple[int, Any]:
    return request(mirror, "POST", path, json.dumps(doc).encode())


def test_query_returns_matching_advisories_with_normalised_names(mirror: RunningMirror) -> None:
    status, body = post(
        mirror, "/v1/query", {"package": {"name": "Requests", "ecosystem": "PyPI"}, "version": "2.19.0"}
    )
    assert status == 200
    assert sorted(v["id"] for v in body["vulns"]) == ["PYSEC-2018-28", "PYSEC-2023-74"]
    assert all(a["package"]["name"] == "requests" for v in body["vulns"] for a in v["affected"])
    assert "CVE-2023-32681" in next(v for v in body["vulns"] if v["id"] == "PYSEC-2023-74")["aliases"]


def test_query_clean_version_is_an_empty_object(mirror: RunningMirror) -> None:
    assert post(mirror, "/v1/query", {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.31.0"}) == (
        200,
        {},
    )


def test_withdrawn_advisory_is_not_served_by_query_but_by_id(mirror: RunningMirror) -> None:
    assert post(mirror, "/v1/query", {"package": {"name": "redis", "ecosystem": "PyPI"}, "version": "1.34"}) == (
        200,
        {},
    )
    status, body = request(mirror, "GET", "/v1/vulns/PYSEC-2023-73")
    assert status == 200 and body["withdrawn"]


def test_purl_query(mirror: RunningMirror) -> None:
    status, body = post(mirror, "/v1/query", {"package": {"purl": "pkg:pypi/py@1.11.0"}})
    assert status == 200 and [v["id"] for v in body["vulns"]] == ["PYSEC-2022-42969"]


def test_querybatch(mirror: RunningMirror) -> None:
    status, body = post(mirror, "/v1/querybatch", {"queries": [
        {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3.1"},
        {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "6.0"}]})
    assert status == 200
    assert body["results"][0]["vulns"][0]["id"] == "PYSEC-2021-142" and body["results"][1] == {}


def test_get_by_alias_and_unknown_id(mirror: RunningMirror) -> None:
    status, body = request(mirror, "GET", "/v1/vulns/CVE-2018-18074")
    assert status == 200 and body["id"] == "PYSEC-2018-28"
    assert request(mirror, "GET", "/v1/vulns/PYSEC-0000-0")[0] == 404


def test_snapshot_endpoint(mirror: RunningMirror) -> None:
    status, body = request(mirror, "GET", "/v1/snapshot")
    assert status == 200 and body["advisories"] == 12 and body["description"]


@pytest.mark.parametrize("raw, fragment", [
    (b"{not json", "invalid request"),
    (b"[]", "JSON object"),
    (b'{"version": "1.0"}', "'package'"),
    (b'{"package": {"name": "x", "ecosystem": "npm"}, "version": "1"}', "only PyPI"),
    (b'{"package": {"name": "", "ecosystem": "PyPI"}}', "package.name"),
    (b'{"package": {"name": "x", "ecosystem": "PyPI"}, "version": 3}', "'version'"),
    (b'{"commit": "abc"}', "commit queries"),
    (b'{"package": {"purl": "pkg:npm/x@1"}}', "pkg:pypi"),
    (b"\xff\xfe", "invalid request"),
])
def test_bad_queries_get_400_with_a_json_error(mirror: RunningMirror, raw: bytes, fragment: str) -> None:
    status, body = request(mirror, "POST", "/v1/query", raw)
    assert status == 400 and body["code"] == 3 and fragment in body["message"]


def test_bad_batch_gets_400(mirror: RunningMirror) -> None:
    status, body = post(mirror, "/v1/querybatch", {"queries": "nope"})
    assert status == 400 and "queries" in body["message"]


def test_unknown_paths_get_404(mirror: RunningMirror) -> None:
    assert request(mirror, "POST", "/v2/query", b"{}")[0] == 404
    assert request(mirror, "GET", "/nothing")[0] == 404


def test_missing_or_oversized_content_length_gets_400(mirror: RunningMirror) -> None:
    host, port = mirror.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.putrequest("POST", "/v1/query")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 400 and "Content-Length" in json.loads(response.read())["message"]
    conn.close()
    status, body = request(mirror, "POST", "/v1/query", b"{}", headers={"Content-Length": str(10 ** 9)})
    assert status == 400


def test_keep_alive_serves_several_requests_on_one_connection(mirror: RunningMirror) -> None:
    host, port = mirror.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    for version in ("2.19.0", "2.31.0", "bad json"):
        body = b"{" if version == "bad json" else json.dumps(
            {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": version}).encode()
        conn.request("POST", "/v1/query", body=body)
        response = conn.getresponse()
        response.read()
        assert response.status == (400 if version == "bad json" else 200)
    conn.close()


def test_concurrent_clients_get_consistent_answers(mirror: RunningMirror) -> None:
    from concurrent.futures import ThreadPoolExecutor

    queries = [("requests", "2.19.0", ["PYSEC-2018-28", "PYSEC-2023-74"]), ("requests", "2.31.0", []),
               ("urllib3", "1.26.5", ["PYSEC-2023-192"]), ("py", "1.11.0", ["PYSEC-2022-42969"])] * 25

    def ask(item: tuple[str, str, list[str]]) -> bool:
        status, body = post(
            mirror, "/v1/query", {"package": {"name": item[0], "ecosystem": "PyPI"}, "version": item[1]}
        )
        return status == 200 and sorted(v["id"] for v in body.get("vulns", [])) == item[2]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(ask, queries))
