"""Reading and writing manifests: ``sha256sum`` text lines and a JSON variant with sizes.

Text: one ``HASH  PATH`` line per file, exactly what ``sha256sum`` prints (and what
``sha256sum -c`` reads), including GNU escaping of ``\\``, newline and carriage return in
names. JSON: ``{"format", "version", "algorithm", "paths", "files": [{"path", "size",
"digest"}]}``, one file per line. Parsing never raises for bad content: every malformed
line, duplicate or unsafe path becomes a :class:`Problem` with its line number.
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any

from gates.manifest.model import Algorithm, Entry, Manifest, Problem

FORMAT_ID = "secure-ai-gates/manifest"
FORMAT_VERSION = 1
_LINE = re.compile(r"^([0-9a-fA-F]+) [ *](.+)$", re.DOTALL)


class ManifestFormat(str, enum.Enum):
    """How a manifest is written."""

    SHA256SUM = "sha256sum"
    JSON = "json"


def render(manifest: Manifest, fmt: ManifestFormat) -> bytes:
    """The bytes of ``manifest`` in ``fmt`` (UTF-8, trailing newline)."""
    if fmt is ManifestFormat.SHA256SUM:
        lines = []
        for entry in manifest.entries:
            name = entry.path
            if any(c in name for c in "\\\n\r"):
                name = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
                lines.append(f"\\{entry.digest}  {name}\n")
            else:
                lines.append(f"{entry.digest}  {name}\n")
        return "".join(lines).encode("utf-8")
    if fmt is ManifestFormat.JSON:
        head = {"format": FORMAT_ID, "version": FORMAT_VERSION, "algorithm": manifest.algorithm.value,
                "paths": list(manifest.scope)}
        rows = [json.dumps({"path": e.path, "size": e.size, "digest": e.digest}, ensure_ascii=False)
                for e in manifest.entries]
        text = json.dumps(head, ensure_ascii=False)[:-1] + ', "files": [\n  ' + ",\n  ".join(rows) + "\n]}\n"
        return text.encode("utf-8")
    raise AssertionError(f"unhandled format {fmt}")  # pragma: no cover


def check_path(path: str) -> str | None:
    """Why ``path`` is not a safe root-relative POSIX path, or None when it is."""
    if not path:
        return "empty path"
    if path.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", path) or path.startswith("\\\\"):
        return f"absolute path {path!r} is not allowed (paths are relative to the root)"
    parts = path.split("/")
    if ".." in parts:
        return f"path {path!r} escapes the root with '..'"
    if any(p in ("", ".") for p in parts):
        return f"path {path!r} is not normalised (empty or '.' component)"
    if "\x00" in path:
        return f"path {path!r} contains a NUL byte"
    return None


def parse(data: bytes, *, algorithm: Algorithm | None = None) -> Manifest:
    """Parse either format (JSON when the first non-blank byte is ``{``)."""
    if data.lstrip()[:1] == b"{":
        return _parse_json(data)
    return _parse_text(data, algorithm or Algorithm.SHA256)


def _unescape(name: str) -> str | None:
    out, i = [], 0
    while i < len(name):
        c = name[i]
        if c == "\\":
            nxt = name[i + 1: i + 2]
            mapped = {"\\": "\\", "n": "\n", "r": "\r"}.get(nxt)
            if mapped is None:
                return None
            out.append(mapped)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _parse_text(data: bytes, algorithm: Algorithm) -> Manifest:
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem("non-utf8-name", f"line {number} is not valid UTF-8", line=number))
            continue
        escaped = line.startswith("\\")
        match = _LINE.match(line[1:] if escaped else line)
        if not match:
            problems.append(Problem("malformed", f"line {number} is not 'HASH  PATH': {line[:80]!r}", line=number))
            continue
        digest, name = match.group(1).lower(), match.group(2)
        if len(digest) != algorithm.hex_length:
            problems.append(Problem("malformed", f"line {number}: a {algorithm.value} digest has "
                                    f"{algorithm.hex_length} hex digits, found {len(digest)}", line=number))
            continue
        if escaped:
            unescaped = _unescape(name)
            if unescaped is None:
                problems.append(Problem("malformed", f"line {number}: bad escape in {name!r}", line=number))
                continue
            name = unescaped
        name = name[2:] if name.startswith("./") else name
        entries.append(Entry(name, digest, None, number))
    return _finish(algorithm, entries, (), problems)


def _parse_json(data: bytes) -> Manifest:
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as exc:
        return _broken(f"not valid UTF-8 at byte {exc.start}")
    except json.JSONDecodeError as exc:
        return _broken(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", exc.lineno)
    except _DuplicateKey as exc:
        return _broken(f"key {exc} appears twice in one object (JSON readers disagree on which one wins)")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_ID:
        return _broken(f"not a manifest: expected an object with \"format\": \"{FORMAT_ID}\"")
    if doc.get("version") != FORMAT_VERSION:
        return _broken(f"unsupported manifest version {doc.get('version')!r} (this reader knows {FORMAT_VERSION})")
    try:
        algorithm = Algorithm(doc.get("algorithm"))
    except ValueError:
        return _broken(f"unknown algorithm {doc.get('algorithm')!r} (choose sha256 or blake3)")
    files, scope = doc.get("files"), doc.get("paths", [])
    if not isinstance(files, list) or not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        return _broken("'files' must be a list and 'paths' a list of strings")
    entries: list[Entry] = []
    problems: list[Problem] = []
    for index, item in enumerate(files):
        where = f"files[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem("malformed", f"{where} is not an object"))
            continue
        path, digest, size = item.get("path"), item.get("digest"), item.get("size")
        if not isinstance(path, str) or not isinstance(digest, str):
            problems.append(Problem("malformed", f"{where} needs string 'path' and 'digest'"))
            continue
        if len(digest) != algorithm.hex_length or not re.fullmatch(r"[0-9a-fA-F]+", digest):
            problems.append(
                Problem("malformed", f"{where} ({path}): digest is not {algorithm.hex_length} hex digits", path)
            )
            continue
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            problems.append(Problem("malformed", f"{where} ({path}): size must be a non-negative integer", path))
            continue
        entries.append(Entry(path, digest.lower(), size))
    for s in scope:
        if s and (why := check_path(s)):
            problems.append(Problem("escapes-root", f"paths: {why}", s))
    return _finish(algorithm, entries, tuple(s for s in scope if not (s and check_path(s))), problems)


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(repr(key))
        out[key] = value
    return out


def _broken(message: str, line: int | None = None) -> Manifest:
    return Manifest(Algorithm.SHA256, (), (), (Problem("malformed", message, line=line),))


def _finish(algorithm: Algorithm, entries: list[Entry], scope: tuple[str, ...], problems: list[Problem]) -> Manifest:
    seen: dict[str, Entry] = {}
    kept: list[Entry] = []
    for entry in entries:
        where = f"line {entry.line}: " if entry.line else ""
        why = check_path(entry.path)
        if why:
            kind = "escapes-root" if ("absolute" in why or "'..'" in why) else "malformed"
            problems.append(Problem(kind, f"{where}{why}", entry.path, entry.line))
            continue
        if entry.path in seen:
            first = seen[entry.path].line
            problems.append(Problem("duplicate", f"{where}duplicate entry for {entry.path}"
                                    + (f" (first on line {first})" if first else ""), entry.path, entry.line))
            continue
        seen[entry.path] = entry
        kept.append(entry)
    kept.sort(key=lambda e: e.path)
    return Manifest(algorithm, tuple(kept), scope, tuple(problems))


def dumps_problems(manifest: Manifest, source: str) -> str:
    """All problems of ``manifest`` as lines ``source:line: message``."""
    out = []
    for p in manifest.problems:
        out.append(f"{source}:{p.line}: {p.message}" if p.line else f"{source}: {p.message}")
    return "\n".join(out)


def as_dict(manifest: Manifest) -> dict[str, Any]:
    """A plain-JSON view (for reports)."""
    return {"algorithm": manifest.algorithm.value, "files": len(manifest.entries), "paths": list(manifest.scope)}
