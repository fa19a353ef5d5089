"""Fix hints: which version to upgrade to, per vulnerability and per package.

An advisory lists every ``fixed`` version of every affected branch (Django: 3.1.13, 3.2.5,
...). The hint for one vulnerability is the smallest fixed version *above the installed one*
(never a downgrade to another branch's fix); the hint for a package is one upgrade that fixes
all of its known vulnerabilities at once, the largest of those per-vulnerability hints, as
``pip-audit --fix`` picks it. A fixed version that is not PEP 440 cannot be compared and is
not offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.version import InvalidVersion, Version


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def fixes_above(installed: str, fixes: Iterable[str]) -> list[str]:
    """The fixed versions above ``installed``, lowest first (all readable ones if it is not PEP 440)."""
    current = _version(installed)
    readable = {text: v for text in set(fixes) if (v := _version(text)) is not None}
    above = [t for t, v in readable.items() if current is None or v > current]
    return sorted(above, key=lambda t: readable[t])


def smallest_fix(installed: str, fixes: Iterable[str]) -> str | None:
    """The smallest fixed version above ``installed``, or None when no advisory lists one."""
    above = fixes_above(installed, fixes)
    return above[0] if above else None


def package_upgrades(hints: Iterable[tuple[str, str, str | None]]) -> Mapping[tuple[str, str], str | None]:
    """One upgrade per ``(package, installed)`` from ``(package, installed, smallest fix)`` hints.

    None when any of the package's vulnerabilities has no fix above the installed version (no
    upgrade fixes them all).
    """
    out: dict[tuple[str, str], str | None] = {}
    for package, installed, fix in hints:
        key = (package, installed)
        if key in out and out[key] is None:
            continue
        if fix is None:
            out[key] = None
            continue
        known = out.get(key)
        fix_v, known_v = _version(fix), _version(known) if known else None
        out[key] = fix if known_v is None or (fix_v is not None and fix_v > known_v) else known
    return out
