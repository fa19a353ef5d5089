"""Temporary files in shared places and world-writable permissions."""

import os
import tempfile


def scratch():
    return open("/tmp/model-cache.bin", "wb")


def share(path):
    os.chmod(path, 0o777)


def unsafe_name():
    return tempfile.mktemp()
