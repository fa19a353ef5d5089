"""Gate ``data-integrity``: Training and evaluation data are exactly what was approved."""

from __future__ import annotations

from gates.plugins.base import UnavailableGate


class DataIntegrityGate(UnavailableGate):
    """Training and evaluation data are exactly what was approved."""

    name = "data-integrity"
    title = "Training-data integrity"
    tool = "manifest"
