"""The ``deploy`` subcommand: deploy with a health monitor and automatic rollback.

    secure-ai-gates deploy --deploy-command CMD --rollback-command CMD --health-url URL
                           [--duration 10m] [--interval 30s] [--max-latency-ms 5000] ...

Exit status: 0 healthy (or a requested --rollback-only succeeded), 1 rolled back,
2 bad flag/input, 3 rollback failed, cancelled with --on-cancel leave, or the version in
service could not be read.
"""

from __future__ import annotations

import argparse
import os

from gates.deploy.options import add_arguments, raw_values


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``deploy`` parser."""
    parser = sub.add_parser(
        "deploy", help="deploy, watch health, roll back when unhealthy",
        description="Record the version in service, run the deploy command, watch latency, error rate and "
                    "injection attempts, and run the rollback command when a limit is crossed. Every flag can "
                    "also be given as an INPUT_<NAME> environment variable.",
        epilog="Exit status: 0 healthy, 1 rolled back, 2 usage error, 3 rollback failed / cancelled / undecided.")
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the deploy; typed errors carry exit codes 2 and 3."""
    from gates.deploy.app import deploy
    from gates.deploy.settings import DeploySettings

    settings = DeploySettings.from_raw(raw_values(args, os.environ))
    return int(deploy(settings, os.environ).exit_code)
