"""Helpers for the manifest tests: real artefacts, real keys, real git, real model_signing."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gates import proc
from gates.config.settings import GitHubEnv
from gates.plugins.base import GateContext
from tests.support.git_repo import commit_all, git, pr_event

__all__ = ["cli", "commit_all", "context", "git", "make_dataset", "make_keys", "make_models", "pr_event", "sign"]

REPO = Path(__file__).resolve().parents[2]


def make_dataset(root: Path) -> Path:
    """A small real training/eval dataset: JSONL, CSV and a NumPy array."""
    import numpy as np

    data = root / "data"
    (data / "eval").mkdir(parents=True)
    (data / "train.jsonl").write_text("".join(json.dumps({"text": f"sample {i}", "label": i % 2}) + "\n"
                                              for i in range(50)), encoding="utf-8")
    (data / "eval" / "eval.csv").write_text("text,label\nhello,0\nworld,1\n", encoding="utf-8")
    np.save(data / "features.npy", np.arange(64, dtype=np.float32).reshape(8, 8))
    return data


def make_models(root: Path) -> Path:
    """Real model artefacts: safetensors, a torch.save state dict (when torch imports), joblib."""
    import joblib
    import numpy as np
    from safetensors.numpy import save_file

    models = root / "models"
    models.mkdir(parents=True)
    save_file({"weight": np.ones((4, 4), dtype=np.float32), "bias": np.zeros(4, dtype=np.float32)},
              str(models / "model.safetensors"))
    joblib.dump({"coef": np.arange(5, dtype=np.float64)}, models / "scaler.joblib")
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is installed in this project's venv
        return models
    torch.save({"linear.weight": torch.ones(2, 3), "linear.bias": torch.zeros(2)}, models / "model.pt")
    return models


def make_keys(directory: Path, name: str = "key") -> tuple[Path, Path]:
    """A fresh EC P-256 key pair as PEM files: (private, public)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = directory / f"{name}.pem"
    public = directory / f"{name}.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def sign(model_path: Path, signature: Path, private_key: Path) -> None:
    """Sign with the real model_signing library API (as its CLI does, ignoring the signature)."""
    import model_signing

    ignored = []
    if signature.parent.resolve() == model_path.resolve() or model_path.resolve() in signature.resolve().parents:
        ignored.append(signature.resolve().relative_to(model_path.resolve()))
    (model_signing.signing.Config().use_elliptic_key_signer(private_key=private_key)
     .set_hashing_config(model_signing.hashing.Config().set_ignored_paths(paths=ignored))
     .sign(model_path, signature))


def context(workspace: Path, name: str, options: Mapping[str, Any] | None = None, *,
            base_sha: str | None = None) -> GateContext:
    """A gate context on ``workspace`` (scratch dirs beside it), optionally on a pull request."""
    scratch = workspace.parent / f"{workspace.name}-scratch"
    (scratch / "work").mkdir(parents=True, exist_ok=True)
    event = pr_event(base_sha) if base_sha else {}
    return GateContext(name=name, workspace=workspace, options=dict(options or {}), report_dir=scratch / "report",
                       work_dir=scratch / "work", github=GitHubEnv(event=event), log=lambda _m: None)


def cli(*args: str, cwd: Path, ok_codes: tuple[int, ...] = (0, 1, 2, 3), as_user: str | None = None) -> proc.Completed:
    """Run ``python -m gates ARGS`` for real (optionally as another user through setpriv)."""
    prefix: list[str] = []
    if as_user:
        prefix = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"]
    return proc.run([*prefix, sys.executable, "-m", "gates", *args], timeout=120, cwd=cwd, ok_codes=ok_codes,
                    env={"PYTHONPATH": str(REPO)})
