"""Every trust level is known to the schema, ordered, and satisfied by the stronger ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.manifest import TrustLevel
from gates.manifest.integrity import run_checks
from tests.manifest.support import REPO, context, make_keys, make_models, sign

SCHEMAS = REPO / "gates" / "config" / "schema" / "gates"


@pytest.mark.parametrize("gate", ["data-integrity", "model-integrity"])
def test_schema_lists_exactly_the_trust_levels(gate: str) -> None:
    schema = json.loads((SCHEMAS / f"{gate}.json").read_text(encoding="utf-8"))
    assert schema["properties"]["trust"]["enum"] == [level.value for level in TrustLevel]


def test_levels_are_strictly_ordered() -> None:
    ordered = list(TrustLevel)
    assert [level.rank for level in ordered] == sorted((level.rank for level in ordered), reverse=True)
    assert len({level.rank for level in ordered}) == len(ordered)


@pytest.mark.parametrize("required", list(TrustLevel))
def test_a_signature_satisfies_every_required_level(required: TrustLevel, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    make_models(ws)
    private, public = make_keys(tmp_path)
    sign(ws / "models", tmp_path / "m.sig", private)
    ctx = context(ws, "model-integrity", {"signature": str(tmp_path / "m.sig"), "public-key": str(public),
                                          "trust": required.value})
    results = run_checks(ctx, "MODEL", [], scope_paths=["models"], signed_path="models")
    assert [(r.level, r.findings) for r in results] == [(TrustLevel.SIGNATURE, ())]
