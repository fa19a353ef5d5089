"""dependencies on a pull request that tries to keep a vulnerable pin out of what is audited: real git, real pip-audit.

The base commit is the uv project of ``tests/assets/deps`` (``pyproject.toml`` asking for
``jinja2==2.10`` and ``requests==2.19.0``, the ``uv.lock`` uv wrote for it) with the PyPA
advisories in the repository. The change deletes or edits the lock, swaps it for another
format, bumps its format version, rewrites the conda environment file or adds waivers to the
workspace's config; the gate must still block (exit 1) or refuse the input (exit 2).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.osv.support import hashed
from tests.security.gate_trust_repo import Content, PullRequest, Verdict

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "deps"
CONFIG = "version: 1\ngates:\n  dependencies:\n    advisory-db: vendor/advisory-db\n"
PYPROJECT = (ASSETS / "uv-project" / "pyproject.toml").read_text(encoding="utf-8")
UV_LOCK = (ASSETS / "uv-project" / "uv.lock").read_text(encoding="utf-8")
CLEAN_PINS = {"jinja2": ("2.10", "2.11.3"), "requests": ("2.19.0", "2.31.0"), "urllib3": ("1.23", "1.26.18"),
              "idna": ("2.7", "3.7"), "certifi": ("2026.10.19.post1", "2026.10.19.post1")}


def _base(**extra: Content) -> dict[str, Content]:
    db = ASSETS / "advisory-db"
    files: dict[str, Content] = {f"vendor/advisory-db/{p.relative_to(db).as_posix()}": p.read_text(encoding="utf-8")
                                 for p in db.rglob("*") if p.is_file()}
    return {**files, ".github/secure-ai-gates.yml": CONFIG, "pyproject.toml": PYPROJECT, "uv.lock": UV_LOCK,
            "requirements-dev.txt": hashed("idna==3.20"), **extra}


def _run(tmp_path: Path, head: dict[str, Content], base: dict[str, Content] | None = None) -> Verdict:
    return PullRequest.make(tmp_path, base or _base(), head).run(tmp_path / "run", "dependencies")


def _edited_lock() -> str:
    """uv.lock with every vulnerable version replaced by a clean one, as an author could edit it by hand."""
    text = UV_LOCK
    for name, (old, new) in CLEAN_PINS.items():
        text = re.sub(rf'(name = "{name}"\nversion = )"{re.escape(old)}"', rf'\1"{new}"', text)
    assert text.count('"2.11.3"') == 1 and '"2.19.0"' not in text.split('name = "requests"')[1][:40]
    return text


def _pylock() -> str:
    body = "".join(f'\n[[packages]]\nname = "{n}"\nversion = "{new}"\n' for n, (_, new) in CLEAN_PINS.items())
    return f'lock-version = "1.0"\ncreated-by = "an author"\n{body}'


PIPFILE_LOCK = ('{"_meta": {"hash": {"sha256": "00"}, "pipfile-spec": 6, "requires": {}, "sources": []},\n'
                ' "default": {"idna": {"version": "==3.7"}}, "develop": {}}\n')


@pytest.mark.parametrize("head", [
    {"uv.lock": None},  # the manifest is then not audited at all (requirements-dev.txt is found first)
    {"uv.lock": None, "Pipfile.lock": PIPFILE_LOCK},  # a clean lock of another format, for another manifest
], ids=["deleted", "replaced-by-a-Pipfile.lock"])
def test_deleting_the_lock_of_a_manifest_blocks(tmp_path: Path, head: dict[str, Content]) -> None:
    verdict = _run(tmp_path, head)
    assert verdict.code == 1, verdict.output
    (finding,) = [f for f in verdict.gate("dependencies")["findings"] if f["rule_id"] == "lock-file-removed"]
    assert finding["path"] == "pyproject.toml" and "uv.lock" in finding["message"]


def test_control_deleting_the_lock_with_the_dependencies_passes(tmp_path: Path) -> None:
    verdict = _run(tmp_path, {"uv.lock": None, "pyproject.toml": '[project]\nname = "ml-app"\nversion = "0.2"\n'})
    assert verdict.code == 0, verdict.output


@pytest.mark.parametrize("head", [
    {"uv.lock": _edited_lock()},  # the lock edited by hand: no vulnerable version left in it
    {"uv.lock": None, "pylock.toml": _pylock()},  # swapped for a pylock.toml that pins clean versions
], ids=["edited", "replaced-by-pylock"])
def test_a_lock_that_no_longer_satisfies_its_manifest_blocks(tmp_path: Path, head: dict[str, Content]) -> None:
    verdict = _run(tmp_path, head)
    assert verdict.code == 1, verdict.output
    stale = {f["package"]: f for f in verdict.gate("dependencies")["findings"] if f["rule_id"] == "lock-out-of-date"}
    assert set(stale) == {"jinja2", "requests"}, verdict.gate("dependencies")["findings"]
    assert stale["jinja2"]["path"] == "pyproject.toml" and stale["jinja2"]["line"] == 5
    assert "jinja2==2.10" in stale["jinja2"]["message"] and stale["jinja2"]["severity"] == "high"


@pytest.mark.parametrize("head, where", [
    ({"uv.lock": UV_LOCK.replace("version = 1\n", "version = 2\n", 1)}, "uv.lock:1"),
    ({"uv.lock": None, "poetry.lock": (ASSETS / "poetry-project" / "poetry.lock").read_text(encoding="utf-8")
      .replace('lock-version = "2.1"', 'lock-version = "3.0"')}, "poetry.lock:"),
])
def test_a_lock_format_the_gate_does_not_know_is_refused(tmp_path: Path, head: dict[str, Content], where: str) -> None:
    verdict = _run(tmp_path, head)
    assert verdict.code == 2, verdict.output
    assert where in verdict.output and "Traceback" not in verdict.output


ENV_HIDDEN = {
    "duplicate": "name: ml\ndependencies:\n  - python=3.11\ndependencies:\n  - pip:\n      - jinja2==2.10\n",
    "merge-key": "x: &pkgs\n  dependencies:\n    - pip:\n        - jinja2==2.10\n<<: *pkgs\nname: ml\n",
}


@pytest.mark.parametrize("case", ENV_HIDDEN)
def test_a_conda_environment_that_hides_its_pip_section_is_refused(tmp_path: Path, case: str) -> None:
    base = _base(**{"environment.yml": "name: ml\ndependencies:\n  - python=3.11\n"})
    verdict = _run(tmp_path, {"environment.yml": ENV_HIDDEN[case]}, base)
    assert verdict.code == 2, verdict.output
    assert re.search(r"environment\.yml:[45]\b", verdict.output), verdict.output
    assert "Traceback" not in verdict.output


WAIVER = "  - id: {id}\n    reason: not reachable\n    owner: \"@sec\"\n    expires: \"2999-12-31\"\n"


def test_waivers_the_change_adds_do_not_reach_another_cve_through_an_alias(tmp_path: Path) -> None:
    base = _base(**{".github/secure-ai-gates.yml": CONFIG + "waivers:\n" + WAIVER.format(id="CVE-2021-32807")})
    config = CONFIG + "waivers:\n" + "".join(WAIVER.format(id=i) for i in
                                             ("CVE-2021-32807", "GHSA-qcx9-j53g-ccgf", "CVE-2021-32811"))
    head = {".github/secure-ai-gates.yml": config, "pyproject.toml": None, "uv.lock": None,
            "pylock.toml": 'lock-version = "1.0"\ncreated-by = "t"\n\n[[packages]]\nname = "AccessControl"\n'
                           'version = "4.2"\n'}
    verdict = _run(tmp_path, head, base)
    assert verdict.code == 1, verdict.output
    findings = {f["rule_id"]: f for f in verdict.gate("dependencies")["findings"]}
    assert findings["PYSEC-2021-335"]["suppression"]["kind"] == "waiver"  # the base's own waiver holds
    assert findings["PYSEC-2021-370"].get("suppression") is None  # CVE-2021-32811: waived only by the change


POETRY_STYLE = ('[tool.poetry]\nname = "ml-app"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'
                'jinja2 = "2.10"\nrequests = "^2.19"\n')


def test_a_poetry_lock_edited_under_poetry_constraints_blocks(tmp_path: Path) -> None:
    """A Poetry 1 project: the constraints are ``[tool.poetry.dependencies]`` (``2.10`` is ``==2.10``, ``^2.19``
    is ``>=2.19,<3``); the change edits poetry.lock so no vulnerable version is left in it."""
    lock = (ASSETS / "poetry-project" / "poetry.lock").read_text(encoding="utf-8")
    base = _base(**{"pyproject.toml": POETRY_STYLE, "uv.lock": None, "poetry.lock": lock})
    edited = lock
    for name, old, new in (("jinja2", "2.10", "2.11.3"), ("requests", "2.19.0", "2.31.0"),
                           ("urllib3", "1.22", "1.26.18"), ("idna", "2.7", "3.7")):
        edited = re.sub(rf'(name = "{name}"\nversion = )"{re.escape(old)}"', rf'\1"{new}"', edited)
    verdict = _run(tmp_path, {"poetry.lock": edited}, base)
    assert verdict.code == 1, verdict.output
    stale = [f for f in verdict.gate("dependencies")["findings"] if f["rule_id"] == "lock-out-of-date"]
    assert [(f["package"], f["path"], f["line"]) for f in stale] == [("jinja2", "pyproject.toml", 7)], stale
    assert not [f for f in verdict.gate("dependencies")["findings"] if f["rule_id"].startswith("PYSEC")]


ENV_BASE = "name: ml\ndependencies:\n  - python=3.11\n  - pip:\n      - jinja2==2.10\n"


@pytest.mark.parametrize(("moved", "blocks"), [
    ("  - jinja2=2.10\n", True),  # from the audited pip section to the conda packages
    ("  - conda-forge::Jinja2 >=2.10\n", True),  # the same, spelled as conda allows
    ("  - numpy=1.26\n", False),  # control: a conda package the base did not audit either
])
def test_moving_a_package_out_of_the_pip_section_blocks(tmp_path: Path, moved: str, blocks: bool) -> None:
    base = _base(**{"environment.yml": ENV_BASE})
    verdict = _run(tmp_path, {"environment.yml": "name: ml\ndependencies:\n  - python=3.11\n" + moved}, base)
    rules = verdict.rules("dependencies")
    assert ("moved-out-of-audit" in rules) is blocks, verdict.output
    if blocks:
        assert verdict.code == 1 and "environment.yml" in verdict.output
