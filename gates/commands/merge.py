"""The ``merge`` subcommand (not available in this version yet)."""

from __future__ import annotations

import argparse

from gates.errors import ToolError


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``merge`` parser."""
    parser = sub.add_parser("merge", help="not available in this version")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Always an error until the command is implemented."""
    raise ToolError("the merge command is not available in this version of secure-ai-gates")
