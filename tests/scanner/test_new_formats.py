"""TensorFlow and TFLite (crafted field by field, see ``crafted``), ONNX written by ``onnx``,
HDF5 written by ``h5py``, and the not-scanned outcome of files the scanner cannot judge."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from gates.commands import scan_model
from gates.errors import GateError
from gates.model import Severity
from gates.scanner import Format, ScanPolicy, scan_paths
from tests.scanner import crafted
from tests.scanner.conftest import worst

LAMBDA_JSON = json.dumps({"class_name": "Sequential", "config": {"layers": [
    {"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAAA=", None, None]}}]}})
DENSE_JSON = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2,
     "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
                            "registered_name": None}}, "registered_name": None}]}})


def _rules(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule_id for f in report.findings}


def test_saved_model_code_and_file_ops(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    graph = crafted.graph_def([crafted.node_def("x", "Placeholder"), crafted.node_def("r", "ReadFile")],
                              [("__inference_f", [crafted.node_def("p", "EagerPyFunc")])])
    report = scan_bytes(crafted.saved_model(graph), name="saved_model.pb")
    assert report.files[0].format is Format.TENSORFLOW
    assert _rules(report) == {"TF-CODE-OP", "TF-FILE-OP"} and worst(report) is Severity.CRITICAL


def test_repeated_op_field_last_one_wins(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    node = crafted.field(1, "n") + crafted.field(2, "MatMul") + crafted.field(2, "PyFunc")  # TF reads PyFunc
    report = scan_bytes(crafted.saved_model(crafted.graph_def([node])), name="saved_model.pb")
    assert _rules(report) == {"TF-CODE-OP"}


def test_benign_saved_model_with_its_saver_passes(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    nodes = [crafted.node_def(n, op) for n, op in [("x", "Placeholder"), ("w", "VarHandleOp"), ("m", "MatMul"),
                                                  ("save", "SaveV2"), ("restore", "RestoreV2"),
                                                  ("merge", "MergeV2Checkpoints"), ("shard", "ShardedFilename")]]
    nodes.append(crafted.node_def("p", "PrintV2", {"output_stream": crafted.attr_string(b"stderr")}))
    report = scan_bytes(crafted.saved_model(crafted.graph_def(nodes), DENSE_JSON), name="saved_model.pb")
    assert report.findings == ()


def test_frozen_graph_print_to_file_and_keras_metadata(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    graph = crafted.graph_def([crafted.node_def("p", "PrintV2", {"output_stream": crafted.attr_string(b"file:///x")})])
    assert _rules(scan_bytes(graph, name="frozen.pb")) == {"TF-FILE-OP"}
    report = scan_bytes(crafted.keras_metadata(LAMBDA_JSON), name="keras_metadata.pb")
    assert _rules(report) == {"KERAS-LAMBDA"}
    assert scan_bytes(crafted.keras_metadata(DENSE_JSON), name="keras_metadata.pb").findings == ()


def test_saved_model_keras_object_graph_is_judged(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    graph = crafted.graph_def([crafted.node_def("x", "Placeholder")])
    report = scan_bytes(crafted.saved_model(graph, LAMBDA_JSON), name="saved_model.pb")
    assert worst(report) is Severity.CRITICAL


def test_tflite_flex_and_custom_ops(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    report = scan_bytes(crafted.tflite([(3, None), (32, "TFLite_Detection_PostProcess"), (32, "FlexWriteFile"),
                                        (32, "FlexPyFunc")]), name="m.tflite")
    assert report.files[0].format is Format.TFLITE
    assert _rules(report) == {"TFLITE-CUSTOM-OP", "TF-FILE-OP", "TF-CODE-OP"}
    builtin_only = scan_bytes(crafted.tflite([(3, None), (9, None), (22, None)]), name="m.tflite")
    assert builtin_only.findings == ()


def test_broken_tflite_is_not_scanned(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = crafted.tflite([(32, "FlexReadFile")])
    broken = data[:4] + data[4:8] + b"\xff" * (len(data) - 8)
    assert _rules(scan_bytes(broken, name="m.tflite")) == {"MODEL-NOT-SCANNED"}


def test_real_onnx_model_passes_and_escaping_external_data_is_flagged(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    np = pytest.importorskip("numpy")
    from onnx import helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((2, 2), dtype=np.float32), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 2])], [weight])
    model = helper.make_model(graph)
    onnx.save(model, tmp_path / "m.onnx")
    report = scan_paths([tmp_path / "m.onnx"], root=tmp_path)
    assert report.files[0].format is Format.ONNX and report.findings == ()
    stored = model.graph.initializer[0]
    stored.data_location = onnx.TensorProto.EXTERNAL
    entry = stored.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    stored.ClearField("raw_data")
    onnx.save(model, tmp_path / "evil.onnx")
    assert _rules(scan_paths([tmp_path / "evil.onnx"], root=tmp_path)) == {"ONNX-EXTERNAL-DATA-ESCAPE"}


def test_h5_model_config_read_with_h5py(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    np = pytest.importorskip("numpy")
    for name, config in (("ok.h5", DENSE_JSON), ("lambda.h5", LAMBDA_JSON.replace("Lambda", "\\u004cambda")),
                         ("getfile.h5", json.dumps({"class_name": "function", "module": "keras.utils",
                                                    "config": "get_file", "registered_name": "function"}))):
        with h5py.File(tmp_path / name, "w") as handle:
            handle.attrs["model_config"] = config
            handle.attrs["keras_version"] = "2.15.0"
            handle.create_group("model_weights").create_dataset("k", data=np.zeros((2, 2)))
    report = scan_paths([tmp_path], root=tmp_path)
    by_file = {f.path: f.severity for f in report.findings}
    assert "ok.h5" not in by_file
    assert by_file["lambda.h5"] is Severity.CRITICAL and by_file["getfile.h5"] is Severity.HIGH


@pytest.mark.parametrize("config,rule", [
    ({"module": "os", "class_name": "function", "config": "system", "registered_name": "function"},
     "KERAS-UNSAFE-OBJECT"),
    ({"module": "mypkg.layers", "class_name": "Custom", "config": {}}, "KERAS-UNSAFE-OBJECT"),
    ({"module": "keras.layers", "class_name": "TFSMLayer", "config": {"filepath": "/models/sm"}},
     "KERAS-UNSAFE-OBJECT"),
    ({"module": "keras.layers", "class_name": "StringLookup", "config": {"vocabulary": "/etc/passwd"}},
     "KERAS-FILE-REFERENCE"),
    ({"module": "keras.layers", "class_name": "TextVectorization", "config": {"vocabulary": "https://x.invalid/v"}},
     "KERAS-FILE-REFERENCE"),
])
def test_keras_configs_beyond_lambda(scan_bytes, config: dict[str, object], rule: str) -> None:  # type: ignore[no-untyped-def]
    document = {"class_name": "Functional", "config": {"layers": [config]}}
    from tests.scanner.malicious import zip_bytes

    data = zip_bytes({"config.json": json.dumps(document).encode(), "metadata.json": b"{}"})
    assert rule in _rules(scan_bytes(data, name="m.keras"))


def test_allowed_custom_keras_class(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    from tests.scanner.malicious import zip_bytes

    document = {"class_name": "Functional", "config": {"layers": [{"module": "mypkg.layers", "class_name": "Custom"}]}}
    data = zip_bytes({"config.json": json.dumps(document).encode()})
    policy = ScanPolicy(extra_allowed=frozenset({"mypkg.layers.Custom"}))
    assert scan_bytes(data, name="m.keras", policy=policy).findings == ()


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    scan_model.register(parser.add_subparsers())
    args = parser.parse_args(["scan-model", *argv])
    return int(args.func(args))


def test_not_scanned_blocks_with_exit_3_unless_warned(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    for suffix in (".gguf", ".pb", ".tflite", ".onnx", ".pte"):
        (tmp_path / f"model{suffix}").write_bytes(b"\x00\x01opaque bytes the scanner cannot read")
    (tmp_path / "weights.bin").write_bytes(b"\x00\x01raw weights")
    with pytest.raises(GateError, match="could not judge"):
        _cli([str(tmp_path), "--root", str(tmp_path), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "not-scanned"
    not_scanned = sorted(f["path"] for f in document["findings"] if f["rule_id"] == "MODEL-NOT-SCANNED")
    assert not_scanned == ["model.gguf", "model.onnx", "model.pb", "model.pte", "model.tflite"]
    assert _cli([str(tmp_path), "--not-scanned", "warn"]) == 0


def test_allow_preset_flag(tmp_path: Path) -> None:
    from tests.scanner.malicious import STOP, proto, sg

    path = tmp_path / "m.pkl"
    path.write_bytes(proto(4) + sg("sklearn.linear_model._logistic", "LogisticRegression") + b")\x81" + STOP)
    assert _cli([str(path)]) == 1
    assert _cli([str(path), "--allow-preset", "sklearn"]) == 0
