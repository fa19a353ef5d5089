"""The registry holds exactly the contract's gates, each complete; every gate fails closed.

Everything is parametrised over :data:`gates.plugins.registry.GATES`: a new gate gets these
conformance tests without editing this file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.config.schema import REFERENCE, SCHEMA_DIR, SHIPPED, render, render_reference
from gates.config.settings import GitHubEnv
from gates.model import Checked, Errored, Skipped
from gates.plugins.base import Gate, GateContext
from gates.plugins.registry import GATES, gate_class, gate_names

# The public contract names these (README "Command line"); a gate added later extends the contract.
CONTRACT_NAMES = ["code-security", "dependencies", "data-integrity", "model-security", "model-integrity",
                  "adversarial", "performance", "approval"]


def test_exactly_the_contract_gates_in_order() -> None:
    assert gate_names() == CONTRACT_NAMES


@pytest.mark.parametrize("cls", GATES, ids=lambda c: c.name)
def test_every_gate_is_complete(cls: type[Gate]) -> None:
    assert issubclass(cls, Gate) and gate_class(cls.name) is cls
    assert cls.name == cls.name.lower() and " " not in cls.name
    assert cls.title and cls.tool and (cls.__doc__ or "").strip()
    fragment = json.loads((SCHEMA_DIR / "gates" / f"{cls.name}.json").read_text())
    for key, prop in fragment.get("properties", {}).items():
        assert key == key.lower() and "_" not in key, f"{cls.name}.{key}: use kebab-case"
        assert prop.get("description"), f"{cls.name}.{key} has no description"


def test_names_are_unique_and_every_schema_fragment_belongs_to_a_gate() -> None:
    assert len(set(gate_names())) == len(GATES)
    fragments = sorted(p.stem for p in (SCHEMA_DIR / "gates").glob("*.json"))
    assert fragments == sorted(gate_names())


def test_shipped_schema_and_reference_are_up_to_date() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == render(), "run: python -m gates.config.schema --write"
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), "run: python -m gates.config.schema --write"


@pytest.mark.parametrize("cls", GATES, ids=lambda c: c.name)
def test_gate_on_an_empty_workspace_never_passes(cls: type[Gate], tmp_path: Path) -> None:
    """Conformance: with nothing to check a gate skips, errors or fails, but never passes."""
    ctx = GateContext(name=cls.name, workspace=tmp_path, options={}, report_dir=tmp_path / "report",
                      work_dir=tmp_path / "work", github=GitHubEnv())
    (tmp_path / "work").mkdir()
    try:
        outcome = cls().run(ctx)
    except Exception as exc:  # noqa: BLE001 - a typed error is fine: the runner makes it 'error'
        from gates.errors import GatesError

        assert isinstance(exc, GatesError), f"{cls.name} raised {type(exc).__name__}: {exc}"
        return
    assert isinstance(outcome, (Checked, Skipped, Errored))
    if isinstance(outcome, Checked):
        assert outcome.checked == 0 or outcome.findings, f"{cls.name} passed an empty workspace"
