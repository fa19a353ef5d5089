"""The ``secure-ai-gates`` command line: parser wiring and the one place errors become exit codes.

Heavy engines are never imported here: ``--help`` must start in well under half a second.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from gates import __version__
from gates.commands import deploy, manifest, merge, osv_mirror, run, scan_model
from gates.errors import ExitCode, GatesError, exit_code_for

COMMANDS = (run, manifest, scan_model, deploy, osv_mirror, merge)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command module."""
    parser = argparse.ArgumentParser(
        prog="secure-ai-gates",
        description="Eight security gates in front of every deployment of an AI/ML project.",
        epilog="Exit status: 0 passed, 1 failed, 2 usage/configuration error, 3 could not decide.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never raises for an expected error)."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    from gates.proc import protect_own_environment

    protect_own_environment()  # a child running as our uid cannot read our environ (the token)
    try:
        return int(args.func(args))
    except GatesError as exc:
        _fatal(str(exc), exit_code_for(exc))
        return int(exit_code_for(exc))
    except KeyboardInterrupt:
        _fatal("interrupted", ExitCode.UNDECIDED)
        return int(ExitCode.UNDECIDED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("SECURE_AI_GATES_DEBUG"):
            raise
        _fatal(f"internal error: {type(exc).__name__}: {exc} (set SECURE_AI_GATES_DEBUG=1 for a traceback)",
               ExitCode.UNDECIDED)
        return int(ExitCode.UNDECIDED)


def _fatal(message: str, code: ExitCode) -> None:
    """Print a fatal error; inside Actions also as an annotation, in the summary and outputs."""
    kind = "configuration error" if code is ExitCode.USAGE else "error"
    print(f"secure-ai-gates: {kind}: {message}", file=sys.stderr, flush=True)
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from gates.ghactions import append_outputs, append_summary, emit

    emit("error", message, {"title": f"secure-ai-gates {kind}"})
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        fence = "````"
        append_summary(summary, f"## 🛡️ secure-ai-gates: ⚠️ {kind}\n\n{fence}\n{message}\n{fence}\n\n"
                                f"Fix the problem above and re-run; exit status {int(code)}.\n")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        append_outputs(output, {"status": "error", "failed-gates": ""})


if __name__ == "__main__":
    raise SystemExit(main())
