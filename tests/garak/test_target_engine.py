"""garak's generator options from our endpoint settings, and the installed garak's catalogue."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gates.config.settings import EndpointSettings
from gates.errors import ConfigError, EngineMissing
from gates.garak import engine
from gates.garak.target import generator_options, json_path, write_generator_file

REPO = Path(__file__).resolve().parents[2]


def test_openai_endpoint_becomes_a_rest_generator_for_chat_completions(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMO_KEY", "s3cr3t-value")
    settings = EndpointSettings(url="http://127.0.0.1:9/v1", model="m1", api_key_env="DEMO_KEY",
                                headers={"X-Team": "ml"}, timeout_s=7, ca_bundle="/etc/ca.pem")
    path = write_generator_file(settings, tmp_path, system_prompt="be safe")
    assert "s3cr3t-value" not in path.read_text(encoding="utf-8")  # garak reads it from DEMO_KEY
    options = json.loads(path.read_text(encoding="utf-8"))["rest"]["RestGenerator"]
    assert options["uri"] == "http://127.0.0.1:9/v1/chat/completions"
    assert options["headers"] == {"Content-Type": "application/json", "X-Team": "ml", "Authorization": "Bearer $KEY"}
    assert options["key_env_var"] == "DEMO_KEY"
    assert options["req_template_json_object"] == {"model": "m1", "messages": [
        {"role": "system", "content": "be safe"}, {"role": "user", "content": "$INPUT"}]}
    assert options["response_json_field"] == "$.choices[0].message.content"
    assert (options["request_timeout"], options["verify_ssl"]) == (7, "/etc/ca.pem")


def test_rest_endpoint_keeps_the_template_and_converts_the_response_path() -> None:
    settings = EndpointSettings(url="http://h/generate", kind="rest",
                                request_template='{"input": "$INPUT", "sys": "$SYSTEM"}', response_path="output.text")
    options = generator_options(settings)["rest"]["RestGenerator"]
    assert options["req_template"] == '{"input": "$INPUT", "sys": ""}'
    assert (options["response_json"], options["response_json_field"]) == (True, "$.output.text")
    assert json_path("$['a b'][2].c") == "$.'a b'[2].c"
    with pytest.raises(ConfigError, match="request-template"):
        generator_options(EndpointSettings(url="http://h", kind="rest", request_template='{"x": 1}'))
    with pytest.raises(ConfigError, match="endpoint.kind"):
        generator_options(EndpointSettings(url="http://h", kind="grpc"))


def test_catalogue_of_the_installed_garak(tmp_path: Path) -> None:
    catalogue = engine.list_probes(tmp_path / "home", timeout=120)
    assert {"dan.Dan_11_0", "encoding.InjectBase64", "promptinject.HijackHateHumans"} <= catalogue.classes
    assert "dan.Dan_11_0" not in catalogue.active and "encoding.InjectBase64" in catalogue.active
    assert catalogue.knows("encoding") and not catalogue.knows("enc")
    assert engine.unknown_probes(catalogue, ["dan.Dan_11_0", "nosuch.Probe", "nosuch"]) == ["nosuch.Probe", "nosuch"]
    assert (tmp_path / "home" / "data" / "garak").is_dir()  # garak's files stay in the scratch home


def test_missing_garak_is_an_engine_error_naming_our_extra() -> None:
    assert engine.garak_version() == importlib.metadata.version("garak")
    with pytest.raises(EngineMissing, match=r"pip install 'secure-ai-gates\[adversarial\]'"):
        engine.garak_version("garak_not_installed_here")
    # asking for the version must not import garak (that would write under $HOME and set GARAK_LOG_FILE)
    code = "import sys; from gates.garak.engine import garak_version; garak_version(); print('garak' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_command_line_uses_parallel_attempts_and_requests(tmp_path: Path) -> None:
    settings = engine.RunSettings(probes=("dan.Dan_11_0", "encoding"), generations=3, parallel=16, prompt_cap=7)
    config = engine.write_config(tmp_path, settings)
    args = engine.command(tmp_path, config, tmp_path / "g.json", settings)
    assert args[args.index("--spec") + 1] == "probes.dan.Dan_11_0,probes.encoding"
    assert args[args.index("--parallel_attempts") + 1] == "16" and args[args.index("--parallel_requests") + 1] == "16"
    assert "soft_probe_prompt_cap: 7" in config.read_text(encoding="utf-8")
    assert str(tmp_path / "reports") in config.read_text(encoding="utf-8")
