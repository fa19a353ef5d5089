"""Creating and verifying manifests of real data and model files, and every bad tree."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gates.manifest import (
    Algorithm,
    ManifestError,
    ManifestFormat,
    build_manifest,
    hash_file,
    hash_files,
    parse,
    verify_tree,
    write_manifest,
)
from tests.manifest.support import make_dataset, make_models


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    make_dataset(tmp_path)
    make_models(tmp_path)
    return tmp_path


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_hash_file_matches_reference_implementations(tmp_path: Path, algorithm: Algorithm) -> None:
    import blake3

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 << 20) + b"tail")  # above the threaded BLAKE3 threshold, not chunk-aligned
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 1000)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    reference = {Algorithm.SHA256: hashlib.sha256, Algorithm.BLAKE2: hashlib.blake2b, Algorithm.BLAKE3: blake3.blake3}
    for path in (big, small, empty):
        got = hash_file(path, algorithm)
        assert got.digest == reference[algorithm](path.read_bytes()).hexdigest()
        assert got.size == path.stat().st_size


def test_parallel_hashing_equals_sequential_and_reports_errors(tmp_path: Path) -> None:
    paths = []
    for i in range(40):
        p = tmp_path / f"f{i}"
        p.write_bytes(os.urandom(i * 997))
        paths.append(p)
    paths.append(tmp_path / "absent")
    parallel = hash_files(paths, workers=4)
    sequential = hash_files(paths, workers=1)
    assert parallel[:-1] == sequential[:-1]
    assert isinstance(parallel[-1], FileNotFoundError)


@pytest.mark.parametrize("fmt", list(ManifestFormat))
def test_create_then_verify_real_artefacts(tree: Path, fmt: ManifestFormat) -> None:
    manifest = build_manifest([tree / "data", tree / "models"], tree)
    paths = [e.path for e in manifest.entries]
    assert paths == sorted(paths) and "models/model.safetensors" in paths and "data/features.npy" in paths
    assert all(e.size == (tree / e.path).stat().st_size for e in manifest.entries)
    out = tree / f"m.{fmt.value}"
    write_manifest(manifest, out, fmt, tree)
    report = verify_tree(parse(out.read_bytes()), tree)
    assert report.ok and set(report.matched) == set(paths)


def test_tampered_missing_and_unexpected_files_are_all_listed(tree: Path) -> None:
    manifest = build_manifest([tree / "data", tree / "models"], tree)
    weights = tree / "models" / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 0x01  # same size, one bit flipped in the tensor data
    weights.write_bytes(bytes(raw))
    with open(tree / "data" / "train.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"text": "poison", "label": 1}\n')
    (tree / "data" / "eval" / "eval.csv").unlink()
    (tree / "models" / "extra.pkl").write_bytes(b"\x80\x04N.")
    report = verify_tree(manifest, tree)
    by_path = {m.path: m.reason for m in report.modified}
    assert by_path == {"models/model.safetensors": "digest", "data/train.jsonl": "size"}
    assert report.missing == ("data/eval/eval.csv",)
    assert report.unexpected == ("models/extra.pkl",)
    assert not report.problems and not report.ok


def test_text_manifest_without_sizes_still_catches_a_size_change(tree: Path) -> None:
    text = parse(b"".join(
        f"{e.digest}  {e.path}\n".encode() for e in build_manifest([tree / "data"], tree).entries))
    (tree / "data" / "eval" / "eval.csv").write_text("text,label\n", encoding="utf-8")
    report = verify_tree(text, tree)
    assert [(m.path, m.reason) for m in report.modified] == [("data/eval/eval.csv", "digest")]


def test_scope_inference_for_text_manifests_ignores_the_rest_of_the_repository(tree: Path) -> None:
    manifest = build_manifest([tree / "data"], tree)
    text = parse(b"".join(f"{e.digest}  {e.path}\n".encode() for e in manifest.entries))
    (tree / "README.md").write_text("not data", encoding="utf-8")
    (tree / "data" / "new.csv").write_text("a\n", encoding="utf-8")
    report = verify_tree(text, tree)
    assert report.unexpected == ("data/new.csv",) and report.extra["scope"] == ["data"]


def test_symlink_leaving_the_root_is_refused_and_reported(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("outside", encoding="utf-8")
    manifest = build_manifest([tree / "data"], tree)
    (tree / "data" / "link.txt").symlink_to(outside)
    with pytest.raises(ManifestError, match="outside the root"):
        build_manifest([tree / "data"], tree)
    report = verify_tree(manifest, tree)
    assert [(p.kind, p.path) for p in report.problems] == [("symlink-escapes-root", "data/link.txt")]
    assert not report.unexpected


def test_symlink_inside_the_root_is_hashed_as_its_target(tree: Path) -> None:
    (tree / "data" / "alias.csv").symlink_to(tree / "data" / "eval" / "eval.csv")
    manifest = build_manifest([tree / "data"], tree)
    digests = manifest.by_path()
    assert digests["data/alias.csv"].digest == digests["data/eval/eval.csv"].digest


def test_broken_symlink_and_fifo_are_problems(tree: Path) -> None:
    manifest = build_manifest([tree / "data"], tree)
    (tree / "data" / "dangling").symlink_to(tree / "data" / "nowhere")
    os.mkfifo(tree / "data" / "pipe")
    report = verify_tree(manifest, tree)
    assert sorted(p.kind for p in report.problems) == ["broken-symlink", "special-file"]


def test_non_utf8_file_name(tree: Path) -> None:
    manifest = build_manifest([tree / "data"], tree)
    name = os.fsdecode(b"caf\xe9.csv")
    (tree / "data" / name).write_bytes(b"x")
    with pytest.raises(ManifestError, match="not valid UTF-8"):
        build_manifest([tree / "data"], tree)
    report = verify_tree(manifest, tree)
    assert [(p.kind, p.path) for p in report.problems] == [("non-utf8-name", "data/caf\\xe9.csv")]


def test_create_refuses_paths_outside_root_missing_paths_and_output_inside(tree: Path, tmp_path_factory) -> None:
    other = tmp_path_factory.mktemp("other")
    with pytest.raises(ManifestError, match="outside the root"):
        build_manifest([other], tree)
    with pytest.raises(ManifestError, match="does not exist"):
        build_manifest([tree / "nope"], tree)
    manifest = build_manifest([tree / "data"], tree)
    with pytest.raises(ManifestError, match="inside the hashed path data"):
        write_manifest(manifest, tree / "data" / "m.sha256", ManifestFormat.SHA256SUM, tree)
    with pytest.raises(ManifestError, match="records only SHA-256"):
        write_manifest(build_manifest([tree / "data"], tree, Algorithm.BLAKE3), tree / "m", ManifestFormat.SHA256SUM,
                       tree)
    assert not (tree / "data" / "m.sha256").exists() and not list(tree.glob(".m*tmp"))


def test_write_is_atomic_and_replaces_the_previous_manifest(tree: Path) -> None:
    out = tree / "m.json"
    out.write_text("old", encoding="utf-8")
    write_manifest(build_manifest([tree / "data"], tree), out, ManifestFormat.JSON, tree)
    assert parse(out.read_bytes()).entries and not [p for p in tree.iterdir() if p.name.endswith(".tmp")]


def test_hashing_stops_when_cancelled(tmp_path: Path) -> None:
    import threading

    from gates.errors import GateError

    paths = []
    for i in range(20):
        (tmp_path / f"f{i}").write_bytes(b"x")
        paths.append(tmp_path / f"f{i}")
    cancel = threading.Event()
    assert len(hash_files(paths, workers=2, cancel=cancel)) == 20
    cancel.set()
    with pytest.raises(GateError, match="ran out of time"):
        hash_files(paths, workers=2, cancel=cancel)


def test_worker_processes_agree_with_threads_and_report_errors(tmp_path: Path) -> None:
    paths = []
    for i in range(30):
        p = tmp_path / f"f{i}"
        p.write_bytes(os.urandom(i * 301))
        paths.append(p)
    paths.insert(5, tmp_path / "absent")
    for algorithm in (Algorithm.SHA256, Algorithm.BLAKE3):
        threads = hash_files(paths, algorithm, workers=2, processes=False)
        procs = hash_files(paths, algorithm, workers=2, processes=True)
        assert [r for r in procs if not isinstance(r, OSError)] == [r for r in threads if not isinstance(r, OSError)]
        assert isinstance(procs[5], FileNotFoundError) and procs[5].filename == str(tmp_path / "absent")
