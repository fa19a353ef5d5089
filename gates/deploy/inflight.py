"""A deploy command still running after its deploy run died, and how to stop it.

:func:`gates.proc.run` starts every command in a session of its own, so a deploy command
outlives a run killed by the runner; the state file records its process (group) id and start
time. ``--rollback-only`` stops that group before restoring, else the orphan could finish
installing the bad version after the rollback. The start time (``/proc/<pid>/stat`` field 22)
tells the recorded process from an unrelated one that reused the id.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

_TERM_WAIT_S = 2.0


def start_ticks(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot, or "" when it is gone (or not Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def group_alive(pgid: int) -> bool:
    """True when some process of group ``pgid`` still runs."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, started: str) -> str:
    """Stop the recorded command's process group; return what was done (empty when nothing ran)."""
    if pgid <= 1 or not group_alive(pgid):
        return ""
    leader = start_ticks(pgid)
    if started and leader and leader != started:
        return ""  # the id now belongs to another process
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + _TERM_WAIT_S
    while time.monotonic() < deadline and group_alive(pgid):
        time.sleep(0.05)
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
        return f"stopped the deploy command still running from the earlier run (process group {pgid}, SIGKILL)"
    return f"stopped the deploy command still running from the earlier run (process group {pgid}, SIGTERM)"
