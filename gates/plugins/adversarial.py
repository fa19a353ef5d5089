"""Gate ``adversarial``: Attack success rate under policy (NVIDIA garak)."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class AdversarialGate(UnavailableGate):
    """Attack success rate under policy (NVIDIA garak)."""

    name = "adversarial"
    title = "Adversarial testing"
    tool = "garak"
