"""Build the demo project's model artefacts, their manifests and a model_signing signature.

    python tools/make_model.py [--private-key KEY.pem]

Run from anywhere; paths are relative to the demo project (this file's parent's parent).
It trains a tiny bag-of-words intent classifier (multinomial naive Bayes, closed form, so the
weights are the same on every run) on ``data/train/intents.jsonl`` and writes:

  models/intent-classifier/model.safetensors   weights (safetensors; no code can hide in it)
  models/intent-classifier/model.pt            the same state dict via torch.save (a pickle
                                               the static scanner must accept: tensors only)
  models/intent-classifier/config.json         labels and vocabulary
  models/models.sha256                         manifest of the model files (sha256sum -c)
  data/data.manifest.json                      manifest of data/train and data/eval (JSON)
  models/intent-classifier.sig                 model_signing signature over the model dir
  models/signing-key.pub                       the public key that verifies it

Without --private-key a throw-away EC P-256 key is generated and only its public half is
kept: re-running re-signs with a new key (and a new public key to approve in review).
The signature is ECDSA, so it differs on every run even for the same model.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
REPO = PROJECT.parents[1]
MODEL_DIR = PROJECT / "models" / "intent-classifier"


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def train(rows: list[dict[str, str]]) -> tuple[list[str], list[str], list[list[float]], list[float]]:
    """Multinomial naive Bayes with add-one smoothing: (labels, vocab, log P(word|label), log prior)."""
    labels = sorted({r["label"] for r in rows})
    vocab = sorted({t for r in rows for t in _tokens(r["text"])})
    counts = {label: Counter() for label in labels}
    docs = Counter(r["label"] for r in rows)
    for r in rows:
        counts[r["label"]].update(_tokens(r["text"]))
    weight = []
    for label in labels:
        total = sum(counts[label].values()) + len(vocab)
        weight.append([math.log((counts[label][w] + 1) / total) for w in vocab])
    bias = [math.log(docs[label] / len(rows)) for label in labels]
    return labels, vocab, weight, bias


def save_model(labels: list[str], vocab: list[str], weight: list[list[float]], bias: list[float]) -> None:
    """Write safetensors, torch.save and config.json into the model directory."""
    import numpy as np
    from safetensors.numpy import save_file

    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    w = np.asarray(weight, dtype=np.float32)
    b = np.asarray(bias, dtype=np.float32)
    save_file({"classifier.weight": w, "classifier.bias": b}, str(MODEL_DIR / "model.safetensors"),
              metadata={"format": "np"})  # one key: safetensors orders several at random
    (MODEL_DIR / "config.json").write_text(json.dumps({"labels": labels, "vocab": vocab}, indent=1) + "\n",
                                           encoding="utf-8")
    try:
        import torch
    except ImportError:
        print("torch is not installed: model.pt not written", file=sys.stderr)
        return
    torch.save({"classifier.weight": torch.from_numpy(w), "classifier.bias": torch.from_numpy(b)},
               MODEL_DIR / "model.pt")


def write_manifests() -> None:
    """Data and model manifests with secure-ai-gates itself (paths relative to the project)."""
    sys.path.insert(0, str(REPO))
    from gates.manifest import ManifestFormat, build_manifest, write_manifest

    data = build_manifest([PROJECT / "data" / "train", PROJECT / "data" / "eval"], PROJECT)
    write_manifest(data, PROJECT / "data" / "data.manifest.json", ManifestFormat.JSON, PROJECT)
    models = build_manifest([MODEL_DIR], PROJECT)
    write_manifest(models, PROJECT / "models" / "models.sha256", ManifestFormat.SHA256SUM, PROJECT)


def sign(private_key: Path | None) -> None:
    """Sign the model directory with model_signing; keep only the public key."""
    import model_signing
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    with tempfile.TemporaryDirectory() as scratch:
        if private_key is None:
            key = ec.generate_private_key(ec.SECP256R1())
            private_key = Path(scratch) / "key.pem"
            private_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
        loaded = serialization.load_pem_private_key(private_key.read_bytes(), password=None)
        public = loaded.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        (PROJECT / "models" / "signing-key.pub").write_bytes(public)
        (model_signing.signing.Config().use_elliptic_key_signer(private_key=private_key)
         .sign(MODEL_DIR, PROJECT / "models" / "intent-classifier.sig"))


def main(argv: list[str] | None = None) -> int:
    """Train, save, write manifests, sign."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--private-key", type=Path, default=None, help="EC private key (PEM) to sign with")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in (PROJECT / "data" / "train" / "intents.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    save_model(*train(rows))
    write_manifests()
    sign(args.private_key)
    print(f"wrote {MODEL_DIR.relative_to(PROJECT)}, manifests and signature")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
