"""The data-integrity gate on real datasets, real git history and real signatures."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import ConfigError, GateError
from gates.manifest import ManifestFormat, build_manifest, write_manifest
from gates.model import Checked, Severity, Skipped
from gates.plugins.data_integrity import DataIntegrityGate
from tests.manifest.support import commit_all, context, git, make_dataset, make_keys, sign


def _manifest(ws: Path, name: str = "data.sha256") -> Path:
    fmt = ManifestFormat.JSON if name.endswith(".json") else ManifestFormat.SHA256SUM
    write_manifest(build_manifest([ws / "data"], ws), ws / name, fmt, ws)
    return ws / name


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    make_dataset(workspace)
    return workspace


def rules(outcome: object) -> list[tuple[str, str | None, Severity]]:
    assert isinstance(outcome, Checked), outcome
    return sorted((f.rule_id, f.path, f.severity) for f in outcome.findings)


def test_skipped_when_nothing_is_configured_and_no_default_manifest(ws: Path) -> None:
    outcome = DataIntegrityGate().run(context(ws, "data-integrity"))
    assert isinstance(outcome, Skipped) and "data.sha256" in outcome.reason


def test_default_manifest_passes_at_working_tree_trust(ws: Path) -> None:
    _manifest(ws)
    outcome = DataIntegrityGate().run(context(ws, "data-integrity"))
    assert isinstance(outcome, Checked) and not outcome.findings and outcome.checked == 3
    assert "trust level working-tree" in outcome.summary and "**working-tree**" in outcome.details


def test_findings_for_every_changed_file_with_paths_relative_to_the_workspace(ws: Path) -> None:
    _manifest(ws, "data.manifest.json")
    (ws / "data" / "train.jsonl").write_text("poisoned\n", encoding="utf-8")
    (ws / "data" / "features.npy").unlink()
    (ws / "data" / "extra.csv").write_text("a\n", encoding="utf-8")
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", {"manifest": "data.manifest.json"}))
    assert rules(outcome) == [("DATA-MISSING", "data/features.npy", Severity.HIGH),
                              ("DATA-MODIFIED", "data/train.jsonl", Severity.HIGH),
                              ("DATA-UNEXPECTED", "data/extra.csv", Severity.HIGH)]
    assert all(f.fingerprint for f in outcome.findings)


def test_root_option_and_malformed_manifest_lines(ws: Path) -> None:
    manifest = build_manifest([ws / "data" / "eval"], ws / "data")
    write_manifest(manifest, ws / "eval.sha256", ManifestFormat.SHA256SUM, ws / "data")
    with open(ws / "eval.sha256", "a", encoding="utf-8") as handle:
        handle.write("not a manifest line\n")
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", {"manifest": "eval.sha256", "root": "data"}))
    assert isinstance(outcome, Checked) and outcome.checked == 1
    assert [(f.rule_id, f.path, f.line) for f in outcome.findings] == [("MANIFEST-INVALID", "eval.sha256", 2)]


def test_missing_configured_manifest_is_a_config_error(ws: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        DataIntegrityGate().run(context(ws, "data-integrity", {"manifest": "absent.sha256"}))


# ----------------------------------------------------------------------------------- base branch

@pytest.fixture()
def repo(ws: Path) -> tuple[Path, str]:
    _manifest(ws)
    base = commit_all(ws, "approved data")
    return ws, base


def test_pr_changing_data_and_manifest_is_caught(repo: tuple[Path, str]) -> None:
    ws, base = repo
    (ws / "data" / "train.jsonl").write_text('{"text": "poison", "label": 1}\n', encoding="utf-8")
    _manifest(ws)  # the PR regenerates the manifest so that the working tree agrees with itself
    commit_all(ws, "PR: new data and manifest")
    working = DataIntegrityGate().run(context(ws, "data-integrity"))
    assert rules(working) == []  # the weakest trust level sees nothing: that is why it is the weakest
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", {"trust": "base-branch"}, base_sha=base))
    assert rules(outcome) == [("DATA-MODIFIED", "data/train.jsonl", Severity.HIGH),
                              ("MANIFEST-CHANGED", "data.sha256", Severity.HIGH)]
    changed = next(f for f in outcome.findings if f.rule_id == "MANIFEST-CHANGED")
    assert "0 added, 0 removed, 1 changed" in changed.message
    assert "trust level base-branch" in outcome.summary and base[:12] in outcome.details


def test_unchanged_pr_passes_at_base_branch_trust_and_base_ref_option(repo: tuple[Path, str]) -> None:
    ws, base = repo
    (ws / "README.md").write_text("docs only\n", encoding="utf-8")
    commit_all(ws, "PR: docs")
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", {"trust": "base-branch"}, base_sha=base))
    assert rules(outcome) == [] and "base-branch" in outcome.summary
    git(ws, "branch", "approved", base)
    by_ref = DataIntegrityGate().run(context(ws, "data-integrity", {"trust": "base-branch", "base-ref": "approved"}))
    assert rules(by_ref) == []


def test_manifest_new_in_the_pr_needs_approval(ws: Path) -> None:
    base = commit_all(ws, "data without manifest")
    _manifest(ws)
    commit_all(ws, "PR: add manifest")
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", base_sha=base))
    assert rules(outcome) == [("MANIFEST-NEW", "data.sha256", Severity.HIGH)]


def test_required_base_branch_without_a_base_is_an_error(repo: tuple[Path, str]) -> None:
    ws, _ = repo
    with pytest.raises(GateError, match="base-branch is required but only working-tree"):
        DataIntegrityGate().run(context(ws, "data-integrity", {"trust": "base-branch"}))
    with pytest.raises(GateError, match="not in this clone"):
        DataIntegrityGate().run(context(ws, "data-integrity", {"trust": "base-branch"}, base_sha="f" * 40))


def test_not_a_git_repository_falls_back_to_working_tree(ws: Path) -> None:
    _manifest(ws)
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", base_sha="a" * 40))
    assert isinstance(outcome, Checked) and "working-tree" in outcome.summary
    assert "not inside a git repository" in outcome.details


# ----------------------------------------------------------------------------------- signature

def test_signed_manifest_gives_signature_trust_and_catches_a_swapped_manifest(ws: Path, tmp_path: Path) -> None:
    manifest = _manifest(ws)
    private, public = make_keys(tmp_path)
    sign(manifest, ws / "data.sha256.sig", private)
    options = {"signature": "data.sha256.sig", "public-key": str(public), "trust": "signature"}
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", options))
    assert rules(outcome) == [] and "trust level signature" in outcome.summary
    assert outcome.tool_versions.get("model_signing")
    (ws / "data" / "train.jsonl").write_text("poison\n", encoding="utf-8")
    assert rules(DataIntegrityGate().run(context(ws, "data-integrity", options))) == [
        ("DATA-MODIFIED", "data/train.jsonl", Severity.CRITICAL)]
    _manifest(ws)  # regenerate the manifest: the signature no longer covers it
    assert rules(DataIntegrityGate().run(context(ws, "data-integrity", options))) == [
        ("SIGNATURE-MISMATCH", "data.sha256", Severity.CRITICAL)]


def test_pr_deleting_the_manifest_is_verified_against_the_base(repo: tuple[Path, str]) -> None:
    ws, base = repo
    (ws / "data.sha256").unlink()
    (ws / "data" / "eval" / "eval.csv").write_text("changed\n", encoding="utf-8")
    commit_all(ws, "PR: drop the manifest")
    outcome = DataIntegrityGate().run(context(ws, "data-integrity", {"manifest": "data.sha256"}, base_sha=base))
    assert rules(outcome) == [("DATA-MODIFIED", "data/eval/eval.csv", Severity.HIGH),
                              ("MANIFEST-CHANGED", "data.sha256", Severity.HIGH)]
    assert "deleted" in next(f.message for f in outcome.findings if f.rule_id == "MANIFEST-CHANGED")
