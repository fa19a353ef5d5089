"""Curated allow-list presets for common stacks, and the gadgets no wildcard may admit.

A preset is a list of exact ``module.qualname`` class (and rebuild-function) names that the
library's own pickles reference: estimators and their fitted internals, frames and their
blocks, tensors' modules. Presets never use wildcards, so they cannot admit a helper that
happens to live beside a safe class. The lists are in ``presets.json`` beside this module,
generated from the libraries' public class lists and from pickling real objects (see
``tests/scanner/test_presets.py``), then reviewed: no function that reads or writes files,
runs code, downloads or evaluates expressions is in any of them.

:func:`is_gadget` is the deny list that wins over ``module.*`` and ``package.**`` entries:
names inside testing/utility modules (``_testing``, ``tests``, ``estimator_checks``,
``datasets``, ``io`` ...) and functions whose name says they run, load, save, fetch or
evaluate something (lower-case names only: classes are CamelCase). A name the deny list
matches passes only when listed exactly.

    secure-ai-gates scan-model --allow-preset sklearn --allow-preset pandas model.joblib
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).with_name("presets.json")

GADGET_COMPONENTS = frozenset({
    "_testing", "testing", "tests", "test", "conftest", "_pytest", "pytest", "estimator_checks",
    "_show_versions", "datasets", "externals", "io", "computation", "benchmark", "benchmarks",
    "fx", "hub", "cli", "__main__", "parallel", "distributed", "scripts", "tools", "_config",
    "config", "plotting", "callback", "dask", "spark", "_doctest",
})
_GADGET_NAME = re.compile(
    r"^_*(assert|run|exec|eval|spawn|system|popen|shell|subprocess|call|fetch|download|load|read|"
    r"save|dump|write|open|import|compile|get_file|urlopen|query|delete|remove|unlink|rmtree|"
    r"from_file|fromfile|tofile|to_csv|to_pickle|to_json|to_parquet|to_sql|to_hdf|to_excel|"
    r"make_dirs|mkdir|install|register|setattr|getattr|set_config|config_context)")


def is_gadget(full: str) -> bool:
    """True for a name a wildcard must not admit (``module.qualname`` after mapping)."""
    parts = full.split(".")
    if any(part in GADGET_COMPONENTS for part in parts):
        return True
    return any(_GADGET_NAME.match(part) for part in parts[1:])  # lower-case: functions and modules


@lru_cache(maxsize=1)
def _load() -> Mapping[str, frozenset[str]]:
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    return {name: frozenset(entry["names"]) for name, entry in raw.items()}


class _Presets(Mapping[str, frozenset[str]]):
    """Preset name -> exact names, read from ``presets.json`` on first use."""

    def __getitem__(self, key: str) -> frozenset[str]:
        return _load()[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(_load())

    def __len__(self) -> int:
        return len(_load())


PRESETS: Mapping[str, frozenset[str]] = _Presets()


def describe() -> dict[str, str]:
    """Preset name -> one-line description, for ``--help`` and the README."""
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    return {name: entry["description"] for name, entry in raw.items()}
