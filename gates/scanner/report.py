"""What a scan returns: one :class:`FileReport` per file and the findings of all of them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gates.model import Finding


class Format(str, enum.Enum):
    """A file format, detected from content (never from the file name)."""

    PICKLE = "pickle"
    PYTORCH_ZIP = "pytorch-zip"
    TORCHSCRIPT = "torchscript"
    PYTORCH_LEGACY = "pytorch-legacy"
    JOBLIB = "joblib"
    NUMPY = "npy"
    NUMPY_ZIP = "npz"
    ZIP = "zip"
    TAR = "tar"
    COMPRESSED = "compressed"
    SEVEN_ZIP = "7z"
    SAFETENSORS = "safetensors"
    KERAS = "keras"
    HDF5 = "hdf5"
    ONNX = "onnx"
    GGUF = "gguf"
    TENSORFLOW = "tensorflow"
    TF_FINGERPRINT = "tf-fingerprint"
    TFLITE = "tflite"
    JSON = "json"
    EMPTY = "empty"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FileReport:
    """What the scanner saw in one file.

    ``members`` lists ``"name: format"`` for archive members (nested members as
    ``outer!inner``); ``globals`` holds every ``module.qualname`` any pickle imports, safe or
    not; ``error`` is set when the file could not be read at all.
    """

    path: str
    format: Format
    size: int
    pickles: int = 0
    globals: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ScanReport:
    """Findings (POSIX paths relative to the scan root) and one report per file."""

    findings: tuple[Finding, ...]
    files: tuple[FileReport, ...]

    @property
    def files_scanned(self) -> int:
        """How many files were scanned (read successfully or not)."""
        return len(self.files)

    @property
    def unreadable(self) -> tuple[FileReport, ...]:
        """The files that could not be read."""
        return tuple(f for f in self.files if f.error is not None)
