#!/usr/bin/env python3
"""Run the whole secure-ai-gates pipeline on examples/demo-project, end to end.

Starts the demo model server on a free loopback port, runs every gate against the demo
project with the project's own configuration, stops the server and prints the report.

    python examples/run_demo.py               # the hardened model: every gate should pass
    python examples/run_demo.py --vulnerable  # a weak model: model-security and adversarial fail

Exit status is the pipeline's (0 passed, 1 failed, 2 config error, 3 could not decide).
The report lands in examples/demo-project/secure-ai-gates-report/ (or --report-dir).
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo-project"
SERVER = DEMO / "model_server.py"


def start_server(vulnerable: bool) -> tuple[subprocess.Popen[str], str]:
    """Start the demo model server; return the process and its base URL."""
    argv = [sys.executable, str(SERVER), "--host", "127.0.0.1", "--port", "0"]
    if vulnerable:
        argv.append("--vulnerable")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("listening on "):
                return proc, line.split("listening on ", 1)[1].strip()
            if not line:
                break
    proc.kill()
    raise SystemExit(f"demo model server did not start: {proc.stderr.read() if proc.stderr else ''}")


def main() -> int:
    """Start the server, run the gates, stop the server; exit with the pipeline's status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vulnerable", action="store_true", help="serve the weak model")
    parser.add_argument("--gates", help="run only these gates (comma-separated)")
    parser.add_argument("--report-dir", default=str(DEMO / "secure-ai-gates-report"))
    args = parser.parse_args()

    proc, base_url = start_server(args.vulnerable)
    print(f"demo: model server ({'vulnerable' if args.vulnerable else 'hardened'}) at {base_url}", flush=True)
    command = [sys.executable, "-m", "gates", "run", "--workspace", str(DEMO),
               "--endpoint", f"{base_url}/v1/chat/completions", "--report-dir", args.report_dir]
    if args.gates:
        command += ["--gates", args.gates]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env["DEMO_MODEL_URL"] = base_url
    try:
        status = subprocess.run(command, env=env, cwd=HERE.parent, check=False).returncode
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"demo: summary in {args.report_dir}/summary.md; exit status {status}", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
