"""The state file: atomic JSON, unreadable files are configuration errors, unfinished ones kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.deploy.state import Phase, StateFile, load
from gates.errors import ConfigError


def test_begin_records_before_anything_and_updates_in_place(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.json"
    state = StateFile(path, warn=pytest.fail)
    state.begin("v1", "v2", run_id="42")
    assert json.loads(path.read_text())["phase"] == "recorded"
    state.update(Phase.MONITORING, deployed_version="v2-confirmed")
    loaded = load(path)
    assert loaded is not None and loaded.phase is Phase.MONITORING and loaded.deployed_version == "v2-confirmed"
    assert loaded.previous_version == "v1" and loaded.run_id == "42"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary file left behind


def test_a_finished_state_is_replaced_silently(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = StateFile(path, warn=pytest.fail)
    first.begin("v1", "v2")
    first.update(Phase.HEALTHY)
    StateFile(path, warn=pytest.fail).begin("v2", "v3")
    assert load(path).previous_version == "v2"  # type: ignore[union-attr]


@pytest.mark.parametrize("content", ["{not json", '{"schema": 9}', '{"schema": 1, "phase": "monitoring"}', "[]"])
def test_unreadable_state_file_is_a_configuration_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="state.json"):
        load(path)


def test_only_final_phases_count_as_finished() -> None:
    assert {p for p in Phase if p.finished} == {Phase.HEALTHY, Phase.ROLLED_BACK, Phase.ROLLBACK_FAILED}
