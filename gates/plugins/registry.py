"""The explicit registry of the eight gates, in pipeline order.

Adding a gate means: a module in this package, a member of :class:`GateName`, an entry in
:data:`GATES` and a schema fragment in ``gates/config/schema/gates/``. The runner and the
reporters never change; ``tests/plugins/test_registry.py`` checks the four stay in step.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from gates.plugins.adversarial import AdversarialGate
from gates.plugins.approval import ApprovalGate
from gates.plugins.base import Gate
from gates.plugins.code_security import CodeSecurityGate
from gates.plugins.data_integrity import DataIntegrityGate
from gates.plugins.dependencies import DependenciesGate
from gates.plugins.model_integrity import ModelIntegrityGate
from gates.plugins.model_security import ModelSecurityGate
from gates.plugins.performance import PerformanceGate


class GateName(str, enum.Enum):
    """The canonical gate names (CONTRACT.md), in pipeline order."""

    CODE_SECURITY = "code-security"
    DEPENDENCIES = "dependencies"
    DATA_INTEGRITY = "data-integrity"
    MODEL_SECURITY = "model-security"
    MODEL_INTEGRITY = "model-integrity"
    ADVERSARIAL = "adversarial"
    PERFORMANCE = "performance"
    APPROVAL = "approval"


GATES: Mapping[GateName, type[Gate]] = {
    GateName.CODE_SECURITY: CodeSecurityGate,
    GateName.DEPENDENCIES: DependenciesGate,
    GateName.DATA_INTEGRITY: DataIntegrityGate,
    GateName.MODEL_SECURITY: ModelSecurityGate,
    GateName.MODEL_INTEGRITY: ModelIntegrityGate,
    GateName.ADVERSARIAL: AdversarialGate,
    GateName.PERFORMANCE: PerformanceGate,
    GateName.APPROVAL: ApprovalGate,
}


def gate_names() -> list[str]:
    """The canonical names in pipeline order."""
    return [name.value for name in GateName]


def gate_class(name: str) -> type[Gate]:
    """The gate class registered under ``name`` (``KeyError`` if unknown)."""
    return GATES[GateName(name)]
