"""Real benign artefacts made by the real libraries must pass with no finding at all."""

from __future__ import annotations

import collections
import datetime
import pickle
from pathlib import Path

import pytest

from gates.scanner import Format, scan_paths
from tests.support.page_cache import disk_read_bytes, evict

np = pytest.importorskip("numpy")


def _clean(path: Path, expected: Format) -> None:
    report = scan_paths([path], root=path.parent)
    assert [f.message for f in report.findings] == []
    assert report.files[0].format is expected


def test_numpy_arrays(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.arange(10.0))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, [1, 2], "x", None], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "z.npz", a=np.arange(3), b=np.ones((2, 2)))
    np.savez_compressed(tmp_path / "zc.npz", a=np.arange(3), o=np.array([1, "x"], dtype=object))
    _clean(tmp_path / "a.npy", Format.NUMPY)
    _clean(tmp_path / "obj.npy", Format.NUMPY)
    _clean(tmp_path / "z.npz", Format.NUMPY_ZIP)
    _clean(tmp_path / "zc.npz", Format.NUMPY_ZIP)
    report = scan_paths([tmp_path / "obj.npy"], root=tmp_path)
    assert report.files[0].pickles == 1
    members = scan_paths([tmp_path / "zc.npz"], root=tmp_path).files[0].members
    assert "a.npy: npy (header only)" in members and "o.npy: npy" in members  # only the object array inflated


@pytest.mark.parametrize("protocol", range(6))
def test_plain_pickles_of_containers_and_arrays(tmp_path: Path, protocol: int) -> None:
    value = {"arr": np.arange(4.0), "s": {1, 2}, "fs": frozenset([1]), "b": b"xy", "ba": bytearray(b"z"),
             "c": 1j, "sl": slice(1, 2), "r": range(3), "od": collections.OrderedDict(a=1),
             "when": datetime.datetime(2020, 1, 1), "rng": np.random.default_rng(0), "f": np.float32(1.5)}
    path = tmp_path / "value.pkl"
    path.write_bytes(pickle.dumps(value, protocol=protocol))
    _clean(path, Format.PICKLE)


@pytest.mark.parametrize("compress", [0, 3, ("gzip", 3), ("bz2", 1), ("xz", 1), ("lzma", 1)])
def test_joblib_dumps(tmp_path: Path, compress: object) -> None:
    joblib = pytest.importorskip("joblib")
    rec = np.zeros(3, dtype=[("x", "<f4"), ("y", "<i8"), ("s", "U5")])
    estimator = {"coef_": np.random.rand(5, 3), "intercept_": np.zeros(3, dtype=np.float32),
                 "classes_": np.array(["a", "b", "c"]), "obj": np.array([None, {"k": 1}], dtype=object),
                 "rec": rec, "params": {"C": 1.0, "penalty": "l2"}, "big": np.arange(50_000, dtype=np.int64),
                 "mask": np.array([True, False]), "dates": np.array(["2020-01-01"], dtype="datetime64[D]"),
                 "half": np.ones(7, dtype=np.float16), "complex": np.ones(3, dtype=np.complex128),
                 "random_state": np.random.RandomState(0), "empty": np.zeros((0, 3)),
                 "fortran": np.asfortranarray(np.ones((3, 4)))}
    path = tmp_path / "model.joblib"
    joblib.dump(estimator, path, compress=compress)
    report = scan_paths([path], root=tmp_path)
    assert [f.message for f in report.findings] == []
    assert "joblib.numpy_pickle.NumpyArrayWrapper" in report.files[0].globals or compress != 0


def test_safetensors(tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.numpy")
    st.save_file({"w": np.zeros((3, 4), dtype=np.float32), "b": np.ones(2, dtype=np.int8),
                  "empty": np.zeros((0,), dtype=np.float64)}, str(tmp_path / "m.safetensors"),
                 metadata={"format": "np"})
    _clean(tmp_path / "m.safetensors", Format.SAFETENSORS)


@pytest.fixture(scope="module")
def torch():  # type: ignore[no-untyped-def]
    return pytest.importorskip("torch")


def _module(torch):  # type: ignore[no-untyped-def]
    nn = torch.nn
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Conv2d(1, 2, 3), nn.LayerNorm(4),
                         nn.Embedding(5, 3), nn.LSTM(3, 3), nn.Dropout(0.1), nn.MultiheadAttention(4, 2),
                         nn.TransformerEncoderLayer(4, 2), nn.GELU(), nn.Flatten())


