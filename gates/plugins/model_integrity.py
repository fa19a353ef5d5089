"""Gate ``model-integrity``: Model artifacts are the approved ones and carry no code."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class ModelIntegrityGate(UnavailableGate):
    """Model artifacts are the approved ones and carry no code."""

    name = "model-integrity"
    title = "Model integrity"
    tool = "model-scanner"
