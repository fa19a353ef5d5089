"""The model-integrity gate: real model files, real signatures, the real static scanner."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from gates.errors import ConfigError
from gates.manifest import ManifestFormat, build_manifest, write_manifest
from gates.model import Checked, Severity, Skipped
from gates.plugins.model_integrity import ModelIntegrityGate
from tests.manifest.support import REPO, commit_all, context, make_keys, make_models, sign

DEMO = REPO / "examples" / "demo-project"


class _Exploit:
    """Pickles to a call of os.system (only ever pickled here, never loaded)."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return os.system, ("echo owned",)


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    make_models(workspace)
    return workspace


def _lock(ws: Path) -> None:
    write_manifest(build_manifest([ws / "models"], ws), ws / "models.sha256", ManifestFormat.SHA256SUM, ws)


def rules(outcome: object) -> list[tuple[str, str | None, Severity]]:
    assert isinstance(outcome, Checked), outcome
    return sorted((f.rule_id, f.path, f.severity) for f in outcome.findings)


def test_skipped_without_model_paths(tmp_path: Path) -> None:
    assert isinstance(ModelIntegrityGate().run(context(tmp_path, "model-integrity")), Skipped)


def test_configured_path_that_does_not_exist_is_a_config_error(ws: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        ModelIntegrityGate().run(context(ws, "model-integrity", {"paths": ["nope"]}))


def test_real_artefacts_with_default_lock_pass_and_are_scanned(ws: Path) -> None:
    _lock(ws)
    outcome = ModelIntegrityGate().run(context(ws, "model-integrity"))
    assert rules(outcome) == []
    assert outcome.metrics["files_scanned"] == len(list((ws / "models").iterdir())) >= 3
    assert "trust level working-tree" in outcome.summary


def test_unpinned_models_are_a_finding(ws: Path) -> None:
    assert rules(ModelIntegrityGate().run(context(ws, "model-integrity"))) == [
        ("MODEL-UNPINNED", "models", Severity.HIGH)]


def test_malicious_pickle_added_to_the_models(ws: Path) -> None:
    _lock(ws)
    (ws / "models" / "weights.bin").write_bytes(pickle.dumps(_Exploit(), protocol=4))
    found = rules(ModelIntegrityGate().run(context(ws, "model-integrity")))
    assert ("MODEL-UNEXPECTED", "models/weights.bin", Severity.HIGH) in found
    assert any(path == "models/weights.bin" and severity is Severity.CRITICAL and rule.startswith("PICKLE")
               for rule, path, severity in found), found


def test_allow_globals_accepts_a_projects_own_class(ws: Path) -> None:
    (ws / "models" / "head.pkl").write_bytes(b"cmypkg.layers\nHead\n(tR.")
    _lock(ws)
    found = rules(ModelIntegrityGate().run(context(ws, "model-integrity")))
    assert [(path, severity) for _, path, severity in found] == [("models/head.pkl", Severity.HIGH)]
    allowed = ModelIntegrityGate().run(context(ws, "model-integrity", {"allow-globals": ["mypkg.layers.Head"]}))
    assert rules(allowed) == []
    milder = ModelIntegrityGate().run(context(ws, "model-integrity", {"unknown-global-severity": "medium"}))
    assert [(path, severity) for _, path, severity in rules(milder)] == [("models/head.pkl", Severity.MEDIUM)]


def test_signature_over_the_model_directory(ws: Path, tmp_path: Path) -> None:
    private, public = make_keys(tmp_path)
    sign(ws / "models", ws / "model.sig", private)
    options = {"signature": "model.sig", "public-key": str(public), "trust": "signature"}
    outcome = ModelIntegrityGate().run(context(ws, "model-integrity", options))
    assert rules(outcome) == [] and "trust level signature" in outcome.summary
    (ws / "models" / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    assert ("MODEL-MODIFIED", "models/model.safetensors", Severity.CRITICAL) in rules(
        ModelIntegrityGate().run(context(ws, "model-integrity", options)))


def test_lock_changed_in_a_pr_together_with_the_model(ws: Path) -> None:
    _lock(ws)
    base = commit_all(ws, "approved model")
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"weight": np.full((4, 4), 9, dtype=np.float32), "bias": np.zeros(4, dtype=np.float32)},
              str(ws / "models" / "model.safetensors"))
    _lock(ws)
    commit_all(ws, "PR: retrained model")
    outcome = ModelIntegrityGate().run(context(ws, "model-integrity", {"trust": "base-branch"}, base_sha=base))
    assert rules(outcome) == [("MANIFEST-CHANGED", "models.sha256", Severity.HIGH),
                              ("MODEL-MODIFIED", "models/model.safetensors", Severity.HIGH)]


