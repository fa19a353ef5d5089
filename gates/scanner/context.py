"""Per-file scanning state: the policy, the bounds, and the issues found so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates.model import Severity
from gates.scanner.opcodes import Buffer
from gates.scanner.policy import ScanPolicy, Verdict, classify
from gates.scanner.walk_values import NESTED_LOADERS, WalkResult

MAX_DEPTH = 6  # archives inside archives
MAX_MEMBERS = 200_000  # members per archive (a large checkpoint has one per tensor)
MAX_MEMBER_BYTES = 512 << 20  # decompressed bytes of one member that are inspected
MAX_TOTAL_DECOMPRESSED = 4 << 30  # decompressed bytes per top-level file
EMBED_SEARCH_BYTES = 16 << 20  # opaque regions searched for embedded pickles
EMBED_CANDIDATES = 64  # protocol headers tried per region


@dataclass(frozen=True)
class RawIssue:
    """An issue before it becomes a :class:`~gates.model.Finding` (no fingerprint yet)."""

    rule_id: str
    severity: Severity
    member: str | None
    message: str
    context: str
    global_name: str | None = None


@dataclass
class ScanContext:
    """State while one top-level file is scanned."""

    policy: ScanPolicy
    model_dir: Path | None = None  # directory of the file, for ONNX external data
    root: Path | None = None
    issues: list[RawIssue] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)
    members: list[str] = field(default_factory=list)
    pickles: int = 0
    decompressed: int = 0
    depth: int = 0
    torchscript: bool = False  # inside a TorchScript archive: __torch__ classes come from its code/
    # dispatch.scan_blob, set by the engine (a callback: dispatch imports this module)
    scan_blob: Callable[..., Any] | None = None

    def add(self, rule_id: str, severity: Severity, member: str | None, message: str,
            context: str = "", global_name: str | None = None) -> None:
        """Record one issue; ``member`` names the archive member (None for the file itself)."""
        where = f"{member}: " if member else ""
        self.issues.append(RawIssue(rule_id, severity, member, where + message,
                                    f"{member or ''}|{context}", global_name))

    def add_walk(self, result: WalkResult, member: str | None, how: str = "",
                 buf: Buffer | None = None) -> None:
        """Classify the globals of a walk (and its nested walks) and keep its issues.

        Bytes passed to a nested loader (``torch.storage._load_from_bytes``: how a tensor
        pickles with plain ``pickle``) are scanned as a file of their own; the loader itself
        is only reported when some call to it takes bytes the walk could not pin down.
        """
        seen: dict[str, list[int]] = {}
        for other in (n for n in result.nested if n.note):
            self.add_walk(other, member, how + other.note, buf)
        walks = [result, *(n for n in result.nested if not n.note)]
        unresolved = sum(w.unresolved_payloads for w in walks)
        for walked in walks:
            for payload in walked.payloads:
                self._scan_payload(payload, buf, member)
            for ref in walked.globals:
                seen.setdefault(f"{ref.module}\x00{ref.name}", []).append(ref.offset)
            for issue in walked.issues:
                self.add(issue.rule_id, issue.severity, member, issue.message + how, issue.context)
        for key, offsets in seen.items():
            module, name = key.split("\x00", 1)
            verdict = classify(module, name, self.policy)
            self.globals.add(verdict.full_name)
            if self.torchscript and module.split(".", 1)[0] == "__torch__":
                continue  # resolved by torch.jit.load from the archive's code/, never imported
            if verdict.verdict is Verdict.SAFE or (verdict.full_name in NESTED_LOADERS and not unresolved):
                continue
            times = f" ({len(offsets)} references)" if len(offsets) > 1 else ""
            where = f"at byte {offsets[0]}{times}{how}"
            if verdict.verdict is Verdict.DANGEROUS:
                self.add("PICKLE-DANGEROUS-GLOBAL", Severity.CRITICAL, member,
                         f"pickle imports {verdict.full_name} {where}: {verdict.reason}; loading "
                         "this file runs code. Do not load it; re-export the weights as safetensors",
                         verdict.full_name, verdict.full_name)
            else:
                self.add("PICKLE-UNKNOWN-GLOBAL", self.policy.unknown_global_severity, member,
                         f"pickle imports {verdict.full_name} {where}: {verdict.reason}. If it is your "
                         "project's own class, add it with --allow-global / the allow-list",
                         verdict.full_name, verdict.full_name)

    def _scan_payload(self, payload: Any, buf: Buffer | None, member: str | None) -> None:
        label = f"{member or ''}[bytes at {payload.offset}]"
        if self.scan_blob is None or self.depth >= MAX_DEPTH or (payload.data is None and buf is None):
            self.add("ARCHIVE-LIMIT", Severity.HIGH, member,
                     f"nested pickle payload at byte {payload.offset} was not scanned", "nested-payload")
            return
        self.depth += 1
        try:
            if payload.data is not None:
                found = self.scan_blob(self, payload.data, 0, len(payload.data), label, self.depth)
            else:
                found = self.scan_blob(self, buf, payload.start, payload.end, label, self.depth)
        finally:
            self.depth -= 1
        self.members.append(f"{label}: {found.value}")
