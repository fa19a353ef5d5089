"""Hostile file names, model replies and advisory text through the real CLI, as the runner sees it.

A monorepo (the gates' workspace is ``apps/ml-app``) whose Python files have names built to
inject workflow commands and markup, whose in-repo advisory database has a hostile summary,
and whose model endpoint answers with HTML, links and workflow commands. The real gates run
(bandit, pip-audit against the advisory DB, the built-in probes over HTTP), then:

- stdout, read the way the Actions runner reads it, holds no command but our own, each well
  formed and naming a real, repository-relative file;
- summary.md and the job summary, rendered with cmark-gfm, hold no image, script, heading,
  extra ``</details>`` or foreign link;
- results.sarif passes the SARIF schema (and the SARIF Multitool where it runs) with
  percent-encoded, repository-relative URIs.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from tests.commands.test_cli import read_outputs, run_cli, simulated_runner
from tests.reporters.hostile import assert_no_injected_markup, assert_only_own_commands, runner_commands
from tests.reporters.sarif_check import assert_valid_sarif
from tests.support.git_repo import commit_all
from tests.support.scripted_http import Answer, chat_body, scripted_server

pytestmark = pytest.mark.slow

NAMES = [
    "evil`<details><img src=x onerror=alert(1)>.py",  # no '/' in a file name
    "nl\n::error file=README.md::pwned-by-name.py",
    "##[error]legacy-pwned.py",
    "%0A::warning::encoded.py",
    "[link](https:evil.example) ![i](https:evil.example).py",
    "# heading | cell.py",
    "mail a@evil.example @octocat www.evil.example.py",
    "sp ace#frag?q.py",
]
REPLY = ("</details><img src=x onerror=alert(1)>\n::error::pwned-by-reply\n##[warning]legacy-reply "
         "[x](https://evil.example) ![i](https://evil.example/i.png) @octocat <!-- c --> # head")
ADVISORY = """id: PYSEC-2099-1
summary: "</details><img src=x onerror=alert(1)> ::error::pwned-by-advisory [x](https://evil.example)"
details: |
  ::warning::pwned-by-advisory-details
  ##[error]legacy-advisory
  <script>alert(1)</script> ![i](https://evil.example/i.png)
affected:
- package:
    name: pyyaml
    ecosystem: PyPI
    purl: pkg:pypi/pyyaml
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: '5.1'
  versions:
  - 4.2b1
references:
- type: WEB
  url: javascript:alert(1)
"""
CODE = "import subprocess\n\n\ndef run():\n    subprocess.call(input(), shell=True)\n"


def _monorepo(root: Path, endpoint: str) -> Path:
    ws = root / "apps" / "ml-app"
    (ws / "src").mkdir(parents=True)
    for name in NAMES:
        (ws / "src" / name).write_text(CODE)
    (ws / "requirements.txt").write_text("PyYAML==4.2b1\n")
    db = ws / "advisory-db" / "vulns" / "pyyaml"
    db.mkdir(parents=True)
    (db / "PYSEC-2099-1.yaml").write_text(ADVISORY)
    (ws / ".github").mkdir()
    (ws / ".github" / "secure-ai-gates.yml").write_text(
        f"version: 1\nendpoint:\n  url: {endpoint}\ngates:\n  code-security:\n    paths: [src]\n"
        "  dependencies:\n    requirements: [requirements.txt]\n    advisory-db: advisory-db\n")
    (root / "README.md").write_text("monorepo\n")
    commit_all(root, "hostile monorepo")
    return ws


def test_hostile_names_replies_and_advisories_inject_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    with scripted_server([Answer(200, body=chat_body(REPLY))]) as server:
        ws = _monorepo(root, server.url + "/v1/chat/completions")
        env = simulated_runner(tmp_path, event=None, workspace="apps/ml-app",
                               gates="code-security,dependencies,model-security")
        env.update({"GITHUB_EVENT_NAME": "push", "GITHUB_WORKSPACE": str(root)})
        result = run_cli([], env=env, cwd=root)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    for stream in (result.stdout, result.stderr):
        assert_only_own_commands(stream, files)
    annotated = {line for line in runner_commands(result.stdout) if line.startswith("::error file=")}
    assert annotated, "the hostile files were not annotated at all"
    assert all("file=apps/ml-app/src/" in line or "file=apps/ml-app/requirements.txt" in line for line in annotated)

    report = ws / "secure-ai-gates-report"
    summary = (report / "summary.md").read_text()
    data = json.loads((report / "report.json").read_text())
    statuses = {g["name"]: g["status"] for g in data["gates"] if g["status"] != "skipped"}
    assert statuses == {"code-security": "failed", "dependencies": "failed", "model-security": "failed"}, statuses
    html = assert_no_injected_markup(summary, sections=3)
    assert "pwned-by-reply" in html or "pwned" in html  # the hostile text is shown, as text
    assert (tmp_path / "file_commands" / "step_summary").read_text() == summary
    assert read_outputs(tmp_path / "file_commands" / "output")["status"] == "failed"

    sarif = json.loads((report / "results.sarif").read_text())
    assert_valid_sarif(report / "results.sarif")
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for run in sarif["runs"] for r in run["results"]
            for loc in r.get("locations", [])]
    assert uris and all(urllib.parse.unquote(u) in files for u in uris), uris
    assert any("%20" in u for u in uris) and not any(" " in u or "\n" in u for u in uris)
