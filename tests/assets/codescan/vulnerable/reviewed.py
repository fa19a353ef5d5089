"""A finding a reviewer accepted with a nosec comment: bandit must skip it."""

import subprocess


def version():
    return subprocess.check_output("git --version", shell=True)  # nosec B602