@pytest.mark.parametrize("zipfile_format", [True, False])
def test_torch_checkpoints(tmp_path: Path, torch, zipfile_format: bool) -> None:  # type: ignore[no-untyped-def]
    model = _module(torch)
    optimizer = torch.optim.Adam(model.parameters())
    expected = Format.PYTORCH_ZIP if zipfile_format else Format.PYTORCH_LEGACY
    artefacts = {
        "state_dict.pt": model.state_dict(),
        "module.pt": model,
        "objects.pt": {"optimizer": optimizer, "scheduler": torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, 10)},
        "checkpoint.pt": {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3,
                          "dtype": torch.float16, "device": torch.device("cpu"), "size": torch.Size([2]),
                          "bf16": torch.ones(2, dtype=torch.bfloat16), "bool": torch.tensor([True])},
    }
    for name, value in artefacts.items():
        torch.save(value, tmp_path / name, _use_new_zipfile_serialization=zipfile_format)
        _clean(tmp_path / name, expected)


def test_tensor_pickled_with_plain_pickle(tmp_path: Path, torch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tensor.pkl"
    path.write_bytes(pickle.dumps(torch.arange(6.0), protocol=4))
    report = scan_paths([path], root=tmp_path)
    assert report.findings == ()
    assert any("[bytes at" in m for m in report.files[0].members)  # the nested checkpoint was scanned


def test_torch_checkpoint_storages_are_not_read(tmp_path: Path, torch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.pt"
    torch.save({f"w{i}": torch.zeros(256, 256) for i in range(4)}, path)
    report = scan_paths([path], root=tmp_path)
    assert report.findings == ()
    assert any("4 tensor storages, not read" in m for m in report.files[0].members)


@pytest.mark.filterwarnings("ignore:`torch.jit.s:DeprecationWarning")
def test_torchscript_archive_is_reported_once_as_code(tmp_path: Path, torch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())), str(path))
    report = scan_paths([path], root=tmp_path)
    assert [(f.rule_id, f.severity.value) for f in report.findings] == [("TORCHSCRIPT-CODE", "medium")]
    assert report.files[0].format is Format.TORCHSCRIPT


@pytest.mark.parametrize("text", [
    "cat\ndog\nmouse\n",  # a vocabulary: parses as GLOBAL at.dog, then fails: never called
    "class Net(Module):\n  __parameters__ = []\n  def forward(self):\n",
    "config\nname\n(", "README\n", "]\n", "(lp0\n",
])
def test_text_files_are_not_pickles(tmp_path: Path, text: str) -> None:
    path = tmp_path / "vocab.txt"
    path.write_text(text)
    report = scan_paths([path], root=tmp_path)
    assert report.findings == () and report.files[0].format is Format.UNKNOWN


def test_model_directory_with_side_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"architectures": ["Bert"], "hidden_size": 8}')
    (tmp_path / "tokenizer.json").write_text('{"model": {"vocab": {"cat": 0}}}')
    (tmp_path / "merges.txt").write_text("c a\nca t\n")
    (tmp_path / "weights.bin").write_bytes(np.arange(64, dtype=np.float32).tobytes())  # raw ONNX external data
    report = scan_paths([tmp_path], root=tmp_path)
    assert report.files_scanned == 4
    assert all(f.severity.value == "info" for f in report.findings)


def test_checkpoint_scan_reads_almost_nothing_from_disk(tmp_path: Path, torch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cold.pt"
    torch.save({f"w{i}": torch.rand(2 << 20) for i in range(4)}, path)  # 32 MB of weights
    evict(path)
    before = disk_read_bytes()
    path.read_bytes()
    after = disk_read_bytes()
    if before is None or after is None or after - before < path.stat().st_size // 2:
        pytest.skip("this file system does not account reads per process (/proc/self/io)")
    evict(path)
    before = disk_read_bytes()
    report = scan_paths([path], root=tmp_path)
    read = disk_read_bytes() - before  # type: ignore[operator]
    assert report.findings == ()
    assert read < 1 << 20, f"scan read {read} bytes of a {path.stat().st_size}-byte checkpoint"
