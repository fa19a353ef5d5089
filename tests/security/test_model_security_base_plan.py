"""Which tests and probe files model-security takes from a pull request's base commit (real git, no endpoint).

The CLI-level attacks are in test_gate_trust_model_security.py; these cases pin the planning
rules that would be costly to reach through a whole run: which files are written from the base,
which edits are findings (and which are not: an unrelated pyproject.toml edit is no finding).
"""

from __future__ import annotations

from pathlib import Path

from gates.base_inputs import BaseInputs
from gates.probes.trusted import Origin, plan_probe_files, plan_tests
from tests.security.gate_trust_repo import Content, PullRequest

TEST = "def test_ok():\n    assert True\n"


def _plan(tmp_path: Path, base: dict[str, Content], head: dict[str, Content], targets: tuple[str, ...]):
    pr = PullRequest.make(tmp_path, base, head)
    scratch = tmp_path / "scratch"
    return pr, plan_tests(pr.repo, targets, BaseInputs.open(pr.repo, pr.base), scratch), scratch


def test_base_run_gets_the_base_files_and_its_conftest_chain_only(tmp_path: Path) -> None:
    base = {"tests/security_tests.py": TEST, "tests/helpers.py": "X = 1\n", "tests/conftest.py": "# base\n",
            "conftest.py": "# root\n", "tests/data/big.bin": "x", "src/app.py": "print()\n",
            "pyproject.toml": "[tool.pytest.ini_options]\nmarkers = ['slow']\n"}
    head = {"tests/security_tests.py": TEST + "\n\ndef test_more():\n    assert True\n",
            "tests/helpers.py": "X = 2\n", "tests/new_conftest_sibling.py": "Y = 1\n"}
    _pr, plan, scratch = _plan(tmp_path, base, head, ("tests/security_tests.py::test_ok",))
    base_run, head_run = plan.runs
    assert base_run.origin is Origin.BASE and base_run.root == scratch
    assert base_run.targets == ("tests/security_tests.py::test_ok",)
    written = sorted(p.relative_to(scratch).as_posix() for p in scratch.rglob("*") if p.is_file())
    assert written == ["conftest.py", "pyproject.toml", "tests/conftest.py", "tests/helpers.py",
                       "tests/security_tests.py"]
    assert (scratch / "tests/helpers.py").read_text() == "X = 1\n"  # the base's, not the change's
    assert head_run.origin is Origin.CHANGE and head_run.targets == ("tests/security_tests.py::test_ok",)
    # the edited test file is a finding; the edited helper beside it is not (its base copy ran)
    assert [(c.path, c.action, c.what) for c in plan.changed] == [
        ("tests/security_tests.py", "edits", "security test file")]


def test_pytest_config_edits_are_findings_only_when_pytest_reads_them(tmp_path: Path) -> None:
    base = {"tests/security_tests.py": TEST, "pyproject.toml": "[project]\nname = 'app'\n",
            "setup.cfg": "[metadata]\nname = app\n", "tox.ini": "[pytest]\naddopts = -q\n"}
    head = {"pyproject.toml": "[project]\nname = 'app'\ndependencies = ['requests']\n",  # no pytest section
            "setup.cfg": "[metadata]\nname = app\n[tool:pytest]\naddopts = -p no:secure_ai_gates\n",
            "tox.ini": "[pytest]\naddopts = -q\n\n[testenv]\ndeps = pytest\n",  # pytest section unchanged
            "pytest.ini": ""}  # a new pytest.ini decides the rootdir and ini options
    _pr, plan, _scratch = _plan(tmp_path, base, head, ("tests/security_tests.py",))
    assert sorted(c.path for c in plan.changed) == ["pytest.ini", "setup.cfg"]
    assert plan.runs[0].origin is Origin.BASE and len(plan.runs) == 1  # no test module changed: no second run


def test_dotted_toml_keys_are_pytest_config_too(tmp_path: Path) -> None:
    base = {"tests/security_tests.py": TEST, "pyproject.toml": "[project]\nname = 'app'\n"}
    head = {"pyproject.toml": "tool.pytest.ini_options.addopts = '--deselect tests'\n[project]\nname = 'app'\n"}
    _pr, plan, _scratch = _plan(tmp_path, base, head, ("tests/security_tests.py",))
    assert [c.path for c in plan.changed] == ["pyproject.toml"]


def test_directory_target_runs_only_the_changes_new_modules_from_the_change(tmp_path: Path) -> None:
    base = {"sec/test_a.py": TEST, "sec/sub/test_b.py": TEST}
    head = {"sec/test_c.py": TEST, "sec/sub/conftest.py": "# added\n", "sec/notes.md": "x\n",
            "sec/helpers.py": "Z = 1\n"}  # a helper is imported by tests, not run as one
    _pr, plan, scratch = _plan(tmp_path, base, head, ("sec",))
    assert [(r.origin, r.targets) for r in plan.runs] == [(Origin.BASE, ("sec",)), (Origin.CHANGE, ("sec/test_c.py",))]
    assert not (scratch / "sec" / "test_c.py").exists() and not (scratch / "sec" / "sub" / "conftest.py").exists()
    assert [(c.path, c.action) for c in plan.changed] == [("sec/sub/conftest.py", "adds")]


def test_targets_neither_commit_has_are_missing_and_outside_pull_requests_the_workspace_runs(tmp_path: Path) -> None:
    pr, plan, _scratch = _plan(tmp_path, {"tests/security_tests.py": TEST}, {"tests/security_tests.py": None},
                               ("tests/security_tests.py", "tests/nowhere.py"))
    assert plan.missing == ("tests/nowhere.py",)
    assert [(r.origin, r.targets) for r in plan.runs] == [(Origin.BASE, ("tests/security_tests.py",))]
    outside = plan_tests(pr.repo, ("tests/security_tests.py",), None, tmp_path / "unused")
    assert outside.runs == () and outside.missing == ("tests/security_tests.py",)


def test_probe_files_come_from_the_base_and_new_ones_from_the_change(tmp_path: Path) -> None:
    base = {"probes/a.yaml": "base a\n", "probes/b.yaml": "base b\n", "probes/c.yaml": "base c\n"}
    head = {"probes/a.yaml": "head a\n", "probes/b.yaml": None, "probes/new.yaml": "new\n"}
    pr = PullRequest.make(tmp_path, base, head)
    names = ["probes/a.yaml", "./probes/b.yaml", "probes/c.yaml", "probes/new.yaml", "probes/none.yaml"]
    files = plan_probe_files(pr.repo, names, BaseInputs.open(pr.repo, pr.base), tmp_path / "scratch")
    assert [p.read_text() for p in files.from_base] == ["base a\n", "base b\n", "base c\n"]
    assert [p.name for p in files.from_change] == ["new.yaml"]
    assert [(c.path, c.action) for c in files.changed] == [("probes/a.yaml", "edits"), ("probes/b.yaml", "deletes")]
    assert files.missing == ((4, "probes/none.yaml"),)
