#!/usr/bin/env python3
"""Entrypoint of the action's Docker image and of ``python entrypoint.py``: the CLI itself.

Inside the action, with no arguments, it runs ``run`` (the inputs come from ``INPUT_*``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gates.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["run"]))
