"""What a pull request's own config may change: only tighten the base policy.

Works on parsed config documents (dicts). :func:`merge_policies` compares the head's document
with the base's key by key and returns the effective document plus every difference as a
:class:`PolicyChange`. A change is applied only when it is strictly safer:

- a gate switched on, or requested by name (``false`` < unset < ``true``);
- a lower ``fail-on`` (gate or top level) than the one in force;
- items added to a list whose items each add checks (``ADDITIVE_LISTS``), or a flag in
  ``TIGHTENING_FLAGS`` turned on;
- a waiver removed (the effective waivers are those present in both).

Everything else (new waivers, removed gates or options, other option values, ``base-ref``,
``baseline-from``, ``trust``, ``public-key``, ``advisory-db``, the endpoint, time limits) keeps
the base value; the change takes effect after merge.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gates.model import Severity

ADDITIVE_LISTS: Mapping[str, frozenset[str]] = {
    "code-security": frozenset({"paths", "pylint-messages"}),
    "dependencies": frozenset({"requirements", "lock-files"}),
    "data-integrity": frozenset({"paths"}),
    "model-integrity": frozenset({"paths"}),
    "model-security": frozenset({"probe-files"}),
    "adversarial": frozenset({"probes"}),
}
TIGHTENING_FLAGS: Mapping[str, frozenset[str]] = {
    "code-security": frozenset({"pylint", "ignore-nosec"}),
    "dependencies": frozenset({"safety"}),
    "model-security": frozenset({"builtin-probes"}),
}
_MISSING = object()


@dataclass(frozen=True)
class PolicyChange:
    """One key the head's config changes: ``applied`` when it only tightens the policy."""

    key: str  # dotted key path, e.g. gates.code-security.fail-on
    base: str  # the base value, as compact JSON ("(unset)" when absent)
    head: str
    applied: bool
    path: tuple[Any, ...] = ()  # the key path, for line numbers in the head file

    def describe(self) -> str:
        """``gates.x.fail-on: high -> critical (not applied before merge)``."""
        verdict = "stricter, applied now" if self.applied else "takes effect only after merge"
        return f"{self.key}: {self.base} -> {self.head} ({verdict})"


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(unset)"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:119] + "…"


def _section(value: Any) -> dict[str, Any]:
    if value is _MISSING or value is None:
        return {}
    if isinstance(value, bool):
        return {"enabled": value}
    return dict(value)


def _enabled_rank(value: Any) -> int:
    return {False: 0, True: 2}.get(value, 1) if isinstance(value, bool) else 1


def stricter(a: Severity, b: Severity) -> Severity:
    """The lower (stricter) of two thresholds."""
    return a if b.at_least(a) else b


def merge_policies(base: Mapping[str, Any], head: Mapping[str, Any],
                   default_fail_on: Callable[[str], Severity]) -> tuple[dict[str, Any], list[PolicyChange]]:
    """The effective document (base plus the head's tightenings) and every change the head makes."""
    effective: dict[str, Any] = copy.deepcopy(dict(base))
    changes: list[PolicyChange] = []

    def note(path: tuple[Any, ...], old: Any, new: Any, applied: bool) -> None:
        key = ".".join(str(p) for p in path)
        changes.append(PolicyChange(key, _show(old), _show(new), applied, path))

    base_top, head_top = base.get("fail-on"), head.get("fail-on")
    gates_base = dict(base.get("gates") or {})
    gates_head = dict(head.get("gates") or {})
    gates_out: dict[str, Any] = {}
    for name in dict.fromkeys([*gates_base, *gates_head]):
        b, h = _section(gates_base.get(name, _MISSING)), _section(gates_head.get(name, _MISSING))
        out = dict(b)
        in_force = Severity(b.get("fail-on") or base_top or default_fail_on(name).value)
        for key in dict.fromkeys([*b, *h]):
            old, new = b.get(key, _MISSING), h.get(key, _MISSING)
            if old == new:
                continue
            path = ("gates", name, key)
            tighter = _tightens(name, key, old, new, in_force)
            if tighter and new is _MISSING:
                out.pop(key, None)
            elif tighter:
                out[key] = new
            note(path, old, new, tighter)
        gates_out[name] = out
    if gates_out:
        effective["gates"] = gates_out
    _merge_top_fail_on(effective, base_top, head_top, gates_out, default_fail_on, note)
    _merge_waivers(effective, base, head, note)
    for key in dict.fromkeys([*base, *head]):
        if key in ("gates", "fail-on", "waivers"):
            continue
        old, new = base.get(key, _MISSING), head.get(key, _MISSING)
        if old != new:
            note((key,), old, new, False)
    return effective, changes


def _tightens(gate: str, key: str, old: Any, new: Any, in_force: Severity) -> bool:
    """Whether changing option ``key`` of ``gate`` from ``old`` to ``new`` only adds checks."""
    if key == "enabled":
        return _enabled_rank(None if new is _MISSING else new) > _enabled_rank(None if old is _MISSING else old)
    if key == "fail-on":
        return new is not _MISSING and Severity(new) != in_force and stricter(Severity(new), in_force) == Severity(new)
    if key in ADDITIVE_LISTS.get(gate, ()):
        return isinstance(old, list) and isinstance(new, list) and set(map(_show, old)) <= set(map(_show, new))
    if key in TIGHTENING_FLAGS.get(gate, ()):
        return new is True
    return False


def _merge_top_fail_on(effective: dict[str, Any], base_top: Any, head_top: Any, gates_out: Mapping[str, Any],
                       default_fail_on: Callable[[str], Severity],
                       note: Callable[[tuple[Any, ...], Any, Any, bool], None]) -> None:
    """A top-level fail-on applies when it is at least as strict as every gate's threshold in force."""
    if base_top == head_top:
        return
    old = _MISSING if base_top is None else base_top
    new = _MISSING if head_top is None else head_top
    tighter = False
    if new is not _MISSING:
        wanted = Severity(new)
        from gates.plugins.registry import gate_names

        in_force = [Severity(_section(gates_out.get(n, _MISSING)).get("fail-on") or base_top
                             or default_fail_on(n).value) for n in gate_names()]
        tighter = all(stricter(wanted, s) == wanted for s in in_force) and any(s != wanted for s in in_force)
        if tighter:
            effective["fail-on"] = new
    note(("fail-on",), old, new, tighter)


def _merge_waivers(effective: dict[str, Any], base: Mapping[str, Any], head: Mapping[str, Any],
                   note: Callable[[tuple[Any, ...], Any, Any, bool], None]) -> None:
    """Waivers in force: those both sides have. Removing one applies; adding or editing one waits for merge."""
    old = list(base.get("waivers") or [])
    new = list(head.get("waivers") or [])
    if old == new:
        return
    kept = [w for w in old if w in new]
    if kept or "waivers" in base:
        effective["waivers"] = kept
    for index, waiver in enumerate(new):
        if waiver not in old:
            note(("waivers", index), _MISSING, waiver, False)
    for waiver in old:
        if waiver not in new:
            note(("waivers",), waiver, _MISSING, True)
