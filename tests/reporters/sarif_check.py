"""Validate a SARIF file the way its consumers do.

1. The OASIS SARIF 2.1.0 JSON schema (``tests/support/sarif_schema.py``).
2. Microsoft's SARIF Multitool (npm ``@microsoft/sarif-multitool``, a self-contained Linux build
   installed by ``scripts/setup.sh`` into ``.cache/node``): ``validate`` with the SARIF rules
   and GitHub's ingestion rules (``--rule-kind Sarif;Gh``); no result of level ``error``.
3. GitHub's documented upload limits, as code scanning applies them: at most 20 runs per file,
   25,000 results and 25,000 rules per run, 1,000 locations per result, 20 tags per rule,
   10 MB gzipped, and no two runs with the same tool and ``automationDetails.id`` (the upload
   action's category is applied to runs without one, so there must be none of ours).

The schema and the Multitool's SARIF rules cost milliseconds per result (about a minute for
25,000 on this 2-core machine), so the test suite checks a file of tens of thousands of
results in full only for GitHub's limits and rules and on a sample for the rest;
:func:`full_check` validates every result with every check and is run by
``python -m bench sarif`` (each run as a file of its own, run unchanged, so the Multitool's two
threads share the work).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from tests.support.sarif_schema import sarif_schema

REPO = Path(__file__).resolve().parents[2]
MULTITOOL = REPO / ".cache" / "node" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"


def multitool_unavailable() -> str | None:
    """Why the Multitool cannot run here, or None."""
    if not MULTITOOL.is_file():
        return f"{MULTITOOL.relative_to(REPO)} is missing (scripts/setup.sh installs it from npm)"
    return None


def multitool_errors(paths: Path | Sequence[Path], rule_kinds: str = "Sarif;Gh") -> list[str]:
    """The Multitool's error-level results for the files (by default the SARIF and GitHub rules),
    all checked in one invocation (the Multitool shares files among its threads)."""
    files = [paths] if isinstance(paths, Path) else list(paths)
    out = files[0].with_suffix(".multitool.sarif")
    done = subprocess.run([str(MULTITOOL), "validate", *map(str, files), "--output", str(out),
                           "--rule-kind", rule_kinds, "--log", "ForceOverwrite"],
                          capture_output=True, text=True, timeout=1800)
    output = done.stdout[-2000:] + done.stderr[-2000:]
    assert out.exists(), f"the Multitool wrote no log (exit {done.returncode}): {output}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    errors = [f"{r.get('ruleId')}: {r['message'].get('text') or r['message'].get('arguments')}"
              for run in log.get("runs", []) for r in run.get("results", []) if r.get("level") == "error"]
    notifications = [n["message"]["text"] for run in log.get("runs", []) for inv in run.get("invocations", [])
                     for n in inv.get("toolExecutionNotifications", []) if n.get("level") == "error"]
    out.unlink()
    return errors + notifications


def github_limit_problems(doc: dict[str, Any], raw: bytes) -> list[str]:
    """Breaches of GitHub's documented SARIF upload limits."""
    problems = []
    if len(gzip.compress(raw)) > 10 * 1024 * 1024:
        problems.append("larger than 10 MB gzipped")
    runs = doc.get("runs", [])
    if len(runs) > 20:
        problems.append(f"{len(runs)} runs (limit 20)")
    seen = set()
    for i, run in enumerate(runs):
        key = (run["tool"]["driver"]["name"], (run.get("automationDetails") or {}).get("id"))
        if key in seen:
            problems.append(f"runs[{i}]: tool and category {key} repeat")
        seen.add(key)
        if key[1] is not None:
            problems.append(f"runs[{i}]: automationDetails.id {key[1]!r} overrides the uploader's category")
        results, rules = run.get("results", []), run["tool"]["driver"].get("rules", [])
        if len(results) > 25_000:
            problems.append(f"runs[{i}]: {len(results)} results (limit 25,000)")
        if len(rules) > 25_000:
            problems.append(f"runs[{i}]: {len(rules)} rules (limit 25,000)")
        for rule in rules:
            if len(rule.get("properties", {}).get("tags", [])) > 20:
                problems.append(f"runs[{i}]: rule {rule['id']} has more than 20 tags")
        for j, result in enumerate(results):
            locations = result.get("locations") or []
            if not locations or len(locations) > 1000:
                problems.append(f"runs[{i}].results[{j}]: {len(locations)} locations")
            for loc in locations:
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                if uri != urllib.parse.quote(urllib.parse.unquote(uri), safe="/") or uri.startswith("/"):
                    problems.append(f"runs[{i}].results[{j}]: URI {uri!r} is not a percent-encoded relative path")
    return problems


