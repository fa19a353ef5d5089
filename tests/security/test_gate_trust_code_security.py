"""code-security on a pull request that tries to weaken the gate judging it: real git, real bandit and pylint.

Each attack adds ``subprocess.call(cmd, shell=True)`` (bandit B602, high) to the change and
tries to hide it; none may pass. The honest controls (the same tree without the attack, an old
``# nosec`` on the base commit, a real virtualenv) must still pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.gate_trust_repo import PullRequest, Symlink
from tests.support.git_repo import git

CONFIG = "version: 1\ngates:\n  code-security:\n    paths: [src]\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"
SHELL = "import subprocess  # nosec B404\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True){comment}\n"
EVAL = "def calc(expr):\n    return eval(expr){comment}\n"


def _base(**extra: str) -> dict[str, str | Symlink | None]:
    return {".github/secure-ai-gates.yml": CONFIG, "src/app.py": CLEAN, **extra}


def _verdict(tmp_path: Path, head: dict, base: dict | None = None, gates: str = "code-security"):
    pr = PullRequest.make(tmp_path, base or _base(), head)
    return pr.run(tmp_path, gates)


def _assert_blocked(verdict, *rules: str) -> None:
    assert verdict.code == 1, verdict.output
    assert verdict.gate("code-security")["status"] == "failed"
    for rule in rules:
        assert rule in verdict.rules("code-security"), verdict.gate("code-security")["findings"]


def test_control_clean_change_passes(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, {"src/util.py": CLEAN})
    assert verdict.code == 0, verdict.output


def test_control_plain_shell_true_fails(tmp_path: Path) -> None:
    _assert_blocked(_verdict(tmp_path, {"src/run.py": SHELL.format(comment="")}), "B602")


@pytest.mark.parametrize("config_file, content", [
    (".bandit", "[bandit]\nskips = B602,B404\n"),
    ("src/.bandit", "[bandit]\nskips = B602,B404\n"),  # bandit finds a .bandit in the tree by itself
    ("pyproject.toml", "[tool.bandit]\nskips = [\"B602\", \"B404\"]\n"),
    ("pyproject.toml", "[tool.bandit]\nexclude_dirs = [\"src\"]\n"),
    ("pyproject.toml", "[tool.bandit.any_other_function_with_shell_equals_true]\nno_shell = []\n"
                       "[tool.bandit]\nskips = [\"B602\"]\n"),
])
def test_bandit_config_added_by_the_change_is_not_used(tmp_path: Path, config_file: str, content: str) -> None:
    verdict = _verdict(tmp_path, {"src/run.py": SHELL.format(comment=""), config_file: content})
    _assert_blocked(verdict, "B602")


def test_bandit_config_edited_by_the_change_is_read_from_the_base(tmp_path: Path) -> None:
    base = _base(**{".bandit": "[bandit]\nskips = B101\n"})
    verdict = _verdict(tmp_path, {"src/run.py": SHELL.format(comment=""), ".bandit": "[bandit]\nskips = B101,B602\n"},
                       base)
    _assert_blocked(verdict, "B602")
    assert "This change edits `.bandit`" in verdict.gate("code-security")["details"]


def test_control_base_bandit_config_is_honoured(tmp_path: Path) -> None:
    # the base's own skips apply to the change: the policy owners chose them
    base = _base(**{"pyproject.toml": "[tool.bandit]\nskips = [\"B602\"]\n"})
    verdict = _verdict(tmp_path, {"src/run.py": SHELL.format(comment="")}, base)
    assert verdict.code == 0, verdict.output


NOSEC_VARIANTS = ("  # nosec", "  # nosec B602", "  # noqa: S602  # nosec")


def test_nosec_added_by_the_change_is_reported_and_not_honoured(tmp_path: Path) -> None:
    # one change, one file per spelling: each is its own finding at its own place
    head = {f"src/run{i}.py": SHELL.format(comment=comment) for i, comment in enumerate(NOSEC_VARIANTS)}
    verdict = _verdict(tmp_path, head)
    _assert_blocked(verdict, "B602", "suppression-added")
    findings = verdict.gate("code-security")["findings"]
    added = {(f["path"], f["line"]) for f in findings if f["rule_id"] == "suppression-added"}
    shell = {f["path"] for f in findings if f["rule_id"] == "B602"}
    for name in head:
        assert (name, 5) in added and (name, 1) in added, (name, added)
        assert name in shell, (name, shell)


def test_nosec_added_to_an_old_line_with_edited_code_is_not_honoured(tmp_path: Path) -> None:
    base = _base(**{"src/run.py": SHELL.format(comment="  # nosec").replace("cmd, shell", "'ls', shell")})
    verdict = _verdict(tmp_path, {"src/run.py": SHELL.format(comment="  # nosec")}, base)
    _assert_blocked(verdict, "B602")


def test_control_nosec_on_the_base_commit_stays_honoured(tmp_path: Path) -> None:
    base = _base(**{"src/run.py": SHELL.format(comment="  # nosec")})
    verdict = _verdict(tmp_path, {"src/util.py": CLEAN}, base)
    assert verdict.code == 0, verdict.output
    # also without a baseline: the old comment itself is honoured
    config = CONFIG + "    new-findings-only: false\n"
    pr = PullRequest.make(tmp_path / "nb", {**base, ".github/secure-ai-gates.yml": config}, {"src/util.py": CLEAN})
    assert pr.run(tmp_path / "nb", "code-security").code == 0


def test_pylint_disable_added_by_the_change_is_reported_and_not_honoured(tmp_path: Path) -> None:
    config = "version: 1\ngates:\n  code-security:\n    paths: [src]\n    pylint: true\n    fail-on: medium\n"
    base = _base(**{".github/secure-ai-gates.yml": config})
    verdict = _verdict(tmp_path, {"src/calc.py": EVAL.format(comment="  # pylint: disable=eval-used  # nosec"),
                                  ".pylintrc": "[MESSAGES CONTROL]\ndisable=all\n"}, base)
    _assert_blocked(verdict, "W0123", "B307", "suppression-added")


EXCLUDED_BY_DEFAULT = ("src/venv", "src/.venv", "src/lib/site-packages", "src/.tox", "src/CVS", "src/node_modules")


def test_code_moved_into_default_excluded_directories_is_scanned(tmp_path: Path) -> None:
    # one change adds code to each directory bandit would skip by name or substring: each file is its own finding
    head = {f"{where}/run.py": SHELL.format(comment="") for where in EXCLUDED_BY_DEFAULT}
    head.update({f"{where}/pyvenv.cfg": "home = /usr/bin\n" for where in EXCLUDED_BY_DEFAULT})
    substrings = {"src/CVS_tools.py": SHELL.format(comment=""), "src/my.git_helpers/run.py": SHELL.format(comment="")}
    verdict = _verdict(tmp_path, {**head, **substrings})
    _assert_blocked(verdict, "B602")
    shell = {f["path"] for f in verdict.gate("code-security")["findings"] if f["rule_id"] == "B602"}
    expected = {f"{where}/run.py" for where in EXCLUDED_BY_DEFAULT} | set(substrings)
    assert expected <= shell, expected - shell


def test_control_real_untracked_virtualenv_is_excluded(tmp_path: Path) -> None:
    pr = PullRequest.make(tmp_path, _base(**{".gitignore": "venv/\n"}), {"src/util.py": CLEAN})
    venv = pr.repo / "src" / "venv"
    (venv / "lib" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib" / "site-packages" / "third.py").write_text(SHELL.format(comment=""))
    verdict = pr.run(tmp_path, "code-security")
    assert verdict.code == 0, verdict.output


def test_committed_baseline_edited_by_the_change_is_read_from_the_base(tmp_path: Path) -> None:
    config = CONFIG + "    baseline-file: .github/cs-baseline.json\n"
    base = _base(**{".github/secure-ai-gates.yml": config,
                    ".github/cs-baseline.json": '{"schema": 1, "gate": "code-security", "findings": []}\n'})
    pr = PullRequest.make(tmp_path, base, {"src/run.py": SHELL.format(comment="")})
    first = pr.run(tmp_path / "one", "code-security")
    _assert_blocked(first, "B602")
    # the author copies the new findings into the committed baseline
    prints = [{"fingerprint": f["fingerprint"]} for f in first.gate("code-security")["findings"]]
    (pr.repo / ".github" / "cs-baseline.json").write_text(json.dumps({"schema": 1, "gate": "code-security",
                                                                      "findings": prints}))
    git(pr.repo, "commit", "-qam", "baseline my findings")
    second = PullRequest(pr.repo, pr.base, git(pr.repo, "rev-parse", "HEAD")).run(tmp_path / "two", "code-security")
    _assert_blocked(second, "B602")


def test_pull_request_without_the_base_commit_is_an_error(tmp_path: Path) -> None:
    pr = PullRequest.make(tmp_path, _base(), {"src/util.py": CLEAN})
    verdict = pr.run(tmp_path, "code-security", event={"pull_request": {"base": {"sha": "1" * 40},
                                                                        "head": {"sha": pr.head}}})
    assert verdict.code == 3, verdict.output  # the policy itself cannot be read: nothing runs
    assert "fetch-depth: 0" in verdict.output and not verdict.report
