"""Action inputs: both spellings, empty means unset, strict booleans."""

from __future__ import annotations

import pytest

from gates.config.inputs import ActionInputs
from gates.errors import ConfigError


def test_both_spellings_and_empty_values() -> None:
    inputs = ActionInputs.from_environ({"INPUT_FAIL-ON": "high", "INPUT_REPORT_DIR": "out", "INPUT_GATES": "  ",
                                        "INPUT_UPLOAD-SARIF": "TRUE"})
    assert inputs.fail_on == "high" and inputs.report_dir == "out" and inputs.gates is None
    assert inputs.upload_sarif is True


@pytest.mark.parametrize("value", ["yes", "1", "on", "tru"])
def test_booleans_are_strict(value: str) -> None:
    with pytest.raises(ConfigError, match="upload-sarif: must be true or false"):
        ActionInputs.from_environ({"INPUT_UPLOAD_SARIF": value})


def test_runtime_choices() -> None:
    with pytest.raises(ConfigError, match="runtime"):
        ActionInputs.from_environ({"INPUT_RUNTIME": "podman"})


def test_flags_win_over_inputs_and_unset_flags_leave_them() -> None:
    import argparse

    inputs = ActionInputs.from_environ({"INPUT_FAIL-ON": "high", "INPUT_REPORT_DIR": "out", "INPUT_GATES": "approval",
                                        "INPUT_UPDATE-BASELINE": "false"})
    flags = argparse.Namespace(fail_on="low", report_dir=None, gates="", update_baseline=True, unrelated="x")
    given = inputs.with_flags(flags)
    assert (given.fail_on, given.report_dir, given.gates, given.update_baseline) == ("low", "out", "approval", True)
    assert inputs.fail_on == "high"  # the inputs themselves are unchanged (frozen)
