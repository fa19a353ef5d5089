"""Every configuration the documentation shows is valid: README, demo, this repository's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gates.config.run_config import load_config

REPO = Path(__file__).resolve().parents[2]


def _readme_configs() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("version: 1")]


def test_readme_shows_a_config() -> None:
    assert _readme_configs()


@pytest.mark.parametrize("index", range(len(_readme_configs())))
def test_readme_config_is_valid(index: int, tmp_path: Path) -> None:
    path = tmp_path / "secure-ai-gates.yml"
    path.write_text(_readme_configs()[index], encoding="utf-8")
    assert load_config(path).gates


@pytest.mark.parametrize("path", [REPO / ".github" / "secure-ai-gates.yml",
                                  REPO / "examples" / "demo-project" / ".github" / "secure-ai-gates.yml"],
                         ids=["repository", "demo"])
def test_shipped_configs_are_valid(path: Path) -> None:
    assert load_config(path).gates
