"""EndpointClient over real loopback HTTP: both target kinds, retries, errors, secrets, parallelism."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace

import pytest

from gates.config.settings import EndpointSettings
from gates.endpoint import (
    EndpointBadBody,
    EndpointClient,
    EndpointHTTPError,
    EndpointTimeout,
    EndpointUnreachable,
    openai_chat_url,
)
from gates.errors import ExitCode, RemoteError
from tests.support.model_server import running_model_server
from tests.support.scripted_http import Answer, chat_body, scripted_server

KEY = "sk-test-9c1d7e5a2b"


def test_openai_kind_against_demo_server() -> None:
    with running_model_server() as url, EndpointClient(EndpointSettings(url=url, model="demo")) as client:
        reply = client.send("What is the capital of Italy?")
        assert reply.text == "The capital of Italy is Rome."
        assert reply.status_code == 200 and reply.latency_s > 0 and reply.attempts == 1
        assert reply.raw["choices"][0]["message"]["content"] == reply.text
        convo = client.chat([{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"},
                             {"role": "user", "content": "What is 6 * 7?"}], system="be brief")
        assert convo.text == "6 * 7 = 42."


@pytest.mark.parametrize("given", ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/chat/completions"])
def test_openai_url_spellings(given: str) -> None:
    assert openai_chat_url(given) == "http://h:1/v1/chat/completions"


def test_rest_kind_escapes_input_and_reads_response_path() -> None:
    with running_model_server() as url:
        settings = EndpointSettings(url=url + "/generate", kind="rest", request_template='{"input": "$INPUT"}',
                                    response_path="$.output.text")
        with EndpointClient(settings) as client:
            assert client.send('What is the capital of "Kenya"?\n').text == "I am DemoBot. I can answer " \
                "questions about capital cities and arithmetic."
            assert client.send("What is the capital of Kenya?").text == "The capital of Kenya is Nairobi."


def test_rest_kind_sends_system_and_exact_body() -> None:
    answer = Answer(body=json.dumps({"data": [{"reply": "fine"}]}).encode())
    with scripted_server([answer]) as server:
        settings = EndpointSettings(url=server.url + "/api", kind="rest",
                                    request_template='{"q": "$INPUT", "sys": "$SYSTEM", "n": 1}',
                                    response_path="data[0]['reply']")
        with EndpointClient(settings) as client:
            assert client.send('say "hi"\\', system="S\n1").text == "fine"
        assert server.requests[0].path == "/api"
        assert server.requests[0].json() == {"q": 'say "hi"\\', "sys": "S\n1", "n": 1}


def test_retries_503_twice_then_succeeds() -> None:
    delays: list[float] = []
    with scripted_server([Answer(503), Answer(503), Answer(200, chat_body("third time"))]) as server:
        with EndpointClient(EndpointSettings(url=server.url, retries=2), sleep=delays.append) as client:
            reply = client.send("hi")
        assert reply.text == "third time" and reply.attempts == 3
        assert len(server.requests) == 3
    assert delays == [0.25, 0.5]


def test_429_retry_after_is_honoured_and_bounded() -> None:
    script = [Answer(429, headers={"Retry-After": "1"}), Answer(429, headers={"Retry-After": "3600"}), Answer(200)]
    with scripted_server(script) as server:
        started = time.monotonic()
        delays: list[float] = []

        def sleep(seconds: float) -> None:
            delays.append(seconds)
            time.sleep(min(seconds, 1.0))

        with EndpointClient(EndpointSettings(url=server.url, retries=3), sleep=sleep) as client:
            assert client.send("hi").text == "ok"
        gap = server.requests[1].at - server.requests[0].at
    assert delays == [1.0, 30.0]  # the hour-long Retry-After is capped
    assert gap >= 0.95 and time.monotonic() - started < 10


def test_retries_exhausted_and_4xx_not_retried() -> None:
    with scripted_server([Answer(503)]) as server:
        with EndpointClient(EndpointSettings(url=server.url, retries=1), sleep=lambda s: None) as client:
            with pytest.raises(EndpointHTTPError) as caught:
                client.send("hi")
        assert caught.value.status == 503 and len(server.requests) == 2
    with scripted_server([Answer(404, b'{"error": "no such route"}')]) as server:
        with EndpointClient(EndpointSettings(url=server.url, retries=5), sleep=lambda s: None) as client:
            with pytest.raises(EndpointHTTPError, match="HTTP 404") as caught:
                client.send("hi")
        assert caught.value.status == 404 and len(server.requests) == 1
    assert isinstance(caught.value, RemoteError) and caught.value.exit_code == ExitCode.UNDECIDED


def test_unreachable_timeout_and_garbage_are_classified() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with EndpointClient(EndpointSettings(url=f"http://127.0.0.1:{port}", retries=1), sleep=lambda s: None) as client:
        with pytest.raises(EndpointUnreachable, match=f"127.0.0.1:{port}"):
            client.send("hi")
    with scripted_server([Answer(200, chat_body("late"), delay_s=1.5)]) as server:
        with EndpointClient(EndpointSettings(url=server.url, timeout_s=0.3, retries=0)) as client:
            with pytest.raises(EndpointTimeout, match="0.3 s"):
                client.send("hi")
    with running_model_server(garbage=True) as url:
        with EndpointClient(EndpointSettings(url=url, retries=0)) as client:
            with pytest.raises(EndpointBadBody, match="not JSON"):
                client.send("hi")
    with scripted_server([Answer(200, b'{"choices": []}')]) as server:
        with EndpointClient(EndpointSettings(url=server.url)) as client:
            with pytest.raises(EndpointBadBody, match="choices.0"):
                client.send("hi")


def test_api_key_is_sent_but_never_shown(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DEMO_MODEL_KEY", KEY)
    echo = Answer(401, json.dumps({"error": f"bad key {KEY}"}).encode())
    with scripted_server([Answer(200), echo]) as server:
        settings = EndpointSettings(url=server.url + f"/v1?key={KEY}", api_key_env="DEMO_MODEL_KEY")
        with EndpointClient(settings) as client:
            client.send("hi")
            with pytest.raises(EndpointHTTPError) as caught:
                client.send("hi")
        assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in str(caught.value) and "***" in str(caught.value)
    with running_model_server(api_key=KEY) as url:
        with EndpointClient(EndpointSettings(url=url, api_key_env="DEMO_MODEL_KEY")) as client:
            assert "Rome" in client.send("What is the capital of Italy?").text
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        with EndpointClient(EndpointSettings(url=url, api_key_env="DEMO_MODEL_KEY", api_key_header="X-Api-Key",
                                             api_key_prefix="")) as client:
            with pytest.raises(EndpointHTTPError, match="401"):
                client.send("hi")
    out = capsys.readouterr().out
    assert out.count(f"::add-mask::{KEY}") == 1


def test_map_is_parallel_ordered_and_stops_on_error() -> None:
    settings = EndpointSettings(url="", concurrency=8)
    with running_model_server(latency_ms=200) as url, EndpointClient(replace(settings, url=url)) as client:
        prompts = [f"What is {i} + {i}?" for i in range(8)]
        started = time.monotonic()
        texts = client.map(lambda p: client.send(p).text, prompts)
        elapsed = time.monotonic() - started
        assert texts == [f"{i} + {i} = {2 * i}." for i in range(8)]
        assert elapsed < 0.2 * 8 / 2, elapsed  # sequential would take >= 1.6 s
        calls: list[int] = []

        def boom(i: int) -> int:
            calls.append(i)
            if i == 0:
                raise EndpointTimeout("first one failed")
            time.sleep(0.05)
            return i

        with pytest.raises(EndpointTimeout, match="first one"):
            client.map(boom, range(100), concurrency=2)
        assert len(calls) < 100