def assert_valid_sarif(path: Path, sample: int | None = None) -> dict[str, Any]:
    """Schema, GitHub's limits and (where it runs) the Multitool: no error. Returns the document.

    With ``sample``, a file of tens of thousands of generated results is checked in full for
    GitHub's limits and the Multitool's GitHub rules, and a copy keeping ``sample`` results per
    run, spread evenly over it (worst first means the levels change along a run), against the
    schema and the Multitool's SARIF rules: those
    two take about a minute per 25,000 results on this 2-core machine (``python -m bench sarif``
    runs them on every result: :func:`full_check`).
    """
    raw = path.read_bytes()
    doc: dict[str, Any] = json.loads(raw)
    assert github_limit_problems(doc, raw) == []
    checked, full = path, doc
    if sample is not None:
        if multitool_unavailable() is None:
            assert multitool_errors(path, "Gh") == []
        doc = {**doc, "runs": [{**run, "results": _spread(run["results"], sample)} for run in doc["runs"]]}
        checked = path.with_name(path.stem + ".sample.sarif")
        checked.write_text(json.dumps(doc), encoding="utf-8")
    jsonschema.Draft4Validator(sarif_schema()).validate(doc)
    if multitool_unavailable() is None:
        assert multitool_errors(checked) == []
    return full


def _spread(results: list[Any], count: int) -> list[Any]:
    """At most ``count`` of ``results``, evenly spaced from the first to the last."""
    if len(results) <= count or count < 2:
        return results[:count]
    return [results[i * (len(results) - 1) // (count - 1)] for i in range(count)]


def split_by_run(path: Path) -> list[Path]:
    """Each run of the SARIF log at ``path`` as a log of its own beside it, the run unchanged."""
    doc = json.loads(path.read_bytes())
    parts = []
    for i, run in enumerate(doc["runs"]):
        part = path.with_name(f"{path.stem}.run{i}.sarif")
        part.write_text(json.dumps({**doc, "runs": [run]}, separators=(",", ":")), encoding="utf-8")
        parts.append(part)
    return parts


@dataclass(frozen=True)
class FullCheck:
    """Every result of a SARIF file checked by every check: problems found and seconds taken."""

    results: int
    limit_problems: list[str]
    schema_errors: list[str]
    multitool_errors: list[str]
    schema_s: float
    multitool_s: float


def full_check(path: Path) -> FullCheck:
    """GitHub's limits, the schema (each run's log) and the Multitool (SARIF and GitHub rules,
    every run's log in one invocation) on every result of ``path``; the problems, not asserted."""
    raw = path.read_bytes()
    doc = json.loads(raw)
    parts = split_by_run(path)
    validator = jsonschema.Draft4Validator(sarif_schema())
    started = time.perf_counter()
    schema = [f"{p.name}: {e.json_path}: {e.message[:200]}" for p in parts
              for e in validator.iter_errors(json.loads(p.read_bytes()))]
    schema_s = time.perf_counter() - started
    started = time.perf_counter()
    tool = multitool_errors(parts) if multitool_unavailable() is None else [f"not run: {multitool_unavailable()}"]
    multitool_s = time.perf_counter() - started
    for p in parts:
        p.unlink()
    return FullCheck(sum(len(r.get("results", [])) for r in doc["runs"]), github_limit_problems(doc, raw), schema,
                     tool, schema_s, multitool_s)
