"""Shared paths for the OSV tests: the copied advisories and the shared PyPA snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSET_DB = REPO / "tests" / "assets" / "deps" / "advisory-db"
# beside the checkout, or two levels up from a git worktree (/work/wt/NAME -> /work/shared)
SHARED_DB = next((p.resolve() for p in (REPO / ".." / "shared" / "data" / "pypa-advisory-db",
                                        REPO / ".." / ".." / "shared" / "data" / "pypa-advisory-db")
                  if (p / "vulns").is_dir()), (REPO / ".." / "shared" / "data" / "pypa-advisory-db").resolve())


def shared_db() -> Path:
    """The shared PyPA snapshot, or skip (with the reason printed) when it is absent."""
    if not (SHARED_DB / "vulns").is_dir():
        pytest.skip(f"the PyPA advisory snapshot is not at {SHARED_DB} (see /work/shared/data/README.md)")
    return SHARED_DB


# Real sha256 digests (``pip hash`` of the files PyPI serves): a requirements file is a complete
# lock only with a hash on every line, and only a complete lock is audited without resolving.
HASHES = {
    "requests==2.19.0": "421cfc8d9dde7d6aff68196420afd86b88c65d77d8da9cf83f4ecad785d7b9d6",
    "requests==2.31.0": "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f",
    "idna==3.20": "ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c",
    "urllib3==1.26.5": "753a0374df26658f99d826cfe40394a686d05985786d946fbe4165b5148f5a7c",
    "pyyaml==5.3.1": "b8eac752c5e14d3eca0e6dd9199cd627518cb5ec06add0de9d32baeee6fe645d",
    "jinja2==2.10": "74c935a1b8bb9a3947c50a54766a969d4846290e1e788ea44c1392163723c3bd",
}


def hashed(text: str) -> str:
    """``text`` (requirement lines) with the real ``--hash`` appended to every pinned line."""
    out = []
    for line in text.splitlines():
        digest = HASHES.get(line.strip().lower())
        out.append(f"{line} --hash=sha256:{digest}" if digest else line)
    return "\n".join(out) + "\n"


def wheel(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """Write a minimal pure-Python wheel (real zip, real RECORD hashes) for ``name`` ``version``."""
    import base64
    import hashlib
    import zipfile

    module, dist = name.replace("-", "_"), f"{name.replace('-', '_')}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {f"{module}/__init__.py": b"VALUE = 1\n", f"{dist}/METADATA": meta.encode(),
             f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
                     f"{len(data)}\n" for path, data in files.items()) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(directory / f"{module}-{version}-py3-none-any.whl", "w") as whl:
        for path, data in {**files, f"{dist}/RECORD": record.encode()}.items():
            whl.writestr(path, data)


def offline_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A wheel directory pip must use instead of any index (holding ``wheel``, which pip-audit upgrades first)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel(wheels, "wheel", "99.0")  # pip-audit upgrades pip, setuptools and wheel in its scratch venv first
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return wheels


def write_advisory(db: Path, package: str, vuln_id: str, body: str) -> Path:
    """Write advisory ``vuln_id`` (YAML ``body`` after its id and date) for ``package`` into database ``db``."""
    folder = db / "vulns" / package
    folder.mkdir(parents=True, exist_ok=True)
    text = f"id: {vuln_id}\nmodified: '2024-05-01T00:00:00Z'\n{body}"
    (folder / f"{vuln_id}.yaml").write_text(text, encoding="utf-8")
    return db
