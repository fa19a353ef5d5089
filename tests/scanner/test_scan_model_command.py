"""The ``scan-model`` subcommand: output formats and exit codes, in-process and through the CLI."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gates.commands import scan_model
from gates.errors import GateError, UsageError
from tests.scanner.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    scan_model.register(parser.add_subparsers())
    args = parser.parse_args(["scan-model", *argv])
    return int(args.func(args))


def test_clean_file_exits_0(capsys) -> None:  # type: ignore[no-untyped-def]
    assert _run([str(CORPUS / "benign0_v4.pkl")]) == 0
    assert capsys.readouterr().out.startswith("clean: 1 file(s) scanned (pickle)")


def test_unsafe_file_exits_1_with_json(capsys) -> None:  # type: ignore[no-untyped-def]
    assert _run([str(CORPUS / "malicious2_v4.pkl"), "--format", "json", "--root", str(CORPUS)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "unsafe" and document["files_scanned"] == 1
    assert document["findings"][0]["global"] == "posix.system"
    assert document["files"][0]["path"] == "malicious2_v4.pkl"


def test_allow_global_makes_a_project_class_pass(tmp_path: Path) -> None:
    from tests.scanner.malicious import STOP, proto, sg

    model = tmp_path / "model.pkl"
    model.write_bytes(proto(4) + sg("mypkg.nets", "Net") + b")\x81" + STOP)
    assert _run([str(model)]) == 1
    assert _run([str(model), "--allow-global", "mypkg.nets.Net"]) == 0
    assert _run([str(model), "--allow-global", "mypkg.nets.*"]) == 0
    assert _run([str(model), "--allow-global", "mypkg.**"]) == 0
    assert _run([str(model), "--fail-on", "critical"]) == 0


def test_bad_flags_and_missing_paths_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        _run([str(tmp_path / "missing.pt")])
    with pytest.raises(UsageError):
        _run([str(CORPUS / "benign0_v4.pkl"), "--allow-global", "not a name"])
    with pytest.raises(UsageError):
        _run([str(CORPUS / "benign0_v4.pkl"), "--fail-on", "severe"])


def test_unreadable_file_is_undecided(tmp_path: Path) -> None:
    (tmp_path / "gone.pt").symlink_to(tmp_path / "missing")
    with pytest.raises(GateError, match="gone.pt"):
        _run([str(tmp_path / "gone.pt"), "--root", str(tmp_path)])


@pytest.mark.parametrize("path,code", [("benign0_v3.pkl", 0), ("malicious1.zip", 1), ("absent.pkl", 2)])
def test_exit_codes_through_the_cli(path: str, code: int) -> None:
    done = subprocess.run([sys.executable, "-m", "gates", "scan-model", str(CORPUS / path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


def test_thresholds_on_the_edge_cases(capsys) -> None:  # type: ignore[no-untyped-def]
    assert _run([str(CORPUS / "bad_pytorch.pt")]) == 0  # info never fails
    assert "INFO     MODEL-UNRECOGNISED-FORMAT" in capsys.readouterr().out
    assert _run([str(CORPUS / "benign_password_protected.zip")]) == 1  # medium fails at the default (low)
    assert _run([str(CORPUS / "benign_password_protected.zip"), "--fail-on", "high"]) == 0
