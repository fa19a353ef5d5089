"""``secure-ai-gates manifest create|verify`` for real, through ``python -m gates``: exit codes 0-3."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from gates import proc
from tests.manifest.support import cli, make_dataset


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    make_dataset(tmp_path)
    return tmp_path


def test_create_is_readable_by_sha256sum_and_verify_passes(project: Path) -> None:
    done = cli("manifest", "create", "data", "--output", "data.sha256", cwd=project)
    assert done.returncode == 0 and "3 files" in done.stdout
    check = proc.run(["sha256sum", "--strict", "-c", "data.sha256"], timeout=30, cwd=project)
    assert check.stdout.count(": OK") == 3
    assert cli("manifest", "verify", "data.sha256", cwd=project).returncode == 0


def test_json_blake3_with_root_from_elsewhere(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    out = project / "data.manifest.json"
    done = cli("manifest", "create", str(project / "data"), "--output", str(out), "--root", str(project),
               "--algorithm", "blake3", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["algorithm"] == "blake3" and doc["paths"] == ["data"]
    assert [f["path"] for f in doc["files"]] == ["data/eval/eval.csv", "data/features.npy", "data/train.jsonl"]
    assert all(f["size"] > 0 for f in doc["files"])
    assert cli("manifest", "verify", str(out), "--root", str(project), cwd=elsewhere).returncode == 0


def test_verify_exit_1_lists_every_modified_missing_unexpected_file(project: Path) -> None:
    cli("manifest", "create", "data", "--output", "data.manifest.json", cwd=project)
    (project / "data" / "train.jsonl").write_text("tampered\n", encoding="utf-8")
    (project / "data" / "features.npy").unlink()
    (project / "data" / "eval" / "poison.csv").write_text("x,1\n", encoding="utf-8")
    done = cli("manifest", "verify", "data.manifest.json", cwd=project)
    assert done.returncode == 1
    assert "MODIFIED    data/train.jsonl (size" in done.stdout
    assert "MISSING     data/features.npy" in done.stdout
    assert "UNEXPECTED  data/eval/poison.csv" in done.stdout


@pytest.mark.parametrize("content, message", [
    (b"garbage line\n", "line 1 is not 'HASH  PATH'"),
    (("0" * 64 + "  ../../etc/passwd\n").encode(), "escapes the root"),
    (("0" * 64 + "  a\n" + "1" * 64 + "  a\n").encode(), "duplicate entry for a"),
    (b"{broken json", "invalid JSON"),
])
def test_verify_exit_2_for_a_bad_manifest(project: Path, content: bytes, message: str) -> None:
    (project / "bad.sha256").write_bytes(content)
    done = cli("manifest", "verify", "bad.sha256", cwd=project)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (["manifest", "verify", "absent.sha256"], "does not exist"),
    (["manifest", "create", "data", "--output", "data/inside.sha256"], "inside the hashed path"),
    (["manifest", "create", "data", "--output", "x.sha256", "--algorithm", "blake3", "--format", "sha256sum"],
     "needs --format json"),
    (["manifest", "create", "missing-dir", "--output", "x.sha256"], "does not exist"),
    (["manifest", "create", "data", "--output", "x.sha256", "--root", "nowhere"], "not a directory"),
    (["manifest", "create", "data"], "--output"),
])
def test_usage_errors_exit_2(project: Path, args: list[str], message: str) -> None:
    done = cli(*args, cwd=project)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_unreadable_file_exits_3(tmp_path: Path) -> None:
    """A file the process cannot read: as root, run the CLI as nobody (root reads everything)."""
    base = Path(tempfile.mkdtemp(prefix="sag-unreadable-"))
    try:
        base.chmod(0o755)
        make_dataset(base)
        assert cli("manifest", "create", "data", "--output", "data.sha256", cwd=base).returncode == 0
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (base / "data" / "eval" / "eval.csv").chmod(0)
        user = "65534" if os.geteuid() == 0 else None
        if user is None and os.access(base / "data" / "eval" / "eval.csv", os.R_OK):
            pytest.skip("this user can read a mode-000 file")
        done = cli("manifest", "verify", "data.sha256", cwd=base, as_user=user)
        assert done.returncode == 3, done.stdout + done.stderr
        assert "data/eval/eval.csv: cannot be read (Permission denied)" in done.stderr
        again = cli("manifest", "create", "data", "--output", str(base / "again.sha256"), cwd=base, as_user=user)
        assert again.returncode == 3 and "eval.csv" in again.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_symlink_leaving_the_root_exits_1(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cli("manifest", "create", "data", "--output", "data.sha256", cwd=project)
    secret = tmp_path_factory.mktemp("elsewhere") / "secret"
    secret.write_text("s", encoding="utf-8")
    (project / "data" / "peek").symlink_to(secret)
    done = cli("manifest", "verify", "data.sha256", cwd=project)
    assert done.returncode == 1 and "UNSAFE      data/peek is a symlink to" in done.stdout
    refused = cli("manifest", "create", "data", "--output", "again.sha256", cwd=project)
    assert refused.returncode == 2 and "outside the root" in refused.stderr
