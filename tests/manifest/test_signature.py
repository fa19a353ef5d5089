"""Signature trust with the real OpenSSF model_signing library: API- and CLI-made signatures."""

from __future__ import annotations

import base64
import json
import shutil
import sys
from pathlib import Path

import pytest

from gates import proc
from gates.errors import GateError
from gates.manifest import Algorithm, verify_tree
from gates.manifest.integrity import run_checks
from gates.manifest.signature import SignatureInvalid, verify_signature
from gates.model import Severity
from tests.manifest.support import REPO, commit_all, context, make_keys, make_models, sign


@pytest.fixture()
def signed(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A workspace with models/ signed (signature inside the directory), and the key pair."""
    ws = tmp_path / "ws"
    ws.mkdir()
    make_models(ws)
    private, public = make_keys(tmp_path)
    sign(ws / "models", ws / "models" / "model.sig", private)
    return ws, private, public


def test_library_signature_verifies_and_lists_the_signed_files(signed: tuple[Path, Path, Path]) -> None:
    ws, _, public = signed
    content = verify_signature(ws / "models" / "model.sig", public, "models", ws)
    paths = [e.path for e in content.manifest.entries]
    assert "models/model.safetensors" in paths and "models/model.sig" not in paths
    assert content.manifest.algorithm is Algorithm.SHA256 and content.model_name == "models"
    assert "models/model.sig" in content.ignore and "models/.git" in content.ignore
    assert verify_tree(content.manifest, ws, exclude=content.ignore).ok


def test_signature_from_the_model_signing_cli_verifies_here(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    make_models(ws)
    private, public = make_keys(tmp_path)
    proc.run([sys.executable, "-m", "model_signing", "sign", "key", "--private_key", str(private),
              "--signature", "models/model.sig", "models"], timeout=120, cwd=ws)
    content = verify_signature(ws / "models" / "model.sig", public, "models", ws)
    assert verify_tree(content.manifest, ws, exclude=content.ignore).ok
    # and the library's own CLI agrees with us on the untouched model
    proc.run([sys.executable, "-m", "model_signing", "verify", "key", "--public_key", str(public),
              "--signature", "models/model.sig", "models"], timeout=120, cwd=ws)


def test_blake3_signature_interoperates(tmp_path: Path) -> None:
    import model_signing

    ws = tmp_path / "ws"
    (ws / "models").mkdir(parents=True)
    (ws / "models" / "w.bin").write_bytes(b"\x00" * 4096)
    private, public = make_keys(tmp_path)
    (model_signing.signing.Config().use_elliptic_key_signer(private_key=private)
     .set_hashing_config(model_signing.hashing.Config().use_file_serialization(hashing_algorithm="blake3"))
     .sign(ws / "models", tmp_path / "m.sig"))
    content = verify_signature(tmp_path / "m.sig", public, "models", ws)
    assert content.manifest.algorithm is Algorithm.BLAKE3 and verify_tree(content.manifest, ws).ok


def test_wrong_key_corrupt_and_forged_signatures_are_invalid(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    ws, _, public = signed
    _, other_public = make_keys(tmp_path, "other")
    sig = ws / "models" / "model.sig"
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify_signature(sig, other_public, "models", ws)
    bundle = json.loads(sig.read_text(encoding="utf-8"))
    payload = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    payload["predicate"]["resources"][0]["digest"] = "0" * 64  # forge an expected hash
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    forged = tmp_path / "forged.sig"
    forged.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify_signature(forged, public, "models", ws)
    garbage = tmp_path / "garbage.sig"
    garbage.write_text("{not json", encoding="utf-8")
    with pytest.raises(SignatureInvalid, match="cannot read"):
        verify_signature(garbage, public, "models", ws)
    bad_key = tmp_path / "bad.pub"
    bad_key.write_text("not a key", encoding="utf-8")
    with pytest.raises(SignatureInvalid, match="public key"):
        verify_signature(sig, bad_key, "models", ws)


def test_sharded_signatures_are_refused_clearly(tmp_path: Path) -> None:
    import model_signing

    ws = tmp_path / "ws"
    (ws / "models").mkdir(parents=True)
    (ws / "models" / "w.bin").write_bytes(b"w" * 100)
    private, public = make_keys(tmp_path)
    (model_signing.signing.Config().use_elliptic_key_signer(private_key=private)
     .set_hashing_config(model_signing.hashing.Config().use_shard_serialization(shard_size=64))
     .sign(ws / "models", tmp_path / "m.sig"))
    with pytest.raises(GateError, match="shards"):
        verify_signature(tmp_path / "m.sig", public, "models", ws)


def _check(ws: Path, options: dict[str, object], base_sha: str | None = None) -> list[tuple[str, str | None, Severity]]:
    ctx = context(ws, "model-integrity", options, base_sha=base_sha)
    results = run_checks(ctx, "MODEL", [], scope_paths=["models"], signed_path="models")
    assert [r.level.value for r in results] == ["signature"]
    return sorted((f.rule_id, f.path, f.severity) for r in results for f in r.findings)


def test_tampered_model_files_are_critical(signed: tuple[Path, Path, Path]) -> None:
    ws, _, public = signed
    options = {"signature": "models/model.sig", "public-key": str(public), "trust": "signature"}
    assert _check(ws, options) == []
    raw = bytearray((ws / "models" / "model.pt").read_bytes())
    raw[-30] ^= 0xFF
    (ws / "models" / "model.pt").write_bytes(bytes(raw))
    (ws / "models" / "scaler.joblib").unlink()
    (ws / "models" / "payload.pkl").write_bytes(b"\x80\x04N.")
    assert _check(ws, options) == [("MODEL-MISSING", "models/scaler.joblib", Severity.CRITICAL),
                                   ("MODEL-MODIFIED", "models/model.pt", Severity.CRITICAL),
                                   ("MODEL-UNEXPECTED", "models/payload.pkl", Severity.CRITICAL)]
    (ws / "models" / "model.sig").unlink()
    assert _check(ws, options) == [("SIGNATURE-MISSING", "models/model.sig", Severity.CRITICAL)]


def test_public_key_swapped_in_a_pr_is_caught_and_the_base_key_used(signed: tuple[Path, Path, Path],
                                                                     tmp_path: Path) -> None:
    ws, _, public = signed
    (ws / "keys").mkdir()
    (ws / "keys" / "model.pub").write_bytes(public.read_bytes())
    base = commit_all(ws, "approved model and key")
    attacker_private, attacker_public = make_keys(tmp_path, "attacker")
    (ws / "models" / "model.safetensors").write_bytes(b"evil weights")
    sign(ws / "models", ws / "models" / "model.sig", attacker_private)
    (ws / "keys" / "model.pub").write_bytes(attacker_public.read_bytes())
    commit_all(ws, "PR: new weights, re-signed with my own key")
    options = {"signature": "models/model.sig", "public-key": "keys/model.pub"}
    assert _check(ws, options) == []  # without a base commit the swapped key is trusted: working-tree key
    assert _check(ws, options, base_sha=base) == [
        ("SIGNATURE-INVALID", "models/model.sig", Severity.CRITICAL),
        ("SIGNING-KEY-CHANGED", "keys/model.pub", Severity.CRITICAL)]


def test_committed_cli_signature_still_verifies_and_catches_tampering(tmp_path: Path) -> None:
    """A bundle made by the model_signing 1.1.1 CLI (tests/assets/manifest/cli-signed)."""
    asset = REPO / "tests" / "assets" / "manifest" / "cli-signed"
    ws = tmp_path / "ws"
    shutil.copytree(asset, ws)
    content = verify_signature(ws / "model.sig", ws / "key.pub", "model", ws)
    assert sorted(e.path for e in content.manifest.entries) == ["model/config.json", "model/model.safetensors"]
    assert verify_tree(content.manifest, ws, scope=["model"], exclude=content.ignore).ok
    (ws / "model" / "config.json").write_text('{"labels": ["a", "evil"]}\n', encoding="utf-8")
    report = verify_tree(content.manifest, ws, scope=["model"], exclude=content.ignore)
    assert [m.path for m in report.modified] == ["model/config.json"]
