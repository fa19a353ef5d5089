"""Where the current metrics come from: a file the user's eval step wrote, or a command's stdout."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gates import proc
from gates.errors import ConfigError, GateError
from gates.perf.values import parse_document


def read_metrics_file(path: Path, shown: str) -> Mapping[str, Any]:
    """The metrics document at ``path`` (JSON or YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GateError(f"the metrics file {shown} does not exist: did the evaluation step run and write it? "
                        "(gates.performance.metrics-file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"cannot read the metrics file {shown}: {exc}") from None
    return parse_document(text, f"metrics file {shown}")


def command_argv(command: str | Sequence[str]) -> list[str]:
    """The argv of the ``command`` option: a list as is, a string split like a shell would (no shell runs)."""
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    if not argv:
        raise ConfigError("the command is empty", key="gates.performance.command")
    return argv


def run_metrics_command(argv: Sequence[str], cwd: Path, timeout: float) -> Mapping[str, Any]:
    """Run ``argv`` in ``cwd``; its stdout must be a JSON object (or end with one on its last line)."""
    done = proc.run(argv, timeout=timeout, cwd=cwd, tool=Path(argv[0]).name, user_python_env=True)
    shown = " ".join(shlex.quote(a) for a in argv)
    text = done.stdout.strip()
    try:
        document = json.loads(text)
    except ValueError:
        last = text.splitlines()[-1] if text else ""
        try:
            document = json.loads(last)
        except ValueError:
            raise GateError(f"the metrics command `{shown}` did not print a JSON object on stdout "
                            f"(got {text[-200:]!r})") from None
    if not isinstance(document, dict):
        raise GateError(f"the metrics command `{shown}` printed {type(document).__name__}, not a JSON object")
    return document
