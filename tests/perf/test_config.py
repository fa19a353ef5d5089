"""The adversarial and performance option schemas, through the real config loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.config.run_config import load_config
from gates.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "assets" / "perf" / "secure-ai-gates.yml"


def test_documented_example_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert config.gate("performance").options["metrics"][1]["name"] == "latency.p95_ms"
    assert config.gate("adversarial").options["parallel"] == 16


@pytest.mark.parametrize(("old", "new", "key"), [
    ("judge: upper-bound", "judge: maybe", "judge"),
    ("baseline-from: auto", "baseline-from: main", "baseline-from"),
    ("direction: higher", "direction: up", "direction"),
    ("probes: [promptinject.HijackHateHumans,", "probes: [bad probe name,", "probes"),
])
def test_bad_values_name_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    bad = tmp_path / "config.yml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError, match=key):
        load_config(bad)
