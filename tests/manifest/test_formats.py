"""Parsing and rendering manifests: every malformed input is reported with its line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from gates import proc
from gates.manifest import Algorithm, Entry, Manifest, ManifestFormat, parse, render

D1 = hashlib.sha256(b"one").hexdigest()
D2 = hashlib.sha256(b"two").hexdigest()


def kinds(manifest: Manifest) -> list[tuple[str, int | None]]:
    return [(p.kind, p.line) for p in manifest.problems]


def test_text_round_trip_sorted_and_sha256sum_shaped() -> None:
    manifest = Manifest(Algorithm.SHA256, (Entry("b/x.csv", D2, 3), Entry("a.txt", D1, 3)))
    text = render(manifest, ManifestFormat.SHA256SUM).decode()
    assert text == f"{D2}  b/x.csv\n{D1}  a.txt\n"  # render keeps the given order; create sorts
    back = parse(text.encode())
    assert [e.path for e in back.entries] == ["a.txt", "b/x.csv"] and not back.problems
    assert back.by_path()["a.txt"].line == 2


def test_json_round_trip_keeps_sizes_algorithm_and_paths() -> None:
    manifest = Manifest(Algorithm.BLAKE3, (Entry("data/a", D1, 3), Entry("data/é b", D2, 0)), ("data",))
    back = parse(render(manifest, ManifestFormat.JSON))
    assert back.algorithm is Algorithm.BLAKE3 and back.scope == ("data",)
    assert back.entries == manifest.entries and not back.problems


@pytest.mark.parametrize("line, kind", [
    ("nothash  data/a", "malformed"),
    (f"{D1} data/a", "malformed"),  # one space and no mode character
    (f"{D1[:-2]}  data/a", "malformed"),  # digest too short
    (f"{D1}  ../etc/passwd", "escapes-root"),
    (f"{D1}  data/../../x", "escapes-root"),
    (f"{D1}  /etc/passwd", "escapes-root"),
    (f"{D1}  C:/Windows/x", "escapes-root"),
    (f"{D1}  data//a", "malformed"),
    (f"\\{D1}  data/bad\\qescape", "malformed"),
])
def test_bad_text_lines_are_problems_with_line_numbers(line: str, kind: str) -> None:
    manifest = parse(f"{D2}  ok.txt\n{line}\n".encode())
    assert kinds(manifest) == [(kind, 2)]
    assert [e.path for e in manifest.entries] == ["ok.txt"]


def test_duplicate_entries_name_both_lines() -> None:
    manifest = parse(f"{D1}  a\n{D2}  b\n{D1}  a\n".encode())
    assert kinds(manifest) == [("duplicate", 3)]
    assert "first on line 1" in manifest.problems[0].message


def test_non_utf8_manifest_line() -> None:
    manifest = parse(f"{D1}  a\n".encode() + D2.encode() + b"  caf\xe9\n")
    assert kinds(manifest) == [("non-utf8-name", 2)]


def test_crlf_and_dot_slash_and_binary_mode_are_accepted() -> None:
    manifest = parse(f"{D1.upper()} *./a\r\n{D2}  b\r\n".encode())
    assert not manifest.problems
    assert [(e.path, e.digest) for e in manifest.entries] == [("a", D1), ("b", D2)]


@pytest.mark.parametrize("doc, fragment", [
    ("{not json", "invalid JSON at line 1"),
    (json.dumps({"format": "other"}), "not a manifest"),
    (json.dumps({"format": "secure-ai-gates/manifest", "version": 9, "algorithm": "sha256", "files": []}), "version"),
    (json.dumps({"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "md5", "files": []}), "algorithm"),
    (json.dumps({"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "sha256",
                 "files": [{"path": "a", "digest": "zz", "size": 1}]}), "hex digits"),
    (json.dumps({"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "sha256",
                 "files": [{"path": "a", "digest": D1, "size": -1}]}), "non-negative"),
    (json.dumps({"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "sha256",
                 "files": [{"path": "/abs", "digest": D1, "size": 1}]}), "absolute"),
    (json.dumps({"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "sha256", "paths": ["../up"],
                 "files": []}), "escapes the root"),
])
def test_bad_json_manifests(doc: str, fragment: str) -> None:
    manifest = parse(doc.encode())
    assert manifest.problems and fragment in manifest.problems[0].message


def test_json_duplicate_entry() -> None:
    doc = {"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "sha256",
           "files": [{"path": "a", "digest": D1, "size": 3}, {"path": "a", "digest": D2, "size": 3}]}
    assert [p.kind for p in parse(json.dumps(doc).encode()).problems] == ["duplicate"]


def test_awkward_names_survive_real_sha256sum_check(tmp_path: Path) -> None:
    """GNU escaping of backslash and newline in names: the real `sha256sum -c` accepts our text."""
    names = ["plain.txt", "with space.csv", "back\\slash.bin", "new\nline.txt", "ünïcode.jsonl"]
    entries = []
    for i, name in enumerate(names):
        content = f"content {i}".encode()
        (tmp_path / name).write_bytes(content)
        entries.append(Entry(name, hashlib.sha256(content).hexdigest(), len(content)))
    manifest = Manifest(Algorithm.SHA256, tuple(sorted(entries, key=lambda e: e.path)))
    (tmp_path / "m.sha256").write_bytes(render(manifest, ManifestFormat.SHA256SUM))
    done = proc.run(["sha256sum", "--strict", "-c", "m.sha256"], timeout=30, cwd=tmp_path)
    assert done.stdout.count(": OK") == len(names)
    assert parse((tmp_path / "m.sha256").read_bytes()).entries == tuple(
        Entry(e.path, e.digest, None, i) for i, e in enumerate(manifest.entries, start=1))
    # and the other way round: we read what sha256sum itself writes for the same names
    produced = proc.run(["sha256sum", "--", *names], timeout=30, cwd=tmp_path).stdout.encode()
    assert {e.path: e.digest for e in parse(produced).entries} == {e.path: e.digest for e in manifest.entries}


def test_json_duplicate_keys_are_refused() -> None:
    doc = ('{"format": "secure-ai-gates/manifest", "version": 1, "algorithm": "sha256", "files": [], '
           f'"files": [{{"path": "a", "digest": "{D1}", "size": 3}}]}}')
    manifest = parse(doc.encode())
    assert not manifest.entries and "appears twice" in manifest.problems[0].message


_SEGMENT = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1,
                   max_size=12).filter(lambda s: s not in (".", ".."))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join), min_size=1, max_size=8, unique=True),
       st.sampled_from(list(ManifestFormat)))
def test_any_safe_name_round_trips(names: list[str], fmt: ManifestFormat) -> None:
    entries = tuple(sorted((Entry(n, hashlib.sha256(n.encode()).hexdigest(), len(n)) for n in names),
                           key=lambda e: e.path))
    back = parse(render(Manifest(Algorithm.SHA256, entries), fmt))
    assert not back.problems
    assert [(e.path, e.digest) for e in back.entries] == [(e.path, e.digest) for e in entries]
