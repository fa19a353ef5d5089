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
    assert {p for p in Phase if p.finished} == {Phase.HEALTHY, Phase.ROLLED_BACK, Phase.ROLLBACK_FAILED,
                                                Phase.INCONCLUSIVE}


def test_a_killed_run_never_makes_its_unverified_version_the_rollback_target(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = StateFile(path, warn=pytest.fail)
    first.begin("v1", "v2")
    first.update(Phase.MONITORING)  # ... and the run is killed here: v2 serves, never verified
    warnings: list[str] = []
    second = StateFile(path, warn=warnings.append).begin("v2", "v3")
    assert second.previous_version == "v1" and second.in_service_version == "v2"
    assert any("v2, was never verified healthy" in w and "v1" in w for w in warnings)
    healthy = StateFile(path, warn=warnings.append)
    healthy.resume(second)
    healthy.update(Phase.HEALTHY)
    assert StateFile(path, warn=pytest.fail).begin("v3", "v4").previous_version == "v3"


def test_a_schema_1_file_still_names_its_known_good_version(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    old = {"schema": 1, "previous_version": "v0", "deployed_version": "v1", "phase": "healthy",
           "started_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:01+00:00"}
    path.write_text(json.dumps(old))
    assert StateFile(path, warn=pytest.fail).begin("v1", "v2").previous_version == "v1"


def test_a_failed_write_after_the_start_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    warnings: list[str] = []
    state = StateFile(path, warn=warnings.append)
    state.begin("v1", "v2")
    path.parent.rename(tmp_path / "moved")
    path.parent.write_text("a file where the directory was")  # every later write fails (even as root)
    state.update(Phase.ROLLING_BACK)
    state.update(Phase.ROLLED_BACK)
    assert state.unsaved and len(warnings) == 1 and "never skipped" in warnings[0]
    assert state.state is not None and state.state.phase is Phase.ROLLED_BACK
