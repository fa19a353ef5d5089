"""data-integrity / model-integrity on a pull request that swaps the signing key: real git, real model_signing.

The change tampers with the data, re-signs it with the attacker's own key and then tries to make
the gate read the attacker's public key: by replacing the file, by a symbolic link, or through a
``public-key`` spelling that leads into the checkout (``/proc/self/cwd``, ``..``, an absolute
path). The key must always come from the base commit; the honest change still passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.manifest.support import make_keys, sign
from tests.security.gate_trust_repo import PullRequest, Symlink, write_tree
from tests.support.git_repo import commit_all

DATA = {"data/train.jsonl": '{"text": "a", "label": 0}\n', "data/eval.csv": "text,label\nhi,1\n"}


def _config(key: str) -> str:
    return ("version: 1\ngates:\n  data-integrity:\n    signature: data.sig\n"
            f"    public-key: '{key}'\n    signed-path: data\n    trust: signature\n")


def _signed_tree(tmp_path: Path, private: Path) -> dict[str, bytes]:
    """The data directory and a signature over it, as file contents."""
    scratch = tmp_path / "sign"
    write_tree(scratch, DATA)
    sign(scratch / "data", scratch / "data.sig", private)
    return {**{k: v.encode() for k, v in DATA.items()}, "data.sig": (scratch / "data.sig").read_bytes()}


def _pr(tmp_path: Path, key_option: str | None, head_key: object, tamper: bool = True) -> PullRequest:
    keys = tmp_path / "keys"
    keys.mkdir()
    good_private, good_public = make_keys(keys, "good")
    evil_private, evil_public = make_keys(keys, "evil")
    repo = tmp_path / "ws"
    base = {**_signed_tree(tmp_path / "b", good_private), "keys/data.pub": good_public.read_bytes(),
            ".github/secure-ai-gates.yml": _config(key_option or "keys/data.pub")}
    if not tamper:
        return PullRequest.make(tmp_path, base, {"README.md": "docs only\n"})
    head: dict = {k: v for k, v in _signed_tree(tmp_path / "h", evil_private).items() if k != "data/train.jsonl"}
    head["data/train.jsonl"] = '{"text": "poisoned", "label": 1}\n'
    scratch = tmp_path / "h2"
    write_tree(scratch, {**DATA, "data/train.jsonl": head["data/train.jsonl"]})
    sign(scratch / "data", scratch / "data.sig", evil_private)
    head["data.sig"] = (scratch / "data.sig").read_bytes()
    if head_key == "replace":
        head["keys/data.pub"] = evil_public.read_bytes()
    elif head_key == "symlink-out":
        head["keys/data.pub"] = Symlink(str(evil_public))
    elif head_key == "symlink-in":
        head["keys/evil.pub"] = evil_public.read_bytes()
        head["keys/data.pub"] = Symlink("evil.pub")
    assert repo.parent == tmp_path
    return PullRequest.make(tmp_path, base, head)


def _key_spelling(tmp_path: Path, spelling: str) -> str:
    repo = tmp_path / "ws"
    return {"relative": "keys/data.pub", "proc-cwd": "/proc/self/cwd/keys/data.pub",
            "dotdot": "../ws/keys/data.pub", "absolute": str(repo / "keys" / "data.pub"),
            "dotdot-inside": "keys/../keys/data.pub"}[spelling]


@pytest.mark.parametrize("spelling, head_key", [
    ("relative", "replace"),
    ("relative", "symlink-out"),
    ("relative", "symlink-in"),
    ("proc-cwd", "replace"),
    ("dotdot", "replace"),
    ("absolute", "symlink-out"),
    ("dotdot-inside", "replace"),
])
def test_key_swapped_by_the_change_is_never_used(tmp_path: Path, spelling: str, head_key: str) -> None:
    pr = _pr(tmp_path, _key_spelling(tmp_path, spelling), head_key)
    verdict = pr.run(tmp_path / "run", "data-integrity")
    assert verdict.code == 1, verdict.output
    rules = verdict.rules("data-integrity")
    assert any(r.endswith("SIGNATURE-INVALID") for r in rules), rules
    assert any(r.endswith("SIGNING-KEY-CHANGED") for r in rules), rules


@pytest.mark.parametrize("spelling", ["relative", "proc-cwd", "absolute"])
def test_control_untouched_key_and_data_pass(tmp_path: Path, spelling: str) -> None:
    pr = _pr(tmp_path, _key_spelling(tmp_path, spelling), None, tamper=False)
    verdict = pr.run(tmp_path / "run", "data-integrity")
    assert verdict.code == 0, verdict.output


def test_base_ref_cannot_point_the_trusted_copy_at_the_head(tmp_path: Path) -> None:
    pr = _pr(tmp_path, "keys/data.pub", "replace")
    config = (pr.repo / ".github" / "secure-ai-gates.yml").read_text() + "    base-ref: HEAD\n"
    (pr.repo / ".github" / "secure-ai-gates.yml").write_text(config)
    pr = PullRequest(pr.repo, pr.base, commit_all(pr.repo, "head sets base-ref"))  # a policy change: not applied
    verdict = pr.run(tmp_path / "run", "data-integrity")
    assert verdict.code == 1, verdict.output
    assert any(r.endswith("SIGNING-KEY-CHANGED") for r in verdict.rules("data-integrity"))
