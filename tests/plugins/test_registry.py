"""The registry holds exactly the eight gates, each complete; every gate fails closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.config.schema import REFERENCE, SCHEMA_DIR, SHIPPED, render, render_reference
from gates.config.settings import GitHubEnv
from gates.model import Checked, Errored, Skipped
from gates.plugins.base import Gate, GateContext
from gates.plugins.registry import GATES, GateName, gate_names

CONTRACT_NAMES = ["code-security", "dependencies", "data-integrity", "model-security", "model-integrity",
                  "adversarial", "performance", "approval"]


def test_exactly_the_contract_gates_in_order() -> None:
    assert gate_names() == CONTRACT_NAMES


@pytest.mark.parametrize("member", list(GateName))
def test_every_member_is_registered_and_complete(member: GateName) -> None:
    cls = GATES[member]
    assert issubclass(cls, Gate)
    assert cls.name == member.value
    assert cls.title and cls.tool and (cls.__doc__ or "").strip()
    fragment = json.loads((SCHEMA_DIR / "gates" / f"{member.value}.json").read_text())
    for key, prop in fragment.get("properties", {}).items():
        assert key == key.lower() and "_" not in key, f"{member.value}.{key}: use kebab-case"
        assert prop.get("description"), f"{member.value}.{key} has no description"


def test_shipped_schema_and_reference_are_up_to_date() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == render(), "run: python -m gates.config.schema --write"
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), "run: python -m gates.config.schema --write"


@pytest.mark.parametrize("member", list(GateName))
def test_gate_on_an_empty_workspace_never_passes(member: GateName, tmp_path: Path) -> None:
    """Conformance: with nothing to check a gate skips, errors or fails, but never passes."""
    ctx = GateContext(name=member.value, workspace=tmp_path, options={}, report_dir=tmp_path / "report",
                      work_dir=tmp_path / "work", github=GitHubEnv())
    (tmp_path / "work").mkdir()
    try:
        outcome = GATES[member]().run(ctx)
    except Exception as exc:  # noqa: BLE001 - a typed error is fine: the runner makes it 'error'
        from gates.errors import GatesError

        assert isinstance(exc, GatesError), f"{member.value} raised {type(exc).__name__}: {exc}"
        return
    assert isinstance(outcome, (Checked, Skipped, Errored))
    if isinstance(outcome, Checked):
        assert outcome.checked == 0 or outcome.findings, f"{member.value} passed an empty workspace"
