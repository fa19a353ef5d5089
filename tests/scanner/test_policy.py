"""The allow-list policy: safe, dangerous and unknown globals, and the project's additions."""

from __future__ import annotations

import pytest

from gates.model import Severity
from gates.scanner import ScanPolicy, Verdict, classify
from tests.scanner.conftest import worst
from tests.scanner.malicious import STOP, sg


@pytest.mark.parametrize("module,name", [
    ("torch._utils", "_rebuild_tensor_v2"), ("torch", "FloatStorage"), ("collections", "OrderedDict"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"), ("numpy", "dtype"),
    ("__builtin__", "set"), ("copy_reg", "_reconstructor"), ("_codecs", "encode"),
    ("torch.nn.modules.linear", "Linear"), ("torch.nn.functional", "relu"),
])
def test_safe_globals(module: str, name: str) -> None:
    assert classify(module, name, ScanPolicy()).verdict is Verdict.SAFE


@pytest.mark.parametrize("module,name", [
    ("os", "system"), ("posix", "system"), ("nt", "spawnv"), ("subprocess", "Popen"), ("builtins", "eval"),
    ("__builtin__", "getattr"), ("builtins", "__import__"), ("runpy", "run_module"), ("importlib.util", "x"),
    ("pickle", "loads"), ("_pickle", "Unpickler"), ("socket", "socket"), ("requests", "get"),
    ("shutil", "copyfile"), ("ctypes", "CDLL"), ("types", "CodeType"), ("marshal", "loads"),
    ("operator", "attrgetter"), ("torch", "load"), ("numpy", "load"), ("sys", "modules"),
    ("torch.nn.functional", "importlib"), ("torch.nn.modules.module", "Module.__init__"),
    ("\uff4fs", "system"), ("torch._utils", "_rebuild_tensor_v2.__globals__"),
])
def test_dangerous_globals(module: str, name: str) -> None:
    assert classify(module, name, ScanPolicy()).verdict is Verdict.DANGEROUS


@pytest.mark.parametrize("module,name", [
    ("mypkg.model", "Net"), ("__main__", "Net"), ("torch._utils_", "_rebuild_tensor_v2"),
    ("functools", "partial"), ("torch.nn.modules._functions", "SyncBatchNorm"), ("collections", "OrderedDict.fromkeys"),
])
def test_unknown_globals(module: str, name: str) -> None:
    assert classify(module, name, ScanPolicy()).verdict is Verdict.UNKNOWN


def test_extra_allowed_exact_and_wildcard() -> None:
    policy = ScanPolicy(extra_allowed=frozenset({"mypkg.model.Net", "other.*"}))
    assert classify("mypkg.model", "Net", policy).verdict is Verdict.SAFE
    assert classify("mypkg.model", "Other", policy).verdict is Verdict.UNKNOWN
    assert classify("other", "Anything", policy).verdict is Verdict.SAFE
    assert classify("other.sub", "Anything", policy).verdict is Verdict.UNKNOWN  # not submodules
    package = ScanPolicy(extra_allowed=frozenset({"sklearn.**"}))
    assert classify("sklearn.linear_model._logistic", "LogisticRegression", package).verdict is Verdict.SAFE
    assert classify("sklearnx", "Thing", package).verdict is Verdict.UNKNOWN


def test_the_allow_list_cannot_make_dangerous_safe() -> None:
    policy = ScanPolicy(extra_allowed=frozenset({"os.system", "subprocess.*"}))
    assert classify("os", "system", policy).verdict is Verdict.DANGEROUS
    assert classify("subprocess", "run", policy).verdict is Verdict.DANGEROUS


def test_unknown_severity_is_configurable(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = b"\x80\x04" + sg("mypkg.layers", "Custom") + b")R" + STOP
    assert worst(scan_bytes(data)) is Severity.HIGH
    assert worst(scan_bytes(data, policy=ScanPolicy(unknown_global_severity=Severity.MEDIUM))) is Severity.MEDIUM
    assert scan_bytes(data, policy=ScanPolicy(extra_allowed=frozenset({"mypkg.layers.*"}))).findings == ()


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        ScanPolicy().extra_allowed = frozenset()  # type: ignore[misc]
