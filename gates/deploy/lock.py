"""One deploy at a time per state file: an exclusive ``fcntl`` lock on ``<state file>.lock``.

Held for the whole run (deploy, monitoring, rollback, verification; also ``--rollback-only``).
A second run on the same state file waits up to ``lock-timeout`` (default 0: refuse at once)
and then stops with exit 3 and a message naming the holder (its pid, run id and start time,
which the holder writes into the lock file). The kernel releases the lock when the holder
dies, so a killed run never leaves a stale lock behind. Across machines (two GitHub jobs) the
lock cannot help: use the workflow's ``concurrency:`` group for that.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import IO

from gates.deploy.state import now_iso
from gates.errors import ToolError, UsageError

_POLL_S = 0.1


def lock_path(state_file: Path) -> Path:
    """The lock file beside the state file."""
    return state_file.with_name(state_file.name + ".lock")


class StateLock:
    """``with StateLock(path, timeout_s, run_id):`` holds the lock or raises ToolError."""

    def __init__(self, state_file: Path, timeout_s: float, run_id: str = "") -> None:
        self.path = lock_path(state_file)
        self.timeout_s = timeout_s
        self.run_id = run_id
        self._fh: IO[str] | None = None

    def __enter__(self) -> StateLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until __exit__
        except OSError as exc:
            raise UsageError(f"cannot create the lock file {self.path}: {exc}") from None
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fh)
                    fh.close()
                    raise ToolError(
                        f"another deploy holds the lock on this state file ({holder}); nothing was changed. "
                        f"Wait for it, give --lock-timeout to wait, or serialise deploys with a workflow "
                        f"`concurrency:` group") from None
                time.sleep(_POLL_S)
        self._fh = fh
        self._describe(fh)
        return self

    def _describe(self, fh: IO[str]) -> None:
        """Say who holds the lock (best effort: the lock holds even when this cannot be written)."""
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps({"pid": os.getpid(), "run_id": self.run_id, "since": now_iso()}) + "\n")
            fh.flush()
        except OSError:
            pass

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _holder(fh: IO[str]) -> str:
    try:
        fh.seek(0)
        data = json.loads(fh.read() or "{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict) or "pid" not in data:
        return "holder unknown"
    run = f", run {data['run_id']}" if data.get("run_id") else ""
    return f"pid {data['pid']}{run}, since {data.get('since', '?')}"
