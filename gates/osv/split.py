"""Split pip-audit's alias-merged results back into one result per advisory.

pip-audit collapses any two results for a dependency that share an id or alias, transitively
(``pip_audit/_audit.py``), and keeps only the first result's id. In the PyPA database five pairs
of distinct vulnerabilities share a GHSA alias (accesscontrol's PYSEC-2021-335 / CVE-2021-32807
and PYSEC-2021-370 / CVE-2021-32811, for one), so one merged result carries both CVEs and a
waiver for one of them would hide the other. Here the package's advisories at its version are
asked for again (from the loaded database or the OSV service); each one sharing an id with the
merged result becomes its own result carrying only *its own* id and aliases, and its own fixed
versions. An advisory listed among another's own aliases is the same vulnerability (absorbed).
An id no advisory claims is dropped from the aliases: a waiver can then not match it, which
fails closed. When no advisory can be looked up, pip-audit's result is kept as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from packaging.utils import canonicalize_name

from gates.osv.matcher import affected_entries
from gates.osv.pipaudit import ReportedVuln


def names_package(advisory: Mapping[str, Any], package: str) -> bool:
    """True when ``advisory`` has a PyPI ``affected`` entry for ``package`` (any spelling)."""
    name = canonicalize_name(package)
    return any(a.ecosystem == "PyPI" and a.name == name for a in affected_entries(advisory))


def own_fixes(advisory: Mapping[str, Any], package: str) -> tuple[str, ...]:
    """The ``fixed`` versions ``advisory`` lists for ``package``, as written."""
    name = canonicalize_name(package)
    return tuple(v for a in affected_entries(advisory) if a.ecosystem == "PyPI" and a.name == name
                 for v in a.fixed_versions())


def split(vuln: ReportedVuln, package: str,
          advisories: Sequence[Mapping[str, Any]]) -> list[tuple[str | None, ReportedVuln]]:
    """One ``(advisory id, result)`` per advisory of ``package`` sharing an id with ``vuln``.

    The advisory id is None for pip-audit's own result, kept when no advisory matches.
    """
    wanted = {vuln.id, *vuln.aliases}
    members = [a for a in advisories if names_package(a, package)
               and wanted.intersection({str(a.get("id")), *(str(x) for x in a.get("aliases") or ())})]
    members.sort(key=lambda a: str(a.get("id")) != vuln.id)  # pip-audit's own pick first
    if not members:
        return [(None, vuln)]
    out: list[tuple[str | None, ReportedVuln]] = []
    covered: set[str] = set()
    for advisory in members:
        adv_id = str(advisory["id"])
        if adv_id in covered:
            continue
        own = [adv_id, *(str(a) for a in advisory.get("aliases") or () if str(a) != adv_id)]
        covered.update(own)
        # keep pip-audit's choice of primary id (it ranks PYSEC and CVE ids first) when it is this advisory's own
        primary = vuln.id if vuln.id in own else adv_id
        aliases = tuple(i for i in own if i != primary)
        out.append((adv_id, ReportedVuln(primary, aliases, own_fixes(advisory, package),
                                         str(advisory.get("details") or advisory.get("summary") or vuln.description),
                                         vuln.severity_label)))
    return out
