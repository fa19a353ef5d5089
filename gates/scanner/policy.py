"""Classify a pickle global (``module`` + ``qualname``) as safe, dangerous or unknown.

The policy is an allow-list: only globals in :mod:`gates.scanner.allowlist` (or the
project's ``extra_allowed`` entries) pass. Known-dangerous callables are critical; any other
global is reported at ``unknown_global_severity`` (high by default).

Names are checked the way an unpickler resolves them: Python 2 module names are mapped to
Python 3 ones (``__builtin__`` -> ``builtins``), a dotted qualname is a chain of attribute
look-ups, and every spelling is also checked after Unicode NFKC normalisation so that
look-alike letters cannot dodge the deny-list (they never match the allow-list either).
"""

from __future__ import annotations

import _compat_pickle
import enum
import unicodedata
from dataclasses import dataclass, field

from gates.model import Severity
from gates.scanner import allowlist, presets


class Verdict(str, enum.Enum):
    """What the policy thinks of one global."""

    SAFE = "safe"
    DANGEROUS = "dangerous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ScanPolicy:
    """The project's additions to the built-in allow-list.

    ``extra_allowed`` holds ``"module.qualname"``, ``"module.*"`` (every name directly in
    that module, not its submodules) or ``"package.**"`` (the package and all its
    submodules, e.g. ``sklearn.**``). A known-dangerous global stays dangerous even when
    listed here: the allow-list cannot make ``os.system`` safe.

    A wildcard never admits a name that :func:`gates.scanner.presets.is_gadget` denies
    (testing helpers, file readers, downloaders, code generators inside otherwise safe
    packages): ``sklearn.**`` does not admit
    ``sklearn.utils._testing.assert_run_python_script_without_output``. Such a name passes only
    when listed exactly. ``presets`` name curated lists of exact class names
    (:data:`gates.scanner.presets.PRESETS`). ``not_scanned_severity`` is the severity of
    ``MODEL-NOT-SCANNED`` findings (high: blocks by default; info: report only).
    """

    extra_allowed: frozenset[str] = frozenset()
    unknown_global_severity: Severity = Severity.HIGH
    presets: frozenset[str] = frozenset()
    not_scanned_severity: Severity = Severity.HIGH

    def __post_init__(self) -> None:
        unknown = sorted(set(self.presets) - set(presets.PRESETS))
        if unknown:
            raise ValueError(f"unknown allow-list preset(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(presets.PRESETS))}")

    def allows(self, full: str) -> bool:
        """True when ``full`` (``module.qualname``) is allowed by an entry or a preset."""
        if full in self.extra_allowed or any(full in presets.PRESETS[name] for name in self.presets):
            return True
        if presets.is_gadget(full):
            return False
        module, _, _name = full.rpartition(".")
        if module and f"{module}.*" in self.extra_allowed:
            return True
        parts = full.split(".")
        return any(".".join(parts[:i]) + ".**" in self.extra_allowed for i in range(1, len(parts)))


@dataclass(frozen=True)
class Classification:
    """The verdict on one global and the reason, for the finding message."""

    verdict: Verdict
    full_name: str
    reason: str
    aliases: tuple[str, ...] = field(default=())


def py3_name(module: str, name: str) -> tuple[str, str]:
    """Map a Python 2 ``(module, name)`` to its Python 3 spelling, as ``fix_imports`` does."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    if module in _compat_pickle.IMPORT_MAPPING:
        return _compat_pickle.IMPORT_MAPPING[module], name
    return module, name


def _danger_reason(module: str, name: str) -> str | None:
    full = f"{module}.{name}" if name else module
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in allowlist.DANGEROUS_MODULES:
            return f"module {prefix} can run commands, load code, touch files or the network"
    attrs = name.split(".") if name else []
    if module == "builtins" and attrs and attrs[0] in allowlist.DANGEROUS_BUILTINS:
        return f"builtins.{attrs[0]} can evaluate code or reach any object"
    for i in range(len(attrs), 0, -1):
        if f"{module}.{'.'.join(attrs[:i])}" in allowlist.DANGEROUS_NAMES:
            return f"{full} loads or writes files, or runs a nested unpickler"
    for attr in attrs:
        if attr in allowlist.DANGEROUS_MODULES:
            return f"{full} reaches the module {attr} re-exported by {module}"
        if attr in allowlist.DANGEROUS_ATTRIBUTES:
            return f"attribute {attr!r} executes code, touches files or walks to arbitrary objects"
    if any(p.startswith("__") and p.endswith("__") and p not in ("__main__", "__builtin__") for p in parts):
        return "a dunder module name reaches interpreter internals"
    return None


def _spellings(module: str, name: str) -> list[tuple[str, str]]:
    out = [py3_name(module, name)]
    if (module, name) not in out:
        out.append((module, name))
    for mod, nm in list(out):
        norm = (unicodedata.normalize("NFKC", mod).strip(), unicodedata.normalize("NFKC", nm).strip())
        if norm not in out:
            out.append(norm)
    return out


def classify(module: str, name: str, policy: ScanPolicy) -> Classification:
    """The verdict for the global ``module``/``name`` (the worst over all its spellings)."""
    spellings = _spellings(module, name)
    raw_full = f"{module}.{name}"
    aliases = tuple(f"{m}.{n}" for m, n in spellings if (m, n) != (module, name))
    mapped = "{}.{}".format(*py3_name(module, name))
    if mapped in allowlist.SAFE_GLOBALS:  # vetted exact names win (torch.jit._pickle helpers)
        return Classification(Verdict.SAFE, raw_full, "known safe for tensors and containers", aliases)
    for mod, nm in spellings:
        reason = _danger_reason(mod, nm)
        if reason:
            return Classification(Verdict.DANGEROUS, raw_full, reason, aliases)
    mod, nm = py3_name(module, name)
    full = f"{mod}.{nm}"
    if full in allowlist.SAFE_GLOBALS or allowlist.is_safe_pattern(full):
        return Classification(Verdict.SAFE, raw_full, "known safe for tensors and containers", aliases)
    if policy.allows(full) or policy.allows(raw_full):
        return Classification(Verdict.SAFE, raw_full, "allowed by the project's allow-list", aliases)
    return Classification(
        Verdict.UNKNOWN, raw_full,
        "not on the allow-list: importing and calling it may run arbitrary code", aliases,
    )
