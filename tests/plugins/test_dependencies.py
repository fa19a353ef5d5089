"""The dependencies gate with real pip-audit against the project's OSV mirror.

The expected vulnerabilities are computed from the advisory YAML files themselves with a
deliberately simple oracle (pairwise introduced/fixed walk in file order, plus the explicit
version lists), independent of :mod:`gates.osv.matcher`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gates.config.settings import GitHubEnv
from gates.errors import GateError
from gates.model import Checked, Severity
from gates.osv import safety
from gates.osv.findings import SeverityLookup, merge, to_findings
from gates.osv.loader import AdvisoryDbError, load_database
from gates.osv.pipaudit import AuditedDependency, ReportedVuln
from gates.osv.safety import parse_safety
from gates.osv.server import OsvApi, RunningMirror
from gates.osv.sources import requirements_sources
from gates.plugins.base import GateContext
from gates.plugins.dependencies import DependenciesGate
from tests.osv.support import ASSET_DB, REPO, hashed, offline_wheels, shared_db, wheel, write_advisory

VULNERABLE = hashed("# pinned with hashes, known vulnerable in the Oct 2024 PyPA snapshot\nrequests==2.19.0\n"
                    "idna==3.20\nPyYAML==5.3.1\nurllib3==1.26.5\n")


def context(workspace: Path, **options: Any) -> GateContext:
    (workspace / ".work").mkdir(exist_ok=True)
    return GateContext(name="dependencies", workspace=workspace, options=options, report_dir=workspace / ".report",
                       work_dir=workspace / ".work", github=GitHubEnv(), deadline=time.monotonic() + 240,
                       log=lambda message: None)


def run_gate(workspace: Path, **options: Any) -> Checked:
    outcome = DependenciesGate().run(context(workspace, **options))
    assert isinstance(outcome, Checked), outcome
    return outcome


# --- the oracle ------------------------------------------------------------------------------

def _v(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def oracle(db: Path, package: str, version: str) -> dict[str, dict[str, Any]]:
    """{id: advisory} of the live advisories in ``db`` that affect ``package`` ``version``."""
    found = {}
    target = Version(version)
    for path in sorted((db / "vulns" / canonicalize_name(package)).glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506 - strings only
        if doc.get("withdrawn"):
            continue
        for affected in doc["affected"]:
            if canonicalize_name(affected["package"]["name"]) != canonicalize_name(package):
                continue
            hit = any(_v(v) == target for v in affected.get("versions") or [])
            for rng in affected.get("ranges") or []:
                if rng["type"] != "ECOSYSTEM":
                    continue
                low = None
                for event in rng["events"]:
                    if "introduced" in event:
                        low = _v(event["introduced"])
                    elif low is not None and "fixed" in event:
                        hit = hit or low <= target < Version(event["fixed"])
                        low = None
                    elif low is not None and "last_affected" in event:
                        hit = hit or low <= target <= Version(event["last_affected"])
                        low = None
                hit = hit or (low is not None and target >= low)
            if hit:
                found[doc["id"]] = doc
    return found


def fixed_versions(doc: Mapping[str, Any]) -> list[str]:
    return sorted({e["fixed"] for a in doc["affected"] for r in a.get("ranges") or [] if r["type"] == "ECOSYSTEM"
                   for e in r["events"] if "fixed" in e}, key=Version)


# --- against the shared PyPA snapshot ----------------------------------------------------------

@pytest.mark.slow
def test_pinned_vulnerable_versions_are_found_as_the_advisories_say(tmp_path: Path) -> None:
    db = shared_db()
    (tmp_path / "requirements.txt").write_text(VULNERABLE, encoding="utf-8")
    result = run_gate(tmp_path, **{"advisory-db": str(db)})
    pins = {"requests": ("2.19.0", 2), "idna": ("3.20", 3), "pyyaml": ("5.3.1", 4), "urllib3": ("1.26.5", 5)}
    assert result.checked == 4
    for package, (version, line) in pins.items():
        expected = oracle(db, package, version)
        got = {f.rule_id: f for f in result.findings if f.package == package}
        assert set(got) == set(expected), package
        for vid, finding in got.items():
            doc = expected[vid]
            above = [v for v in fixed_versions(doc) if Version(v) > Version(version)]
            assert finding.properties["fix_versions"] == above
            assert set(finding.aliases) == set(doc.get("aliases") or [])
            assert (finding.path, finding.line) == ("requirements.txt", line)
            assert finding.properties["installed_version"] == version
            assert finding.help_uri == f"https://osv.dev/vulnerability/{vid}" and finding.fingerprint
    assert {f.package for f in result.findings} == {"requests", "pyyaml", "urllib3"}  # idna 3.20 is clean
    assert {"PYSEC-2018-28", "PYSEC-2023-74", "PYSEC-2021-142", "PYSEC-2023-192"} <= {
        f.rule_id for f in result.findings
    }
    cvss = next(f for f in result.findings if f.rule_id == "PYSEC-2023-192")  # CVSS:3.1/.../C:H/I:H/A:N = 8.1
    assert cvss.severity is Severity.HIGH and cvss.properties["severity_source"] == "CVSS 8.1"
    assert result.metrics["advisory_db"]["commit"] == "3ccb6125" and "3ccb6125" in result.summary
    assert "| requests | 2.19.0 |" in result.details and result.tool_versions["pip-audit"]


@pytest.mark.slow
def test_the_demo_projects_pins_are_clean(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes((REPO / "examples" / "demo-project" / "requirements.txt").read_bytes())
    result = run_gate(tmp_path, **{"advisory-db": str(shared_db())})  # the report dir is inside the workspace
    assert result.findings == () and result.checked == 7
    assert result.summary.startswith("no known vulnerability in 7 dependencies")


# --- against the copied advisories (fast) ------------------------------------------------------

def test_missing_database_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(hashed("requests==2.19.0\n"), encoding="utf-8")
    with pytest.raises(AdvisoryDbError, match="not found"):
        DependenciesGate().run(context(tmp_path, **{"advisory-db": "no-such-db"}))


def test_unreachable_mirror_is_an_error_after_bounded_retries(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(hashed("requests==2.19.0\n"), encoding="utf-8")
    with RunningMirror(OsvApi(*_asset())) as mirror:
        url = mirror.server.query_url
    started = time.monotonic()
    with pytest.raises(GateError, match=r"unreachable after 2 attempt\(s\).*ConnectionError"):
        DependenciesGate().run(context(tmp_path, **{"osv-url": url, "retries": 1}))
    assert time.monotonic() - started < 15


def _asset() -> tuple[Any, Any]:
    db = load_database(ASSET_DB)
    return db.index, db.snapshot


class _FailingService(BaseHTTPRequestHandler):
    """Answers the gate's probe, then fails every real query with HTTP 500 (or hangs, for requests)."""

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = body["package"]["name"] == "pip"
        if not ok and body["package"]["name"] == "requests":
            time.sleep(8)
        payload = b"{}" if ok else b"boom"
        try:
            self.send_response(200 if ok else 500)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def failing_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingService)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def test_pip_audit_failure_is_an_error_with_its_cause(tmp_path: Path, failing_service: str) -> None:
    (tmp_path / "requirements.txt").write_text(hashed("pyyaml==5.3.1\n"), encoding="utf-8")
    with pytest.raises(GateError, match=r"could not audit requirements.txt after 2 attempt\(s\): .*500"):
        DependenciesGate().run(context(tmp_path, **{"osv-url": failing_service, "retries": 1}))


