"""The ``osv-mirror`` subcommand: serve the OSV query API from a local advisory database.

    secure-ai-gates osv-mirror --db DIR [--port N] [--host 127.0.0.1] [--log-requests]

Prints the listening URL (and the URL to give ``pip-audit --osv-url``), then serves until
SIGTERM or SIGINT. Exit 0 after a clean stop, 2 for a missing directory, 3 for a database that
cannot be loaded or a port that cannot be bound.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from gates.errors import RemoteError, UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``osv-mirror`` parser."""
    parser = sub.add_parser(
        "osv-mirror", help="serve the OSV query API (POST /v1/query) from a local advisory database",
        description="Serve the OSV API from a directory of OSV advisories (e.g. a checkout of "
                    "github.com/pypa/advisory-database) so that pip-audit --osv-url works offline.")
    parser.add_argument("--db", required=True, metavar="DIR", help="directory of OSV advisories (YAML or JSON)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0 picks a free one; default 8765)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--log-requests", action="store_true", help="log every request to stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the database, serve until SIGTERM/SIGINT, return 0."""
    from gates.osv.loader import load_database  # imported here: --help must not load engines
    from gates.osv.server import OsvApi, RunningMirror

    db_dir = Path(args.db)
    if not db_dir.is_dir():
        raise UsageError(f"--db {db_dir}: no such directory (give a directory of OSV advisories)")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be between 0 and 65535")
    loaded = load_database(db_dir)
    try:
        mirror = RunningMirror(OsvApi(loaded.index, loaded.snapshot), args.host, args.port,
                               log_requests=args.log_requests)
    except OSError as exc:
        raise RemoteError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:  # pylint: disable=unused-argument
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(f"loaded {len(loaded.index)} advisories for {loaded.index.package_count} packages "
              f"in {loaded.load_seconds:.2f} s ({loaded.snapshot.describe()})", file=sys.stderr)
        print(f"listening on {mirror.server.base_url}", flush=True)
        print(f"pip-audit: --vulnerability-service osv --osv-url {mirror.server.query_url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        mirror.close()
    print("stopped", file=sys.stderr)
    return 0
