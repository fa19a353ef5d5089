"""Gate ``dependencies``: No dependency with a known vulnerability (pip-audit, safety)."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class DependenciesGate(UnavailableGate):
    """No dependency with a known vulnerability (pip-audit, safety)."""

    name = "dependencies"
    title = "Dependency vulnerabilities"
    tool = "pip-audit"
