"""What the symbolic pickle walker pushes and records: descriptions of values, never values.

The walker (:mod:`gates.scanner.pickle_walk`) keeps these on its stack and memo: literals as
plain Python values, imported globals as :class:`Glob`, call results as :class:`Obj`,
containers as :class:`ListV`/:class:`DictV`, and everything it cannot describe as
:class:`Opaque`. :class:`WalkResult` is what one walk reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gates.model import Severity
from gates.scanner.opcodes import PickleSyntaxError

# Callables that unpickle their bytes argument; the bytes are scanned as a nested file.
NESTED_LOADERS = frozenset({"torch.storage._load_from_bytes"})


class Opaque:
    """A value the walker cannot describe (persistent ids, buffers, large literals)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


class BytesRef:
    """A bytes literal and where its data lies in the buffer (``value`` None when large)."""

    __slots__ = ("value", "start", "end")

    def __init__(self, value: bytes | None, start: int, end: int) -> None:
        self.value, self.start, self.end = value, start, end


@dataclass(frozen=True)
class Payload:
    """Bytes a nested loader would unpickle: ``data`` in memory or ``buf[start:end]``."""

    offset: int
    data: bytes | None
    start: int
    end: int


class Glob:
    """An imported global: ``module`` and (possibly dotted) ``name``."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    @property
    def full(self) -> str:
        """``module.name``."""
        return f"{self.module}.{self.name}"


class Obj:
    """The result of calling ``origin`` (a :class:`Glob`, or ``None`` when computed)."""

    __slots__ = ("origin", "args", "state")

    def __init__(self, origin: Glob | None, args: Any) -> None:
        self.origin = origin
        self.args = args
        self.state: Any = None


class ListV(list):  # type: ignore[type-arg]
    """A list being built."""


class DictV(dict):  # type: ignore[type-arg]
    """A dict being built (keys that are not hashable descriptions are dropped)."""


@dataclass(frozen=True)
class GlobalRef:
    """One global the stream imports, where and how."""

    offset: int
    module: str
    name: str
    opcode: str


@dataclass(frozen=True)
class Issue:
    """A structural problem (rule id, severity, byte offset, message, fingerprint context)."""

    rule_id: str
    severity: Severity
    offset: int
    message: str
    context: str


@dataclass
class WalkResult:
    """What one walk saw; ``end`` is the offset after ``STOP`` (or of the error)."""

    start: int
    end: int
    stopped: bool = False
    error: PickleSyntaxError | None = None
    protocol: int = 0
    value: Any = None
    opcodes: int = 0
    calls: int = 0  # REDUCE/NEWOBJ/OBJ/INST applied to an imported global
    globals: list[GlobalRef] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    nested: list[WalkResult] = field(default_factory=list)
    payloads: list[Payload] = field(default_factory=list)
    unresolved_payloads: int = 0
    straddle: int | None = None  # offset of the first opcode whose argument crosses a FRAME's end
    note: str = ""  # for nested walks under another reading of the bytes (shown in messages)
