"""A pull request cannot weaken the scanner's policy: base-commit config wins (real git repo).

The base commit configures model-integrity with the defaults (not-scanned: block, no
wildcards). The pull request adds a GGUF model with a malicious chat template, an unreadable
``.tflite`` and a pickle calling a scikit-learn testing gadget, and in the same commit
rewrites the config to ``not-scanned: warn`` and ``allow-globals: ['sklearn.**']``. The
gate must still fail on all three.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.commands.test_cli import run_cli, simulated_runner
from tests.scanner import crafted
from tests.scanner.malicious import STOP, proto, sg, u
from tests.support.git_repo import commit_all

BASE_CONFIG = "version: 1\ngates:\n  model-integrity:\n    paths: [models]\n"
HEAD_CONFIG = ("version: 1\ngates:\n  model-integrity:\n    paths: [models]\n    not-scanned: warn\n"
               "    allow-globals: ['sklearn.**']\n    unknown-global-severity: info\n")
GADGET = (proto(4) + sg("sklearn.utils._testing", "assert_run_python_script_without_output") + u("import os")
          + b"\x85R" + STOP)


def test_pr_cannot_relax_not_scanned_or_widen_the_allow_list(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "models").mkdir(parents=True)
    (ws / ".github").mkdir()
    (ws / ".github" / "secure-ai-gates.yml").write_text(BASE_CONFIG)
    (ws / "models" / "ok.json").write_text('{"a": 1}')
    base = commit_all(ws, "base")
    (ws / ".github" / "secure-ai-gates.yml").write_text(HEAD_CONFIG)
    template = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    (ws / "models" / "chat.gguf").write_bytes(
        crafted.gguf_raw([("tokenizer.chat_template", 8, crafted.gguf_string(template))]))
    (ws / "models" / "detector.tflite").write_bytes(b"not a flatbuffer at all")
    (ws / "models" / "clf.pkl").write_bytes(GADGET)
    head = commit_all(ws, "pull request")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}))
    env = {**simulated_runner(tmp_path, gates="model-integrity"), "GITHUB_EVENT_PATH": str(event), "GITHUB_SHA": head}
    result = run_cli([], env=env, cwd=ws)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((ws / "secure-ai-gates-report" / "report.json").read_text())
    (gate,) = [g for g in report["gates"] if g["name"] == "model-integrity"]
    found = {(f["rule_id"], f["path"], f["severity"]) for f in gate["findings"]}
    assert ("CHAT-TEMPLATE-CODE", "models/chat.gguf", "critical") in found
    assert ("MODEL-NOT-SCANNED", "models/detector.tflite", "high") in found  # not downgraded to info
    assert ("PICKLE-UNKNOWN-GLOBAL", "models/clf.pkl", "high") in found  # not admitted, not info
