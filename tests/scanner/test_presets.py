"""Allow-list presets over pickles made by the real libraries; wildcards never admit gadgets."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from gates.model import Severity
from gates.scanner import ScanPolicy, scan_paths
from gates.scanner.presets import PRESETS, describe, is_gadget
from tests.scanner.conftest import worst
from tests.scanner.malicious import STOP, proto, sg, u

GADGETS = [
    ("sklearn.utils._testing", "assert_run_python_script_without_output"),
    ("sklearn.utils._testing", "TempMemmap"),
    ("sklearn.datasets._base", "load_files"),
    ("sklearn.utils.estimator_checks", "check_estimator"),
    ("pandas.io.parsers.readers", "read_csv"),
    ("pandas.core.computation.eval", "eval"),
    ("torch.fx.graph_module", "reduce_graph_module"),
    ("xgboost.testing", "make_categorical"),
    ("lightgbm.basic", "_load_pandas_categorical"),
]
SCHEMA = Path(__file__).resolve().parents[2] / "gates" / "config" / "schema" / "gates" / "model-integrity.json"


def _call(module: str, name: str) -> bytes:
    return proto(4) + sg(module, name) + u("import os") + b"\x85R" + STOP


@pytest.mark.parametrize("module,name", GADGETS)
def test_wildcards_never_admit_gadgets(scan_bytes, module: str, name: str) -> None:  # type: ignore[no-untyped-def]
    top = module.split(".")[0]
    policy = ScanPolicy(extra_allowed=frozenset({f"{top}.**", f"{module}.*"}))
    report = scan_bytes(_call(module, name), policy=policy)
    assert worst(report) is not None and worst(report).at_least(Severity.HIGH), (module, name)
    assert is_gadget(f"{module}.{name}")


def test_exact_entry_still_admits_a_named_class(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    policy = ScanPolicy(extra_allowed=frozenset({"sklearn.utils._testing.TempMemmap"}))
    assert scan_bytes(_call("sklearn.utils._testing", "TempMemmap"), policy=policy).findings == ()


def test_presets_hold_no_gadget_and_are_documented() -> None:
    assert set(PRESETS) == {"numpy", "pandas", "sklearn", "torch", "xgboost", "lightgbm"}
    for name, names in PRESETS.items():
        assert names and not [n for n in names if is_gadget(n)], name
        assert all("*" not in n for n in names), name
    assert set(describe()) == set(PRESETS)
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["properties"]["allow-presets"]["items"]["enum"]) == set(PRESETS)


def test_unknown_preset_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown allow-list preset"):
        ScanPolicy(presets=frozenset({"tensorflow"}))


def _estimators():  # type: ignore[no-untyped-def]
    sklearn = pytest.importorskip("sklearn")
    np = pytest.importorskip("numpy")
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), np.array([0, 1] * 20)
    fitted = [LogisticRegression().fit(x, y), RandomForestClassifier(n_estimators=3).fit(x, y),
              GradientBoostingClassifier(n_estimators=3).fit(x, y),
              HistGradientBoostingClassifier(max_iter=3).fit(x, y),
              DecisionTreeClassifier().fit(x, y), SVC().fit(x, y), KNeighborsClassifier().fit(x, y),
              Ridge().fit(x, y), Pipeline([("s", StandardScaler()), ("m", LogisticRegression())]).fit(x, y),
              TfidfVectorizer().fit(["alpha beta", "beta gamma delta"]),
              ColumnTransformer([("o", OneHotEncoder(), [0])]).fit(np.array([["a"], ["b"]], dtype=object))]
    assert sklearn
    return fitted


def test_sklearn_preset_passes_real_estimators_that_fail_without_it(tmp_path: Path) -> None:
    joblib = pytest.importorskip("joblib")
    models = _estimators()
    for i, model in enumerate(models):
        joblib.dump(model, tmp_path / f"m{i}.joblib")
        (tmp_path / f"m{i}.pkl").write_bytes(pickle.dumps(model))
    bare = scan_paths([tmp_path], root=tmp_path)
    assert {f.rule_id for f in bare.findings} == {"PICKLE-UNKNOWN-GLOBAL"}
    with_preset = scan_paths([tmp_path], root=tmp_path, policy=ScanPolicy(presets=frozenset({"sklearn", "numpy"})))
    assert [f.message for f in with_preset.findings] == []


def test_pandas_preset_passes_real_frames(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": pd.Categorical(["u", "v"]),
                          "t": pd.date_range("2020", periods=2, tz="UTC")})
    (tmp_path / "frame.pkl").write_bytes(pickle.dumps({"frame": frame, "series": frame["a"]}))
    assert scan_paths([tmp_path], root=tmp_path).findings
    report = scan_paths([tmp_path], root=tmp_path, policy=ScanPolicy(presets=frozenset({"pandas", "numpy"})))
    assert [f.message for f in report.findings] == []


def test_torch_preset_passes_a_whole_pickled_module(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.LayerNorm(4))
    torch.save({"model": model, "opt": torch.optim.AdamW(model.parameters()).state_dict()}, tmp_path / "full.pt")
    report = scan_paths([tmp_path], root=tmp_path, policy=ScanPolicy(presets=frozenset({"torch"})))
    assert [f.message for f in report.findings] == []
