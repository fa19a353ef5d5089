"""Build and run the action's image with podman, as CONTAINER-TESTING.md describes.

No Docker engine and no registry here: the base image is made with debootstrap (Debian
bookworm's Python 3.11, tagged as ``python:3.12-slim`` so the unchanged Dockerfile builds),
podman runs with runc, cgroupfs and explicit ulimits from config files of our own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASE_TAG = "localhost/base-py:bookworm"
IMAGE = "localhost/secure-ai-gates:test"


def unavailable_reason() -> str | None:
    """Why the container path cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "podman tests need root (debootstrap and rootful podman)"
    for tool in ("podman", "runc", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/setup.sh installs it with apt-get)"
    return None


def debian_mirror() -> str:
    """The Debian mirror apt already uses on this machine."""
    texts = []
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    for text in texts:
        match = re.search(r"(?:URIs:|deb)\s+(https?://\S+/debian)\s", text + "\n")
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


@dataclass
class Podman:
    """A podman with its own storage and configuration under ``root``."""

    root: Path

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "containers.conf"
        conf.write_text('[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
                        '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n')
        storage = self.root / "storage.conf"
        storage.write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{self.root}/graph"\n'
                           f'runroot = "{self.root}/run"\n')
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf), "CONTAINERS_STORAGE_CONF": str(storage)}

    def __call__(self, *args: str, timeout: float = 900, check: bool = True,
                 input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(["podman", *args], env=self.env, capture_output=True, timeout=timeout,
                                input=input_bytes)
        if check and result.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args[:3])} failed ({result.returncode}): "
                               f"{result.stderr.decode(errors='replace')[-3000:]}")
        return result

    def has_image(self, ref: str) -> bool:
        return self("image", "exists", ref, check=False).returncode == 0

    def build_base(self) -> None:
        """debootstrap a minimal bookworm with Python and import it as the base image."""
        if self.has_image(BASE_TAG):
            return
        rootfs = self.root / "rootfs"
        shutil.rmtree(rootfs, ignore_errors=True)
        subprocess.run(["debootstrap", "--variant=minbase",
                        "--include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates",
                        "bookworm", str(rootfs), debian_mirror()], check=True, capture_output=True, timeout=900)
        for marker in rootfs.glob("usr/lib/python3.*/EXTERNALLY-MANAGED"):
            marker.unlink()
        shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
        (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
        shutil.copy("/etc/ssl/certs/ca-certificates.crt", rootfs / "etc/ssl/certs/ca-certificates.crt")
        tar = subprocess.run(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], capture_output=True,
                             check=True, timeout=600)
        self("import", "--change", "ENV LANG=C.UTF-8", "-", BASE_TAG, input_bytes=tar.stdout)
        self("tag", BASE_TAG, "docker.io/library/python:3.12-slim")
        shutil.rmtree(rootfs, ignore_errors=True)

    def build_action_image(self) -> None:
        """Build the repository's Dockerfile (default target) as IMAGE."""
        self.build_base()
        self("build", "--network", "host", "--target", "runtime", "-t", IMAGE, str(REPO), timeout=1500)


def action_image() -> Podman:
    """A podman holding the freshly built action image (its store: $SECURE_AI_GATES_PODMAN_ROOT or
    .cache/podman); skips the calling test, saying why, where the container path cannot run."""
    reason = unavailable_reason()
    if reason:
        print(f"SKIP container test: {reason}")
        pytest.skip(reason)
    tool = Podman(Path(os.environ.get("SECURE_AI_GATES_PODMAN_ROOT", str(REPO / ".cache" / "podman"))))
    tool.build_action_image()
    return tool


def docker_shim(directory: Path, record: Path | None = None) -> Path:
    """A ``docker`` in ``directory`` that runs podman (first writing its arguments, one a line, to ``record``)."""
    directory.mkdir(parents=True, exist_ok=True)
    recording = f'printf "%s\\n" "$@" > {record}\n' if record else ""
    (directory / "docker").write_text(f'#!/bin/sh\n{recording}exec podman "$@"\n')
    (directory / "docker").chmod(0o755)
    return directory
