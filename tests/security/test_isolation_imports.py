"""No tool imports from the workspace: a pull request that ships ``bandit.py``, ``logging.py``,
``pip_audit/``, ``pylint/``, ``pytest.py``, ``garak/``, ``gates/``... replaces nothing.

Every hostile module writes a marker into a drop box when imported and then pretends the tool
found nothing. The gates must still run the real tools (the PR's bad code and bad pin fail the
run) and no marker may appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gates import proc
from tests.commands.test_cli import ROOT, read_outputs, run_cli
from tests.security.pr import pull_request, write_files
from tests.support.git_repo import git

ADVISORIES = ROOT / "tests" / "assets" / "deps" / "advisory-db"
VULNERABLE = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
CONFIG = ("gates:\n  code-security:\n    paths: [src]\n    fail-on: medium\n    pylint: true\n"
          "  dependencies:\n    advisory-db: .advisories\n")
# imported by a tool, by the interpreter or by us at some point; each one betrays itself
HOSTILE_MODULES = ("bandit", "pylint", "pip_audit", "pytest", "_pytest", "garak", "gates", "logging", "json",
                   "yaml", "requests", "stevedore", "astroid", "tomllib", "pip", "packaging", "jsonschema",
                   "subprocess", "tempfile", "ast", "argparse", "site", "sitecustomize", "usercustomize",
                   "encodings", "runpy", "typing")

SCANNED_DIR_MODULES = ("logging", "json", "astroid", "pylint", "tomllib", "ast", "tokenize", "platform", "dill")


def hostile_module(box: Path, name: str) -> str:
    """Source of a module that leaves a marker and makes the tool end 'clean'."""
    return (f"import os as _os\nopen(_os.path.join({str(box)!r}, {name!r} + '.imported'), 'w').close()\n"
            "raise SystemExit(0)\n")


def hostile_tree(box: Path, names: tuple[str, ...] = HOSTILE_MODULES) -> dict[str, str]:
    """A root module and a package of each name (a package wins over a module of the same name)."""
    files: dict[str, str] = {}
    for name in names:
        files[f"{name}.py"] = hostile_module(box, name)
        files[f"{name}/__init__.py"] = hostile_module(box, name)
        files[f"{name}/__main__.py"] = hostile_module(box, name)
    return files


def _base() -> dict[str, str]:
    files = {".github/secure-ai-gates.yml": CONFIG, "src/app.py": "def add(a, b):\n    return a + b\n",
             "requirements.txt": "pyyaml==6.0.1\n"}
    for path in ADVISORIES.rglob("*.yaml"):
        files[f".advisories/{path.relative_to(ADVISORIES).as_posix()}"] = path.read_text(encoding="utf-8")
    return files


def test_a_pull_request_shadowing_every_tool_is_still_judged_by_the_real_tools(open_tmp: Path,
                                                                                 drop_box: Path) -> None:
    # also inside the scanned directory: pylint puts the directory of the files it lints on sys.path
    inside = {f"src/{name}": text for name, text in hostile_tree(drop_box, SCANNED_DIR_MODULES).items()}
    head = {**hostile_tree(drop_box), **inside, "src/app.py": VULNERABLE, "requirements.txt": "pyyaml==5.3.1\n"}
    pr = pull_request(open_tmp, _base(), head, gates="code-security,dependencies")
    result = run_cli([], env=pr.env, cwd=pr.workspace)
    assert sorted(p.name for p in drop_box.iterdir()) == []
    assert result.returncode == 1, result.stdout + result.stderr
    outputs = read_outputs(Path(pr.env["GITHUB_OUTPUT"]))
    assert outputs["status"] == "failed" and outputs["failed-gates"] == "code-security,dependencies"
    assert "B602" in result.stdout and "PYSEC-2021-142" in result.stdout


def test_python_m_gates_from_a_hostile_workspace(open_tmp: Path, drop_box: Path) -> None:
    """``python -m gates`` drops the working directory from sys.path before importing anything of ours.

    Python itself imports ``runpy`` and our package before our code runs, so ``gates/`` and
    ``runpy.py`` are left out here: against those only ``python -P`` helps, tested below.
    """
    names = tuple(n for n in HOSTILE_MODULES if n not in ("gates", "runpy", "site", "sitecustomize",
                                                          "usercustomize", "encodings", "typing"))
    head = {**hostile_tree(drop_box, names), "src/app.py": VULNERABLE}
    pr = pull_request(open_tmp, _base(), head, gates="code-security")
    result = run_cli(["run"], env=pr.env, cwd=pr.workspace, entry="module")
    assert sorted(p.name for p in drop_box.iterdir()) == []
    assert result.returncode == 1, result.stdout + result.stderr
    assert "B602" in result.stdout


def test_python_isolated_m_gates_ignores_even_a_gates_package(open_tmp: Path, drop_box: Path) -> None:
    head = {**hostile_tree(drop_box), "src/app.py": VULNERABLE}
    pr = pull_request(open_tmp, _base(), head, gates="code-security")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}, **pr.env}
    result = subprocess.run([sys.executable, "-I", "-m", "gates", "run"], cwd=pr.workspace, env=env,
                            capture_output=True, text=True, timeout=600)
    assert sorted(p.name for p in drop_box.iterdir()) == []
    assert result.returncode == 1, result.stdout + result.stderr


def test_every_python_tool_runs_isolated() -> None:
    for module in ("bandit", "pylint", "pip_audit", "garak", "safety"):
        argv = proc.python_tool(module)
        assert argv[:2] == [sys.executable, "-I"] and argv[-2:] == ["-m", module]
    own = proc.own_module("gates.manifest.workers")
    assert own[1] == "-I" and own[2] == "-c" and proc.PACKAGE_PARENT in own[4]


def test_the_working_directory_of_a_child_is_not_the_workspace(open_tmp: Path, monkeypatch) -> None:
    monkeypatch.chdir(open_tmp)
    done = proc.run([sys.executable, "-I", "-c", "import os; print(os.getcwd())"], timeout=30)
    assert Path(done.stdout.strip()) != open_tmp and not any(Path(done.stdout.strip()).iterdir())


def test_hostile_workspace_git_history_is_real(open_tmp: Path, drop_box: Path) -> None:
    """The fixture itself: base and head are real commits and the head is checked out."""
    pr = pull_request(open_tmp, _base(), {"src/app.py": VULNERABLE})
    assert git(pr.workspace, "rev-parse", "HEAD") == pr.head
    assert git(pr.workspace, "merge-base", "HEAD", "main") == pr.base


def test_python_path_pointing_into_the_tree_reaches_no_tool(open_tmp: Path, drop_box: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A workflow's ``PYTHONPATH: .`` (or an earlier step's) puts the tree on every Python's path, except ours.

    garak and pip-audit run here directly (garak's probe listing, pip-audit's version), from the
    hostile tree as working directory and with it on PYTHONPATH.
    """
    from gates.garak.engine import list_probes

    ws = open_tmp / "ws"
    ws.mkdir()
    write_files(ws, hostile_tree(drop_box))
    monkeypatch.chdir(ws)
    monkeypatch.setenv("PYTHONPATH", f"{ws}{os.pathsep}.")
    catalogue = list_probes(open_tmp / "garak-home", timeout=300)
    assert catalogue.knows("promptinject")
    for module in ("pip_audit", "bandit", "pylint"):
        done = proc.run([*proc.python_tool(module), "--version"], timeout=120, cwd=ws)
        assert done.stdout.strip() or done.stderr.strip()
    assert sorted(p.name for p in drop_box.iterdir()) == []
