"""SIGTERM/SIGINT during a deploy: a cancel event, and an exception only where it is safe.

GitHub cancels a job by sending SIGINT, then SIGTERM a few seconds later, then killing it.
The first signal sets :attr:`CancelGuard.event` (the monitor loop wakes up and stops). While a
deploy or version command runs (an *interruptible* section) the signal also raises
:class:`Cancelled`, so :func:`gates.proc.run` kills that command's process group. During the
rollback and its verification signals are only recorded: the rollback is what cancelling asks for.
The second signal (GitHub's SIGTERM, about 7.5 s after the SIGINT and 2.5 s before the kill)
sets :attr:`CancelGuard.hurry`: a verification still running ends at once so that the report
and the deployment status go out before the kill.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any


class Cancelled(BaseException):
    """The job was cancelled while a deploy command was running."""


class CancelGuard:
    """Installs the handlers for the duration of a ``with`` block (main thread only)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, log: Callable[[str], None]) -> None:
        self.event = threading.Event()
        self.hurry = threading.Event()
        self.signal_name: str | None = None
        #: ``time.monotonic()`` of the first signal
        self.first_at: float | None = None
        self.log = log
        self._interruptible = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> CancelGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """A section (a deploy command) that a signal stops at once."""
        if self.event.is_set():
            raise Cancelled(self.signal_name or "cancelled")
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        first = not self.event.is_set()
        if first:
            self.first_at = time.monotonic()
        else:
            self.hurry.set()
        self.event.set()
        self.signal_name = self.signal_name or name
        if self._interruptible:
            self._interruptible = False
            raise Cancelled(name)
        if not first:
            self.log(f"received {name} again: the rollback is not interrupted, a verification still running ends now")

    def remaining(self, grace_s: float) -> float | None:
        """Seconds left of ``grace_s`` after the first signal; None when no signal came."""
        if self.first_at is None:
            return None
        return grace_s - (time.monotonic() - self.first_at)