def test_demo_project_models_and_data_verify(tmp_path: Path) -> None:
    """The committed demo artefacts: lock, signature (with the demo public key) and scan all pass."""
    from gates.plugins.data_integrity import DataIntegrityGate

    ws = tmp_path / "demo"
    shutil.copytree(DEMO / "models", ws / "models")
    shutil.copytree(DEMO / "data", ws / "data")
    paths = ["models/intent-classifier"]
    for options in ({"paths": paths, "manifest": "models/models.sha256"},
                    {"paths": paths, "signature": "models/intent-classifier.sig",
                     "public-key": "models/signing-key.pub", "trust": "signature"}):
        outcome = ModelIntegrityGate().run(context(ws, "model-integrity", options))
        assert rules(outcome) == [] and outcome.checked == 3, outcome
    data = DataIntegrityGate().run(context(ws, "data-integrity", {"manifest": "data/data.manifest.json"}))
    assert rules(data) == [] and data.checked == 2


def test_unpinned_models_still_report_a_symlink_leaving_the_workspace(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(pickle.dumps(_Exploit(), protocol=2))
    (ws / "models" / "linked.pkl").symlink_to(outside)
    assert rules(ModelIntegrityGate().run(context(ws, "model-integrity"))) == [
        ("MODEL-SYMLINK-ESCAPE", "models/linked.pkl", Severity.HIGH), ("MODEL-UNPINNED", "models", Severity.HIGH)]


def test_several_locks_each_cover_their_own_directory(ws: Path) -> None:
    (ws / "models" / "second").mkdir()
    (ws / "models" / "second" / "w.safetensors").write_bytes((ws / "models" / "model.safetensors").read_bytes())
    write_manifest(build_manifest([ws / "models" / "second"], ws), ws / "second.sha256", ManifestFormat.SHA256SUM, ws)
    first = [p for p in (ws / "models").iterdir() if p.is_file()]
    write_manifest(build_manifest(first, ws), ws / "first.manifest.json", ManifestFormat.JSON, ws)
    outcome = ModelIntegrityGate().run(context(ws, "model-integrity",
                                               {"manifest": ["first.manifest.json", "second.sha256"]}))
    assert rules(outcome) == [] and outcome.checked == len(first) + 1


def test_lock_signature_and_key_inside_the_model_path_are_not_unexpected(ws: Path, tmp_path: Path) -> None:
    write_manifest(build_manifest([ws / "models"], ws), tmp_path / "lock.sha256", ManifestFormat.SHA256SUM, ws)
    shutil.move(tmp_path / "lock.sha256", ws / "models" / "lock.sha256")
    assert rules(ModelIntegrityGate().run(context(ws, "model-integrity", {"manifest": "models/lock.sha256"}))) == []
    private, public = make_keys(tmp_path, "signing")
    shutil.copy(public, ws / "models" / "signing.pub")
    sign(ws / "models", ws / "models" / "model.sig", private)
    options = {"signature": "models/model.sig", "public-key": "models/signing.pub"}
    assert rules(ModelIntegrityGate().run(context(ws, "model-integrity", options))) == []


def test_signature_over_the_directory_and_a_lock_are_both_checked(ws: Path, tmp_path: Path) -> None:
    _lock(ws)
    private, public = make_keys(tmp_path)
    sign(ws / "models", tmp_path / "model.sig", private)
    options = {"manifest": "models.sha256", "signature": str(tmp_path / "model.sig"), "public-key": str(public),
               "signed-path": "models", "trust": "signature"}
    outcome = ModelIntegrityGate().run(context(ws, "model-integrity", options))
    assert rules(outcome) == [] and "trust levels signature + working-tree" in outcome.summary
    assert outcome.metrics["trust"] == {f"signature {tmp_path / 'model.sig'}": "signature",
                                        "models.sha256": "working-tree"}
    (ws / "models" / "scaler.joblib").write_bytes(b"changed")
    found = rules(ModelIntegrityGate().run(context(ws, "model-integrity", options)))
    assert [r for r in found if r[0] == "MODEL-MODIFIED"] == [
        ("MODEL-MODIFIED", "models/scaler.joblib", Severity.CRITICAL),  # against the signature
        ("MODEL-MODIFIED", "models/scaler.joblib", Severity.HIGH)]  # against the lock
