"""Keras 3 (PyTorch backend) saves real ``.keras`` and legacy ``.h5`` models; the scanner reads
their configs as Keras does: plain layers pass, a Lambda layer is critical in both formats."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gates.model import Severity
from gates.scanner import Format, scan_paths
from tests.scanner.conftest import worst

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _model(with_lambda: bool):  # type: ignore[no-untyped-def]
    layers = [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dropout(0.1),
              keras.layers.BatchNormalization(), keras.layers.Dense(1)]
    if with_lambda:
        layers.append(keras.layers.Lambda(lambda x: x * 2))
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


@pytest.mark.slow  # Keras and its backend take a while to import
@pytest.mark.parametrize("suffix,fmt", [(".keras", Format.KERAS), (".h5", Format.HDF5)])
def test_real_keras_models(tmp_path: Path, suffix: str, fmt: Format) -> None:
    _model(False).save(tmp_path / f"ok{suffix}")
    report = scan_paths([tmp_path / f"ok{suffix}"], root=tmp_path)
    assert report.files[0].format is fmt
    assert [f.message for f in report.findings] == []
    _model(True).save(tmp_path / f"lambda{suffix}")
    bad = scan_paths([tmp_path / f"lambda{suffix}"], root=tmp_path)
    assert worst(bad) is Severity.CRITICAL and "KERAS-LAMBDA" in {f.rule_id for f in bad.findings}
