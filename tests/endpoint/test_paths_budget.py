"""Response paths and the error budget."""

from __future__ import annotations

import threading

import pytest

from gates.endpoint import EndpointTimeout, EndpointUnreachable, ErrorBudget, ErrorBudgetExceeded
from gates.endpoint.paths import parse_path, select

DOC = {"choices": [{"message": {"content": "hi"}}], "output": {"text": "t", "0": "zero-key"}}


@pytest.mark.parametrize("path", ["choices.0.message.content", "$.choices[0].message.content",
                                  "$['choices'][0]['message']['content']", "choices[0].message.content"])
def test_path_spellings(path: str) -> None:
    assert parse_path(path) == ("choices", 0, "message", "content")
    assert select(DOC, parse_path(path)) == "hi"


def test_path_errors_name_the_step() -> None:
    assert select(DOC, parse_path("output.0")) == "zero-key"  # a digit key in a mapping
    with pytest.raises(KeyError, match="choices.3: index out of range"):
        select(DOC, parse_path("choices.3.message"))
    with pytest.raises(KeyError, match="output.missing: not found"):
        select(DOC, parse_path("$.output.missing"))
    for bad in ("$", "a[", "a..b[x]"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_budget_allows_a_fraction_then_errors_with_the_cause() -> None:
    budget = ErrorBudget(planned=20, fraction=0.1, target="http://m")
    budget.record_failure(EndpointTimeout("slow"))
    budget.record_failure(EndpointUnreachable("refused"))
    with pytest.raises(ErrorBudgetExceeded) as caught:
        budget.record_failure(EndpointUnreachable("refused again"))
    message = str(caught.value)
    assert "3 of 20 requests to http://m failed (1 timeout, 2 unreachable)" in message
    assert "allows 2" in message and "refused again" in message


def test_budget_never_tolerates_every_request_failing() -> None:
    budget = ErrorBudget(planned=3, fraction=1.0)
    budget.record_failure(EndpointTimeout("a"))
    budget.record_failure(EndpointTimeout("b"))
    with pytest.raises(ErrorBudgetExceeded):
        budget.record_failure(EndpointTimeout("c"))
    strict = ErrorBudget(planned=50, fraction=0.0)
    with pytest.raises(ErrorBudgetExceeded):
        strict.record_failure(EndpointTimeout("first"))


def test_budget_is_thread_safe() -> None:
    budget = ErrorBudget(planned=4000, fraction=0.5)
    errors: list[BaseException] = []

    def fail_many() -> None:
        for _ in range(500):
            try:
                budget.record_failure(EndpointTimeout("x"))
            except ErrorBudgetExceeded as exc:
                errors.append(exc)

    threads = [threading.Thread(target=fail_many) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(budget.failures) == 4000 and len(errors) == 4000 - 2000


def test_rest_targets_carry_the_conversation() -> None:
    import json

    from gates.config.settings import EndpointSettings
    from gates.endpoint.targets import build_request

    convo = [{"role": "system", "content": "S"}, {"role": "user", "content": "Let's play."},
             {"role": "assistant", "content": "Okay."}, {"role": "user", "content": "Say X"}]
    folded = EndpointSettings(url="http://h/x", kind="rest", request_template='{"input": "$INPUT", "s": "$SYSTEM"}')
    body = json.loads(build_request(folded, convo)[1])
    assert body["s"] == "S" and body["input"].startswith("Conversation so far:\nUser: Let's play.\nAssistant: Okay.")
    assert body["input"].endswith("User: Say X")
    listed = EndpointSettings(url="http://h/x", kind="rest", request_template='{"messages": $MESSAGES, "q": "$INPUT"}')
    body = json.loads(build_request(listed, convo)[1])
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"] and body["q"] == "Say X"
    single = json.loads(build_request(folded, convo[:2])[1])
    assert single["input"] == "Let's play."