def test_service_timeout_is_an_error_naming_the_timeout(tmp_path: Path, failing_service: str) -> None:
    (tmp_path / "requirements.txt").write_text(hashed("requests==2.19.0\n"), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(GateError, match=r"after 1 attempt\(s\): .*(ReadTimeout|timed out)"):
        DependenciesGate().run(context(tmp_path, **{"osv-url": failing_service, "retries": 0, "request-timeout": "1s"}))
    assert time.monotonic() - started < 7  # bounded by request-timeout, not by the hanging service


def test_remote_mirror_and_severity_lookup_over_http(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(hashed("requests==2.19.0\nurllib3==1.26.5\n"), encoding="utf-8")
    with RunningMirror(OsvApi(*_asset())) as mirror:
        result = run_gate(tmp_path, **{"osv-url": mirror.server.query_url, "default-severity": "low"})
    by_id = {f.rule_id: f for f in result.findings}
    assert set(by_id) == {"PYSEC-2018-28", "PYSEC-2023-74", "PYSEC-2023-192"}
    assert by_id["PYSEC-2023-192"].severity is Severity.HIGH  # from the advisory's CVSS vector via GET /v1/vulns
    assert by_id["PYSEC-2018-28"].severity is Severity.LOW  # no severity stated: the configured default
    assert by_id["PYSEC-2018-28"].properties["severity_source"] == "default"
    assert mirror.server.query_url in result.summary


def test_lock_file_findings_land_on_the_lock_entry(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text('lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "idna"\n'
                                          'version = "3.20"\n\n[[packages]]\nname = "PyYAML"\nversion = "5.3.1"\n',
                                          encoding="utf-8")
    result = run_gate(tmp_path, **{"advisory-db": str(ASSET_DB)})
    assert result.checked == 2
    (finding,) = result.findings
    assert (finding.rule_id, finding.path, finding.line, finding.package) == (
        "PYSEC-2021-142",
        "pylock.toml",
        9,
        "pyyaml",
    )


def test_url_requirement_is_reported_as_not_audited(tmp_path: Path) -> None:
    digest = "--hash=sha256:" + "0" * 64
    (tmp_path / "requirements.txt").write_text(
        f"requests==2.31.0 {digest}\nmypkg @ https://example.invalid/mypkg-1.0-py3-none-any.whl {digest}\n",
        encoding="utf-8")
    result = run_gate(tmp_path, **{"advisory-db": str(ASSET_DB)})
    assert result.checked == 1
    (finding,) = result.findings
    assert finding.rule_id == "unaudited-dependency" and finding.severity is Severity.INFO and finding.line == 2


def test_nothing_to_audit_checks_nothing(tmp_path: Path) -> None:
    result = run_gate(tmp_path, **{"advisory-db": str(ASSET_DB)})
    assert result.checked == 0 and not result.findings and "no dependency source" in result.summary


def test_safety_enabled_but_missing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # safety comes with the test extra (tests/osv/test_safety_offline.py runs it): its absence cannot be real here
    monkeypatch.setattr(safety, "available", lambda: False)
    (tmp_path / "requirements.txt").write_text("requests==2.31.0\n", encoding="utf-8")
    with pytest.raises(GateError, match="safety is enabled .* not installed"):
        DependenciesGate().run(context(tmp_path, **{"advisory-db": str(ASSET_DB), "safety": True}))


SAFETY_JSON = {"report_meta": {}, "vulnerabilities": [
    {"vulnerability_id": "58755", "package_name": "requests", "analyzed_version": "2.19.0", "CVE": "CVE-2023-32681",
     "advisory": "Requests leaks Proxy-Authorization headers.", "fixed_versions": ["2.31.0"],
     "severity": {"cvssv3": {"base_severity": "MEDIUM"}}},
    {"vulnerability_id": "99999", "package_name": "requests", "analyzed_version": "2.19.0", "CVE": None,
     "advisory": "Only safety knows this one.", "fixed_versions": [], "severity": None}]}


def test_findings_merge_by_id_and_alias_across_sources(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(hashed("requests==2.19.0\n"), encoding="utf-8")
    (source,) = requirements_sources(tmp_path / "requirements.txt", tmp_path)
    pip_audit = AuditedDependency("requests", "2.19.0", (
        ReportedVuln("PYSEC-2023-74", ("CVE-2023-32681", "GHSA-j8r2-6x86-q33q"), ("2.31.0",), "leak"),
        ReportedVuln("GHSA-j8r2-6x86-q33q", ("CVE-2023-32681",), ("2.31.0",), "same, as GHSA")))
    from_safety = parse_safety("deprecation banner\n" + json.dumps(SAFETY_JSON), source)
    lookup = SeverityLookup(Severity.HIGH, index=_asset()[0])
    merged = merge([(source, pip_audit, "pip-audit")] + [(source, d, "safety") for d in from_safety], lookup)
    findings = to_findings(merged, lookup)
    assert [(f.rule_id, f.properties["sources"]) for f in findings] == [
        ("PYSEC-2023-74", ["pip-audit", "safety"]), ("SAFETY-99999", ["safety"])]
    assert set(findings[0].aliases) == {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "SAFETY-58755"}
    assert findings[0].severity is Severity.MEDIUM and findings[0].line == 1  # safety's label; the advisory has none
    assert findings[1].severity is Severity.HIGH and findings[1].properties["severity_source"] == "default"
    assert len({f.fingerprint for f in findings}) == 2


@pytest.mark.slow
def test_environment_mode_audits_the_installed_distributions(tmp_path: Path) -> None:
    import importlib.metadata

    installed = {
        canonicalize_name(d.metadata["Name"]) for d in importlib.metadata.distributions() if d.metadata["Name"]
    }
    result = run_gate(tmp_path, **{"advisory-db": str(ASSET_DB), "environment": True, "requirements": []})
    assert result.metrics["sources"][0].startswith("environment (")
    assert len(installed) * 0.9 <= result.checked <= len(installed) + 5


# --- resolution through pip (unpinned files, pyproject.toml) from a local wheel directory ----------

@pytest.fixture()
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A wheel directory pip must use instead of any index, and an advisory database for its package."""
    wheel(offline_wheels(tmp_path, monkeypatch), "demo-vuln-pkg", "1.0")
    return write_advisory(tmp_path / "db", "demo-vuln-pkg", "DEMO-2024-1",
                          "aliases: [CVE-2099-0001]\ndetails: Demo flaw.\n"
                          "affected:\n- package: {name: Demo_Vuln.Pkg, ecosystem: PyPI}\n"
                          "  ranges:\n  - type: ECOSYSTEM\n"
                          "    events:\n    - introduced: '0'\n    - fixed: '1.1'\n"
                          "severity:\n- type: CVSS_V3\n  score: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n")


@pytest.mark.slow
def test_unpinned_requirements_are_resolved_by_pip(tmp_path: Path, local_index: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "requirements.txt").write_text("# resolved by pip\ndemo-vuln-pkg>=0.5\n", encoding="utf-8")
    result = run_gate(workspace, **{"advisory-db": str(local_index), "retries": 0})
    (finding,) = result.findings
    # pip-audit ranks PYSEC and CVE ids first: the advisory's own id becomes an alias
    assert (finding.rule_id, finding.aliases, finding.path, finding.line) == (
        "CVE-2099-0001", ("DEMO-2024-1",), "requirements.txt", 2)
    assert finding.properties["installed_version"] == "1.0" and finding.properties["fix_versions"] == ["1.1"]
    assert finding.severity is Severity.CRITICAL
    assert "pinned" not in result.details


@pytest.mark.slow
def test_pyproject_dependencies_are_resolved_and_located(tmp_path: Path, local_index: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1"\ndependencies = [\n'
                                              '    "demo-vuln-pkg>=0.5",\n]\n', encoding="utf-8")
    result = run_gate(workspace, **{"advisory-db": str(local_index), "retries": 0})
    (finding,) = result.findings
    assert (finding.rule_id, finding.path, finding.line, finding.package) == (
        "CVE-2099-0001", "pyproject.toml", 5, "demo-vuln-pkg")


# --- through the real command line: annotations and the shared waivers ------------------------

def test_cli_run_applies_waivers_by_alias_and_package(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A CVE alias waiver scoped to the package suppresses; an expired or out-of-scope one does not."""
    from gates.cli import main

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "requirements.txt").write_text(hashed("requests==2.19.0\nPyYAML==5.3.1\n"), encoding="utf-8")
    config = tmp_path / "gates.yml"
    config.write_text(f"""gates:
  dependencies:
    advisory-db: {ASSET_DB}
waivers:
  - id: CVE-2020-14343
    package: PyYAML
    reason: only trusted YAML is loaded
    owner: "@sec"
    expires: "2999-12-31"
  - id: GHSA-x84v-xcm2-53pg
    reason: accepted long ago
    owner: "@sec"
    expires: "2001-01-01"
  - id: PYSEC-2023-74
    package: urllib3
    reason: scoped to another package, must not apply
    owner: "@sec"
    expires: "2999-12-31"
""", encoding="utf-8")
    code = main(["run", "--config", str(config), "--workspace", str(tmp_path), "--gates", "dependencies",
                 "--report-dir", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert code == 1
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    (gate,) = [g for g in report["gates"] if g["name"] == "dependencies"]
    assert gate["status"] == "failed"
    suppressed = {f["rule_id"]: f.get("suppression") for f in gate["findings"]}
    assert set(suppressed) == {"PYSEC-2018-28", "PYSEC-2023-74", "PYSEC-2021-142"}
    assert suppressed["PYSEC-2021-142"] is not None and suppressed["PYSEC-2021-142"]["kind"] == "waiver"
    assert suppressed["PYSEC-2018-28"] is None and suppressed["PYSEC-2023-74"] is None  # expired; out of scope
    assert out.count("::error file=requirements.txt,line=1,") == 2  # one annotation per vulnerability
    assert "::error file=requirements.txt,line=2," not in out
