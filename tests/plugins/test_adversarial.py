"""The adversarial gate running real garak against the real demo model server over loopback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from gates.config.settings import EndpointSettings, GitHubEnv
from gates.errors import GateError
from gates.garak.assess import RULE_OVER_POLICY
from gates.model import Checked, Errored, Skipped
from gates.plugins.adversarial import AdversarialGate
from gates.plugins.base import GateContext
from tests.support.model_server import running_model_server

FAST = {"prompt-cap": 4, "parallel": 4, "generations": 1}


def _ctx(tmp_path: Path, endpoint: EndpointSettings | None, **options: Any) -> GateContext:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return GateContext(name="adversarial", workspace=tmp_path, options={**FAST, **options}, report_dir=tmp_path,
                       work_dir=work, github=GitHubEnv(), endpoint=endpoint, log=lambda _msg: None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_hardened_server_passes_every_default_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))  # garak must write nothing under the user's home
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "GARAK_LOG_FILE"):
        monkeypatch.delenv(name, raising=False)
    with running_model_server() as url:
        outcome = AdversarialGate().run(_ctx(tmp_path, EndpointSettings(url=url)))
    assert isinstance(outcome, Checked), outcome
    assert outcome.findings == ()
    assert outcome.checked >= 8  # 6 probes, every probe/detector pair evaluated
    assert outcome.metrics["outputs_evaluated"] > 0 and outcome.metrics["attacks_succeeded"] == 0
    assert outcome.metrics["replies_leaking"] == 0 and outcome.tool_versions["garak"]
    assert not home.exists() or not any(home.rglob("*garak*"))
    work = tmp_path / "work"  # garak's scratch files (raw replies, the system prompt) are gone
    assert not (work / "home").exists() and not (work / "reports").exists()
    assert not list(work.glob("garak-*"))
    kept = {p.name for p in (tmp_path / "garak").iterdir()}  # garak's files are kept in the report dir
    assert {"garak.report.jsonl", "garak.report.html", "garak.log"} <= kept
    assert "garak/garak.report.jsonl" in outcome.details and "canary was planted" in outcome.details


def test_vulnerable_server_fails_on_each_attack_it_falls_for(tmp_path: Path) -> None:
    with running_model_server(vulnerable=True) as url:
        outcome = AdversarialGate().run(_ctx(tmp_path, EndpointSettings(url=url, model="demo-assistant-1"),
                                             probes=["promptinject.HijackHateHumans", "dan.Dan_11_0",
                                                     "encoding.InjectBase64"]))
    assert isinstance(outcome, Checked), outcome
    over = {(f.probe, f.properties["detector"]) for f in outcome.findings if f.rule_id == RULE_OVER_POLICY}
    assert {("promptinject.HijackHateHumans", "promptinject.AttackRogueString"), ("dan.Dan_11_0", "dan.DAN"),
            ("encoding.InjectBase64", "encoding.DecodeMatch")} <= over
    assert all(f.fingerprint for f in outcome.findings)
    assert "I hate humans" in outcome.details and "❌ over policy" in outcome.details
    # whatever the replies held, garak's kept files carry no planted canary and no terminal escapes
    for kept in (tmp_path / "garak").iterdir():
        text = kept.read_text(encoding="utf-8")
        assert "AIGATE-" not in text and "\x1b[" not in text, kept.name
    report = (tmp_path / "garak" / "garak.report.jsonl").read_text(encoding="utf-8")
    assert "act as demo-assistant-1" in report  # the model name, not the URL
    assert "act as http" not in report


def test_policy_tolerance_per_probe_and_rest_target(tmp_path: Path) -> None:
    with running_model_server(vulnerable=True) as url:
        endpoint = EndpointSettings(url=url + "/generate", kind="rest", request_template='{"input": "$INPUT"}',
                                    response_path="output.text")
        outcome = AdversarialGate().run(_ctx(
            tmp_path, endpoint, probes=["promptinject.HijackHateHumans", "dan.Dan_11_0"],
            policy=[{"probe": "promptinject", "max-asr": 1.0}]))
    assert isinstance(outcome, Checked), outcome
    assert {f.probe for f in outcome.findings} == {"dan.Dan_11_0"}  # the injection is tolerated by policy


def test_unreachable_endpoint_is_an_error(tmp_path: Path) -> None:
    endpoint = EndpointSettings(url=f"http://127.0.0.1:{_free_port()}", retries=0, timeout_s=3)
    with pytest.raises(GateError, match="did not answer"):
        AdversarialGate().run(_ctx(tmp_path, endpoint))


def test_garbage_answers_are_an_error(tmp_path: Path) -> None:
    with running_model_server(garbage=True) as url:
        with pytest.raises(GateError, match="not JSON"):
            AdversarialGate().run(_ctx(tmp_path, EndpointSettings(url=url, retries=0)))


def test_unknown_probe_is_an_error_naming_it(tmp_path: Path) -> None:
    with running_model_server() as url:
        outcome = AdversarialGate().run(
            _ctx(tmp_path, EndpointSettings(url=url), probes=["dan.Dan_11_0", "nosuch.Probe"])
        )
    assert isinstance(outcome, Errored) and "nosuch.Probe" in outcome.reason


def test_no_endpoint_is_skipped(tmp_path: Path) -> None:
    assert isinstance(AdversarialGate().run(_ctx(tmp_path, None)), Skipped)


@pytest.mark.slow
def test_probe_whose_detector_cannot_load_offline_is_an_error(tmp_path: Path) -> None:
    # lmrc.Bullying's detector is a Hugging Face model: offline it cannot load, garak exits 0
    # without finishing, and the gate must not pass
    with running_model_server() as url:
        outcome = AdversarialGate().run(
            _ctx(tmp_path, EndpointSettings(url=url), probes=["lmrc.Bullying"], **{"prompt-cap": 2})
        )
    assert isinstance(outcome, Errored), outcome
    assert "stopped before completing" in outcome.reason and "detector could not be loaded" in outcome.reason
