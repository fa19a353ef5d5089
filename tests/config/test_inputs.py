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
