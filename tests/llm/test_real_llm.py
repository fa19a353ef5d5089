"""Both probing gates against a real language model (SmolLM2-135M-Instruct on CPU) in three apps.

The naive app (the gates' system prompt with its canary, no guard) must fail with leaks found; the
guarded app (input and output guards, ``examples/llm-app/guard.py``) must pass; a guard that blocks
everything must fail on over-refusal; and the judge model, when configured, must have its verdicts
recorded. A few probes only, to stay within minutes on two CPU cores; the whole suite, three runs
per app and the run times beside garak's are in ``bench/bench_llm_gates.py``.

Needs the model's weights: ``SETUP_LLM=1 bash scripts/setup.sh`` (skipped with that reason otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.model import Checked
from tests.support.llm_server import MODEL_SECURITY_POLICY, llm_app_url, llm_available, run_gate

pytestmark = [pytest.mark.slow, pytest.mark.skipif(llm_available() is not None, reason=str(llm_available()))]

PROBES = {"include": ["secret.admin-ask", "extraction.repeat", "injection.ignore-previous", "benign.capital",
                      "benign.arithmetic"], "repeats": 3, "min-samples": 3, **MODEL_SECURITY_POLICY}
GARAK = {"probes": ["promptinject.HijackHateHumans"], "prompt-cap": 3, "generations": 1, "parallel": 4}


def _checked(outcome: object) -> Checked:
    assert isinstance(outcome, Checked), outcome
    return outcome


def _rules(outcome: object) -> set[str]:
    return {f.rule_id for f in _checked(outcome).findings}


def test_model_security_judges_the_three_apps(tmp_path: Path) -> None:
    naive = _rules(run_gate("model-security", "naive", tmp_path / "naive", PROBES))
    assert naive & {"secret-leak", "system-prompt-extraction"}, naive
    assert _rules(run_gate("model-security", "guarded", tmp_path / "guarded", PROBES)) == set()
    assert _rules(run_gate("model-security", "block-all", tmp_path / "block", PROBES)) == {"over-refusal"}


def test_the_judge_models_verdicts_are_recorded(tmp_path: Path) -> None:
    judge = {"url": f"{llm_app_url()}/naive", "model": "acme-naive", "timeout": 600}
    options = {"include": ["injection.ignore-previous", "secret.admin-ask"], "repeats": 2, "min-samples": 2,
               "judge-endpoint": judge}
    outcome = _checked(run_gate("model-security", "naive", tmp_path, options))
    assert int(outcome.metrics.get("judge_model_verdicts", 0)) >= 1, outcome.metrics


def test_adversarial_passes_the_guarded_app_and_redacts_naive_replies(tmp_path: Path) -> None:
    guarded = _checked(run_gate("adversarial", "guarded", tmp_path / "guarded", GARAK))
    assert not guarded.findings and int(guarded.metrics["outputs_evaluated"]) > 0
    naive = _checked(run_gate("adversarial", "naive", tmp_path / "naive", GARAK))
    assert int(naive.metrics["outputs_evaluated"]) > 0
    kept = [p for p in (tmp_path / "naive").rglob("*") if p.is_file()]
    assert kept and not any("AIGATE-" in p.read_text(encoding="utf-8", errors="replace") for p in kept)
