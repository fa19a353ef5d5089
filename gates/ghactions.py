"""GitHub Actions workflow commands and file commands, escaped so nothing can inject one.

Escaping follows the runner's rules: in a command's message ``%``, CR and LF are encoded;
in a property value ``:`` and ``,`` are encoded too. A value can then never end its line
(and start a second command) or break out of its property.

Free text from the workspace (tool output, file names, model replies) is printed with
:func:`print_untrusted`: inside Actions any line the runner could read as a command (one that
starts with ``::`` after spaces, or holds a legacy ``##[`` anywhere, split the way the runner
splits lines) is fenced by ``::stop-commands::<random token>`` … ``::<token>::``.
"""

from __future__ import annotations

import os
import secrets
import sys
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", properties: Mapping[str, object] | None = None) -> str:
    """One workflow command line, e.g. ``::error file=a.py,line=3,title=B602::message``."""
    props = ""
    if properties:
        parts = [f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None]
        if parts:
            props = " " + ",".join(parts)
    return f"::{name}{props}::{escape_data(message)}"


def emit(name: str, message: str = "", properties: Mapping[str, object] | None = None,
         stream: TextIO | None = None) -> None:
    """Print one workflow command to stdout (or ``stream``)."""
    print(command(name, message, properties), file=stream or sys.stdout, flush=True)


def could_be_command(text: str) -> bool:
    """True when any line of ``text``, as the runner splits it, might be read as a workflow command."""
    return any("::" in line or "##[" in line for line in text.splitlines())


def fence(lines: Iterable[str]) -> list[str]:
    """``lines`` between ``::stop-commands::TOKEN`` and ``::TOKEN::`` (a fresh random token)."""
    body = [part for line in lines for part in (line.splitlines() or [""])]
    token = "sag" + secrets.token_hex(16)
    while any(token in line for line in body):  # pragma: no cover - 128 random bits
        token = "sag" + secrets.token_hex(16)
    return [f"::stop-commands::{token}", *body, f"::{token}::"]


def print_untrusted(lines: Iterable[str] | str, *, actions: bool, stream: TextIO | None = None) -> None:
    """Print text that may come from the workspace; inside Actions it can start no command."""
    items = [lines] if isinstance(lines, str) else list(lines)
    out = items
    if actions and any(could_be_command(line) for line in items):
        out = fence(items)
    target = stream or sys.stdout
    for line in out:
        print(line, file=target)
    target.flush()


def mask(secret: str, stream: TextIO | None = None) -> None:
    """Ask the runner to mask ``secret`` in all later log output (each line of it)."""
    for line in secret.splitlines() or [secret]:
        if line.strip():
            emit("add-mask", line, stream=stream)


def append_outputs(path: Path | str, outputs: Mapping[str, str]) -> None:
    """Append step outputs to ``$GITHUB_OUTPUT`` using a random heredoc delimiter per value."""
    with open(path, "a", encoding="utf-8") as fh:
        for key, value in outputs.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            fh.write(f"{key}<<{delimiter}{os.linesep}{value}{os.linesep}{delimiter}{os.linesep}")


def append_summary(path: Path | str, markdown: str) -> None:
    """Append Markdown to ``$GITHUB_STEP_SUMMARY``."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(markdown)
        if not markdown.endswith("\n"):
            fh.write("\n")
