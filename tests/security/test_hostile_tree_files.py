"""Hostile files never hang or exhaust the run: FIFOs, devices, links out of the tree, huge files.

Each call that could block runs in a watchdog thread: a test fails (instead of hanging the
suite) when the call does not return within a few seconds.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gates.errors import ToolError
from gates.files import FileTooLargeError, UnsafeFileError, open_regular, read_bytes_capped
from gates.manifest.hashing import hash_file
from gates.manifest.walk import collect
from gates.probes.usertests import parse_junit


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception; fail when it is still running after ``seconds``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the call blocked (FIFO?) or ran away (endless file?)"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "ok.txt").write_text("fine\n")
    os.mkfifo(root / "pipe.py")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "environ.py").symlink_to("/proc/self/environ")
    (root / "inside.py").symlink_to(root / "ok.txt")
    (root / "to-pipe.py").symlink_to(root / "pipe.py")
    return root


def test_open_regular_refuses_without_blocking(tree: Path) -> None:
    with pytest.raises(UnsafeFileError, match="not a regular file \\(a FIFO\\)"):
        within(5, lambda: open_regular(tree / "pipe.py", tree))
    with pytest.raises(UnsafeFileError, match="not a regular file \\(a FIFO\\)"):
        within(5, lambda: open_regular(tree / "to-pipe.py", tree))
    with pytest.raises(UnsafeFileError, match="outside the workspace"):
        within(5, lambda: open_regular(tree / "zero.py", tree))
    with pytest.raises(UnsafeFileError, match="outside the workspace"):
        within(5, lambda: open_regular(tree / "environ.py", tree))
    with pytest.raises(UnsafeFileError, match="a character device"):
        within(5, lambda: open_regular("/dev/zero"))  # no root: still never read as a file
    assert read_bytes_capped(tree / "inside.py", root=tree) == b"fine\n"


def test_read_cap(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(FileTooLargeError, match="larger than 1000 bytes"):
        read_bytes_capped(big, cap=1000)
    assert len(read_bytes_capped(big, cap=1001)) == 1001


def test_walk_reports_each_and_lists_only_regular_files(tree: Path) -> None:
    found = within(5, lambda: collect([""], tree))
    assert [f.rel for f in found.files] == ["inside.py", "ok.txt"]
    kinds = {p.path: p.kind for p in found.problems}
    assert kinds == {"pipe.py": "special-file", "to-pipe.py": "special-file", "zero.py": "symlink-escapes-root",
                     "environ.py": "symlink-escapes-root"}


def test_hashing_a_fifo_fails_at_once(tree: Path) -> None:
    with pytest.raises(OSError, match="not a regular file"):
        within(5, lambda: hash_file(tree / "pipe.py"))


def test_model_scanner_reports_and_skips(tree: Path) -> None:
    from gates.scanner.engine import scan_paths

    report = within(10, lambda: scan_paths([tree], root=tree))
    unreadable = {f.path for f in report.unreadable}
    assert {"pipe.py", "to-pipe.py", "zero.py", "environ.py"} <= unreadable
    assert "ok.txt" not in unreadable and "inside.py" not in unreadable


def test_junit_xml_planted_as_a_link_or_fifo_is_refused(tmp_path: Path) -> None:
    xml = tmp_path / "out" / "user-tests.junit.xml"
    xml.parent.mkdir()
    xml.symlink_to("/dev/zero")
    with pytest.raises(ToolError, match="outside the workspace"):
        within(5, lambda: parse_junit(xml))
    xml.unlink()
    os.mkfifo(xml)
    with pytest.raises(ToolError, match="FIFO"):
        within(5, lambda: parse_junit(xml))


def test_a_requirements_include_linking_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    from gates.errors import GateError
    from gates.osv.sources import requirements_sources

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "requirements.txt").write_text("-r more.txt\npyyaml==6.0.1\n")
    (ws / "more.txt").symlink_to("/etc/passwd")
    with pytest.raises(GateError, match="more.txt is a symlink to /etc/passwd, outside the workspace: not read"):
        requirements_sources(ws / "requirements.txt", ws)
