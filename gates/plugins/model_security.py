"""Gate ``model-security``: The model resists prompt injection and leaks no secret."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class ModelSecurityGate(UnavailableGate):
    """The model resists prompt injection and leaks no secret."""

    name = "model-security"
    title = "Model security tests"
    tool = "model-security"
