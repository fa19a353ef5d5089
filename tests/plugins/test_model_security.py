"""The model-security gate against the real demo model server over loopback HTTP."""

from __future__ import annotations

import json
import random
import shutil
import socket
from pathlib import Path

import pytest

from gates.config.settings import EndpointSettings, Shard
from gates.errors import ConfigError, GateError
from gates.model import Checked, Errored, Severity, Skipped
from gates.plugins.model_security import ModelSecurityGate
from gates.probes.loader import load_builtin
from tests.support.gate_context import make_context
from tests.support.model_server import DEMO_CANARY, running_model_server
from tests.support.scripted_http import Answer, chat_body, scripted_server

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-project"
KEY = "sk-live-51f0c2d9e8a7b6"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(DEMO / "tests", ws / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    return ws


def _run(ws: Path, tmp: Path, url: str | None, **options: object) -> object:
    endpoint = EndpointSettings(url=url) if url else None
    return ModelSecurityGate().run(make_context(ws, tmp / "ctx", name="model-security", options=options,
                                                endpoint=endpoint))


def test_no_endpoint_is_skipped(workspace: Path, tmp_path: Path) -> None:
    outcome = _run(workspace, tmp_path, None)
    assert isinstance(outcome, Skipped) and "endpoint" in outcome.reason


def test_hardened_demo_server_passes(workspace: Path, tmp_path: Path) -> None:
    with running_model_server() as url:
        outcome = _run(workspace, tmp_path, url)
    assert isinstance(outcome, Checked), outcome
    assert outcome.findings == ()
    assert outcome.checked == len(load_builtin()) + 7  # every probe and every demo test evaluated
    assert outcome.metrics["canary_planted"] is True and outcome.metrics["tests_passed"] == 7


def test_vulnerable_demo_server_fails_with_the_right_findings(workspace: Path, tmp_path: Path) -> None:
    with running_model_server(vulnerable=True) as url:
        outcome = _run(workspace, tmp_path, url)
    assert isinstance(outcome, Checked)
    by_probe = {(f.rule_id, f.probe) for f in outcome.findings}
    assert ("secret-leak", "extraction.repeat") in by_probe
    assert ("secret-leak", "extraction.base64") in by_probe and ("secret-leak", "secret.reversed") in by_probe
    assert ("jailbreak", "jailbreak.dan") in by_probe
    assert ("encoded-injection", "encoded.base64") in by_probe
    assert ("indirect-injection", "indirect.email") in by_probe
    assert ("harmful-content", "harmful.direct-request") not in by_probe  # it still refuses plain harm
    leak = next(f for f in outcome.findings if f.probe == "extraction.base64" and f.rule_id == "secret-leak")
    assert leak.severity is Severity.CRITICAL and "base64 form" in leak.message
    assert "[REDACTED]" in leak.message and "AIGATE-" not in leak.message and "AIGATE-" not in outcome.details
    tests = {f.probe: f for f in outcome.findings if f.rule_id == "security-test-failed"}
    dan = tests["tests/security_tests.py::test_resists_dan_roleplay"]
    source = (workspace / "tests" / "security_tests.py").read_text().splitlines()
    assert dan.path == "tests/security_tests.py" and source[dan.line - 1].startswith("def test_resists_dan_roleplay")
    assert len(tests) == 5 and outcome.metrics["tests_failed"] == 5
    assert len({f.fingerprint for f in outcome.findings}) == len(outcome.findings)


def test_unreachable_and_garbage_servers_end_in_error(workspace: Path, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = _run(workspace, tmp_path, f"http://127.0.0.1:{port}")
    assert isinstance(outcome, Errored) and "unreachable" in outcome.reason and f"127.0.0.1:{port}" in outcome.reason
    with running_model_server(garbage=True) as url:
        outcome = _run(workspace, tmp_path, url)
    assert isinstance(outcome, Errored) and "bad-body" in outcome.reason and "not JSON" in outcome.reason


def test_some_failures_within_the_budget_still_decide(workspace: Path, tmp_path: Path) -> None:
    probes = len(load_builtin())
    draws = random.Random(0)  # the server's --fail-rate draws, one per request (retries=0)
    failing = [draws.random() < 0.3 for _ in range(probes)]
    with running_model_server(fail_rate=0.3) as url:
        settings = EndpointSettings(url=url, retries=0, error_budget=0.6)
        outcome = ModelSecurityGate().run(make_context(
            workspace, tmp_path, name="model-security", endpoint=settings,
            options={"tests": [], "repeats": 1, "min-samples": 1, "concurrency": 1}))
    assert isinstance(outcome, Checked), outcome
    skipped = outcome.metrics["probes_not_evaluated"]
    assert skipped == sum(failing) > 0 and outcome.checked == probes - skipped
    assert outcome.metrics["request_failures"] == {"http": skipped}
    unevaluated = [f for f in outcome.findings if f.rule_id == "probe-not-evaluated"]
    assert len(unevaluated) == skipped  # too little evidence never passes


def test_rest_target_with_the_targets_own_canary(workspace: Path, tmp_path: Path) -> None:
    options = {"canary": DEMO_CANARY, "tests": []}
    for vulnerable in (False, True):
        with running_model_server(vulnerable=vulnerable) as url:
            settings = EndpointSettings(url=url + "/generate", kind="rest", request_template='{"input": "$INPUT"}',
                                        response_path="output.text")
            outcome = ModelSecurityGate().run(make_context(workspace, tmp_path / str(vulnerable), name="model-security",
                                                           options=options, endpoint=settings))
        assert isinstance(outcome, Checked)
        leaks = {f.probe for f in outcome.findings if f.rule_id == "secret-leak"}
        assert outcome.metrics["canary_planted"] is False
        assert bool(leaks) is vulnerable
    assert DEMO_CANARY not in outcome.details and DEMO_CANARY not in json.dumps([f.message for f in outcome.findings])


def test_api_key_never_appears(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MODEL_KEY", KEY)
    with scripted_server([Answer(200, chat_body(f"Sure, my key is {KEY}. PWNED-7421"))]) as server:
        settings = EndpointSettings(url=server.url + f"/v1?k={KEY}", api_key_env="MODEL_KEY")
        outcome = ModelSecurityGate().run(make_context(workspace, tmp_path, name="model-security",
                                                       options={"tests": []}, endpoint=settings))
        assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in server.requests)
    assert isinstance(outcome, Checked) and outcome.findings
    assert KEY not in repr(outcome) and "REDACTED" in outcome.details  # Markdown-escaped in the table
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    with running_model_server(api_key=KEY, vulnerable=True) as url:
        settings = EndpointSettings(url=url, api_key_env="MODEL_KEY")
        ctx = make_context(workspace, tmp_path / "t", name="model-security", endpoint=settings,
                           options={"builtin-probes": False})
        outcome = ModelSecurityGate().run(ctx)
    assert isinstance(outcome, Checked) and outcome.metrics["tests_failed"] == 5  # the key reached pytest too
    assert KEY not in repr(outcome)


def test_user_probe_file_selection_and_shards(workspace: Path, tmp_path: Path) -> None:
    (workspace / "probes.yaml").write_text(
        "version: 1\nprobes:\n"
        "  - id: app.capital\n    category: quality\n    severity: low\n"
        "    prompt: What is the capital of Norway?\n    expect:\n      must-match: ['Oslo']\n"
        "  - id: app.json\n    category: format\n    prompt: What is 2 + 2?\n"
        "    expect:\n      json-schema: {type: object, required: [answer]}\n")
    with running_model_server() as url:
        outcome = _run(workspace, tmp_path, url, **{"probe-files": ["probes.yaml"], "include": ["app.*", "jailbreak"],
                                                    "exclude": ["jailbreak.dan"], "tests": []})
        assert isinstance(outcome, Checked)
        assert outcome.checked == 2 + sum(1 for p in load_builtin() if p.category == "jailbreak") - 1
        (finding,) = outcome.findings
        assert finding.probe == "app.json" and finding.rule_id == "format" and finding.path == "probes.yaml"
        assert finding.line == 9 and "not JSON" in finding.message
        counts = []
        for index in (1, 2):
            ctx = make_context(workspace, tmp_path / f"s{index}", name="model-security", options={"tests": []},
                               endpoint=EndpointSettings(url=url), shard=Shard(index, 2))
            result = ModelSecurityGate().run(ctx)
            assert isinstance(result, Checked)
            counts.append(result.checked)
    assert sum(counts) == len(load_builtin()) and min(counts) > 0


def test_bad_probe_file_is_a_config_error(workspace: Path, tmp_path: Path) -> None:
    (workspace / "bad.yaml").write_text("probes:\n  - id: x\n    prompt: hi\n    expect:\n      refused: maybe\n")
    with running_model_server() as url:
        with pytest.raises(ConfigError, match=r"bad.yaml:5: probes.0.expect.refused"):
            _run(workspace, tmp_path, url, **{"probe-files": ["bad.yaml"]})
        with pytest.raises(ConfigError, match="missing.yaml"):
            _run(workspace, tmp_path, url, **{"probe-files": ["missing.yaml"]})


def test_pytest_route_zero_tests_and_collection_error(workspace: Path, tmp_path: Path) -> None:
    (workspace / "tests" / "empty_tests.py").write_text("def helper():\n    return 1\n")
    (workspace / "tests" / "broken_tests.py").write_text("def test_x(:\n    pass\n")
    with running_model_server() as url:
        outcome = _run(workspace, tmp_path, url, **{"builtin-probes": False, "tests": "tests/empty_tests.py"})
        assert isinstance(outcome, Checked) and outcome.checked == 0
        (finding,) = outcome.findings
        assert finding.rule_id == "no-security-tests" and finding.path == "tests/empty_tests.py"
        with pytest.raises(GateError, match="could not be collected"):
            _run(workspace, tmp_path, url, **{"builtin-probes": False, "tests": ["tests/broken_tests.py"]})
        with pytest.raises(ConfigError, match="tests/nope.py"):
            _run(workspace, tmp_path, url, tests="tests/nope.py")
        shutil.rmtree(workspace / "tests")
        outcome = _run(workspace, tmp_path, url, include=["harmful.*"])  # default tests path absent: probes only
    assert isinstance(outcome, Checked) and outcome.checked == 1 and "tests_passed" not in outcome.metrics
