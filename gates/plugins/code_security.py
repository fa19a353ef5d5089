"""Gate ``code-security``: No new insecure code (bandit, pylint)."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class CodeSecurityGate(UnavailableGate):
    """No new insecure code (bandit, pylint)."""

    name = "code-security"
    title = "Code security"
    tool = "bandit"
