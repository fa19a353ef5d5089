"""The explicit registry of the gates, in pipeline order.

Adding a gate means: a module in this package, its class in :data:`GATES` and a schema fragment
``gates/config/schema/gates/<name>.json``. The runner, the reporters and the tests derive
everything else from :data:`GATES`; ``tests/plugins/test_registry.py`` checks each registered gate
is complete (name, title, docstring, schema fragment) and fails closed.
"""

from __future__ import annotations

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

GATES: tuple[type[Gate], ...] = (
    CodeSecurityGate,
    DependenciesGate,
    DataIntegrityGate,
    ModelSecurityGate,
    ModelIntegrityGate,
    AdversarialGate,
    PerformanceGate,
    ApprovalGate,
)
"""Every gate, in pipeline order: the one list. Names, lookups and tests are derived from it."""

_BY_NAME: Mapping[str, type[Gate]] = {cls.name: cls for cls in GATES}


def gate_names() -> list[str]:
    """The canonical names in pipeline order."""
    return [cls.name for cls in GATES]


def gate_class(name: str) -> type[Gate]:
    """The gate class registered under ``name`` (``KeyError`` if unknown)."""
    return _BY_NAME[name]
