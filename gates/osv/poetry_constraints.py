"""Poetry's own dependency tables as PEP 440 requirements, for comparing a ``poetry.lock`` with them.

Projects written for Poetry 1 declare dependencies in ``[tool.poetry.dependencies]`` (and
``[tool.poetry.dev-dependencies]`` / ``[tool.poetry.group.<name>.dependencies]``) with Poetry's
constraint syntax. Each becomes the equivalent PEP 440 specifier, as Poetry documents it:
``^1.2.3`` is ``>=1.2.3,<2.0.0`` (the first non-zero part is kept, so ``^0.2`` is
``>=0.2,<0.3``), ``~1.2.3`` is ``>=1.2.3,<1.3``, a bare ``1.2`` is ``==1.2``, ``1.2.*`` and
``>=1,<2`` are PEP 440 already, ``*`` is any version. A constraint that cannot be expressed as
one specifier (``||`` alternatives, a list of per-marker constraints) and VCS, path and URL
dependencies are left out: they are not compared. An ``optional`` dependency or one with
``markers`` / ``python`` restrictions is treated as carrying a marker (it may be absent from the lock).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>)\s*(\S+)$")
_NOT_RELEASED = ("git", "path", "url", "file")


def _upper(release: tuple[int, ...], caret: bool) -> str:
    if caret:
        index = next((i for i, part in enumerate(release) if part), len(release) - 1)
    else:
        index = 0 if len(release) == 1 else 1
    return ".".join(str(p) for p in (*release[:index], release[index] + 1))


def to_specifier(constraint: str) -> str | None:
    """The PEP 440 specifier of a Poetry constraint; None when it has no single equivalent."""
    if "||" in constraint or "|" in constraint:
        return None
    out = []
    for part in (p.strip() for p in constraint.split(",")):
        if part in ("", "*"):
            continue
        operator = _OPERATOR.match(part)
        if operator:
            out.append(f"{operator.group(1)}{operator.group(2)}")
            continue
        kind, text = (part[0], part[1:].strip()) if part[0] in "^~" else ("", part)
        if kind == "" and text.endswith(".*"):
            out.append(f"=={text}")
            continue
        try:
            version = Version(text)
        except InvalidVersion:
            return None
        if kind == "":
            out.append(f"=={text}")
        else:
            out += [f">={text}", f"<{_upper(version.release, caret=kind == '^')}"]
    return ",".join(out)


def poetry_requirements(data: Mapping[str, Any]) -> list[tuple[Requirement, bool]]:
    """``(requirement, may be absent from the lock)`` for each comparable dependency of Poetry's tables."""
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    tables += [(group or {}).get("dependencies") or {} for group in (poetry.get("group") or {}).values()]
    out = []
    for table in tables:
        for name, value in table.items():
            if name == "python" or not isinstance(value, (str, dict)):
                continue
            limited = isinstance(value, dict) and bool(value.get("optional") or value.get("markers")
                                                       or value.get("python") or value.get("platform"))
            if isinstance(value, dict) and any(k in value for k in _NOT_RELEASED):
                continue
            spec = to_specifier(str(value.get("version", "*") if isinstance(value, dict) else value))
            if spec is None:
                continue
            try:
                out.append((Requirement(f"{name}{spec}"), limited))
            except InvalidRequirement:
                continue
    return out
