"""The subprocess wrapper stops a whole process group when the caller gives up (gate timeout)."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from gates import proc
from gates.errors import ToolError

# a parent that starts a grandchild and both sleep: killing only the parent would leave the child
SCRIPT = ("import subprocess, sys, time; c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
          "print(c.pid, flush=True); time.sleep(60)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cancelling_kills_the_process_group(tmp_path) -> None:
    cancelled = threading.Event()
    threading.Timer(1.0, cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(ToolError, match="was cancelled") as caught:
        proc.run([sys.executable, "-c", SCRIPT], timeout=60, cancelled=cancelled, tool="sleeper")
    assert time.monotonic() - started < 15
    assert not proc._LIVE
    del caught


def test_timeout_still_applies_with_a_cancel_event() -> None:
    with pytest.raises(ToolError, match="did not finish within"):
        proc.run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1, cancelled=threading.Event())
    done = proc.run([sys.executable, "-c", "print('hi')"], timeout=30, cancelled=threading.Event())
    assert done.stdout.strip() == "hi"
