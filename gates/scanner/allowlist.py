"""The data behind the pickle policy: globals known to be safe, and known-dangerous ones.

Names are ``module.qualname`` after Python 2 names are mapped to Python 3 ones (the
unpickler does the same for protocols 0-2). Three tables:

* ``SAFE_GLOBALS``: exact names that only rebuild tensors, arrays and containers (an exact
  match wins over the deny-lists: ``torch.jit._pickle.build_intlist`` is safe although
  ``torch.jit`` is not).
* families of safe classes (PyTorch's own ``nn.Module``, optimizer and LR-scheduler classes,
  tensor functions of ``torch.nn.functional``), matched by :func:`is_safe_pattern`.
* ``DANGEROUS_MODULES`` (any name inside such a module, or a submodule, is critical),
  ``DANGEROUS_NAMES`` (exact ``module.name`` entries) and ``DANGEROUS_ATTRIBUTES`` (a name
  component that is critical whatever the module: ``eval``, ``system``, ``__globals__`` ...).
"""

from __future__ import annotations

import re

_TORCH_STORAGES = (
    "Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool",
    "ComplexFloat", "ComplexDouble", "QUInt8", "QInt8", "QInt32", "QUInt4x2", "QUInt2x4",
    "Float8_e4m3fn", "Float8_e5m2", "Float8_e4m3fnuz", "Float8_e5m2fnuz", "Untyped",
)
_TORCH_DTYPES = (
    "float32", "float", "float64", "double", "float16", "half", "bfloat16", "complex32",
    "complex64", "complex128", "cfloat", "cdouble", "chalf", "uint8", "int8", "int16", "short",
    "int32", "int", "int64", "long", "bool", "uint16", "uint32", "uint64", "qint8", "quint8",
    "qint32", "quint4x2", "quint2x4", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
    "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits8", "bits16",
    "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn",
    "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
    "per_tensor_affine", "per_channel_affine", "per_tensor_symmetric", "per_channel_symmetric",
    "per_channel_affine_float_qparams",
)
_TORCH_REBUILD = (
    "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter",
    "_rebuild_parameter_with_state", "_rebuild_qtensor", "_rebuild_sparse_tensor",
    "_rebuild_nested_tensor", "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass", "_rebuild_xla_tensor",
    "_rebuild_mtia_tensor", "_rebuild_mps_tensor", "_rebuild_sparse_csr_tensor",
)
_NUMPY_CORES = ("numpy.core.multiarray", "numpy._core.multiarray")

SAFE_GLOBALS: frozenset[str] = frozenset(
    [f"torch.{kind}Storage" for kind in _TORCH_STORAGES]
    + ["torch.storage.UntypedStorage", "torch.storage.TypedStorage"]
    + [f"torch.{name}" for name in _TORCH_DTYPES]
    + [f"torch._utils.{name}" for name in _TORCH_REBUILD]
    + [
        "torch.Size", "torch.device", "torch.Tensor", "torch.nn.parameter.Parameter",
        "torch.nn.parameter.Buffer", "torch.nn.parameter.UninitializedParameter",
        "torch._tensor._rebuild_from_type", "torch._tensor._rebuild_from_type_v2",
        "torch.serialization._get_layout", "torch.nn.utils.rnn.PackedSequence",
        "torch.optim.lr_scheduler.StepLR", "torch.torch_version.TorchVersion",
    ]
    + [f"{core}.{name}" for core in _NUMPY_CORES for name in ("_reconstruct", "scalar")]
    + [f"{mod}.{name}" for mod in ("numpy.core.numeric", "numpy._core.numeric")
       for name in ("_frombuffer",)]
    + [
        "numpy.ndarray", "numpy.dtype", "numpy.ma.core._mareconstruct", "numpy.ma.core.MaskedArray",
        "numpy.random._pickle.__randomstate_ctor", "numpy.random._pickle.__generator_ctor",
        "numpy.random._pickle.__bit_generator_ctor", "numpy.random._pickle.__RandomState_ctor",
        "numpy.random.mtrand.RandomState", "numpy.random._generator.Generator",
        "numpy.random._mt19937.MT19937", "numpy.random._pcg64.PCG64", "numpy.random._pcg64.PCG64DXSM",
        "numpy.random._philox.Philox", "numpy.random._sfc64.SFC64",
        "numpy.random.bit_generator.SeedSequence",
        "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
        "numpy.random.bit_generator.__pyx_unpickle_SeedlessSeedSequence",
    ]
    + [f"numpy.{name}" for name in (
        "float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32",
        "uint16", "uint8", "bool_", "complex64", "complex128", "longdouble", "str_", "bytes_",
        "object_", "datetime64", "timedelta64", "void", "intc", "uintc", "longlong", "ulonglong",
        "dtypes.Float64DType", "dtypes.Float32DType", "dtypes.Int64DType", "dtypes.Int32DType",
    )]
    + ["joblib.numpy_pickle.NumpyArrayWrapper", "argparse.Namespace"]
    + [f"torch.jit._pickle.{name}" for name in (
        "build_intlist", "build_tensorlist", "build_doublelist", "build_boollist", "build_tensor_from_id",
        "restore_type_tag")]
    + ["collections.OrderedDict", "collections.defaultdict", "collections.deque",
       "collections.Counter", "copyreg._reconstructor", "copyreg.__newobj__", "copyreg.__newobj_ex__",
       "_codecs.encode", "codecs.encode"]
    + [f"builtins.{name}" for name in (
        "set", "frozenset", "dict", "list", "tuple", "bytearray", "bytes", "complex", "slice",
        "range", "int", "float", "str", "bool", "object", "Ellipsis", "NotImplemented", "True",
        "False", "None",
    )]
    + ["datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta",
       "datetime.timezone", "decimal.Decimal", "fractions.Fraction", "uuid.UUID",
       "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
       "pathlib.Path", "pathlib.PurePath", "re._compile", "types.SimpleNamespace", "enum.Enum"]
)

_TYPING_NAMES = frozenset({
    "F", "T", "Any", "Callable", "Self", "TypeVar", "Protocol", "NamedTuple", "Literal", "Union",
    "Optional", "Iterator", "Mapping", "Sequence", "TYPE_CHECKING", "DeviceLikeType",
    "RemovableHandle", "BackwardHook", "Tensor", "Parameter", "OrderedDict",
})
_F_MODULES = frozenset({"dataclasses", "grad", "importlib", "math", "np", "torch", "warnings"})
_NN_MODULE = re.compile(r"^torch\.nn\.modules\.([a-z][a-z0-9_]*)\.([A-Z][A-Za-z0-9_]*)$")
_NN_FUNCTIONAL = re.compile(r"^torch\.nn\.functional\.([a-z][A-Za-z0-9_]*)$")
_OPTIM = re.compile(r"^torch\.optim\.(lr_scheduler|[a-z][a-z0-9_]*)\.([A-Z][A-Za-z0-9_]*)$")


def is_safe_pattern(full: str) -> bool:
    """True for PyTorch's own module, optimizer and scheduler classes and ``torch.nn.functional``
    tensor functions."""
    match = _NN_MODULE.match(full)
    if match:
        return match.group(2) not in _TYPING_NAMES
    match = _NN_FUNCTIONAL.match(full)
    if match:
        return match.group(1) not in _F_MODULES
    match = _OPTIM.match(full)
    if match:
        return match.group(2) not in _TYPING_NAMES
    return False


DANGEROUS_MODULES: frozenset[str] = frozenset({
    # processes and the operating system
    "os", "posix", "nt", "subprocess", "_posixsubprocess", "pty", "commands", "popen2",
    "multiprocessing", "_multiprocessing", "concurrent", "signal", "_signal", "resource",
    "platform", "sys", "_thread", "thread", "threading", "asyncio", "_winapi", "msvcrt", "winreg",
    # code execution, import machinery, nested unpicklers, code objects
    "runpy", "importlib", "imp", "pkgutil", "zipimport", "code", "codeop", "bdb", "pdb",
    "trace", "cProfile", "profile", "timeit", "doctest", "pickle", "_pickle", "cPickle",
    "dill", "cloudpickle", "shelve", "marshal", "types", "ctypes", "_ctypes", "cffi", "inspect",
    "gc", "site", "sysconfig", "builtins.__import__", "_io", "io", "fileinput", "tempfile",
    "ast", "dis",
    "linecache", "logging.config", "pydoc", "pydoc_data", "idlelib", "tkinter", "turtle",
    # file system and archives
    "shutil", "glob", "zipfile", "tarfile", "gzip", "bz2", "lzma", "zlib", "sqlite3", "dbm",
    "mmap", "fcntl", "filecmp",
    # network
    "socket", "_socket", "ssl", "select", "selectors", "socketserver", "requests", "urllib",
    "urllib2", "urllib3", "http", "httplib", "aiohttp", "httpx", "ftplib", "smtplib", "telnetlib",
    "poplib", "imaplib", "nntplib", "xmlrpc", "webbrowser", "antigravity", "paramiko",
    # package installation and environments
    "pip", "setuptools", "distutils", "ensurepip", "venv", "virtualenv", "pkg_resources",
    # frameworks' own loaders and compilers
    "torch.hub", "torch.jit", "torch._inductor", "torch._dynamo", "torch.utils.cpp_extension",
    "torch.package", "torch.distributed", "torch.multiprocessing", "torch.serialization",
    "torch.ops", "torch.classes", "torch.library", "torch._ops", "torch.testing",
    "torch.compiler", "torch.export", "torch.utils._python_dispatch",
    "numpy.testing", "numpy.f2py", "numpy.distutils", "numpy.ctypeslib", "numpy.lib.npyio",
    "numpy.lib.format", "numpy.lib._npyio_impl", "joblib.numpy_pickle_compat", "joblib.parallel",
    "tensorflow.io", "tensorflow.python.platform.gfile", "tensorflow.python.ops.script_ops",
    "keras.src.saving", "IPython", "jinja2", "yaml", "_osx_support", "mailcap", "lib2to3", "test.support",
    "torch.utils.collect_env",
})

DANGEROUS_NAMES: frozenset[str] = frozenset({
    "torch.load", "torch.save", "torch.storage._load_from_bytes", "functools.reduce",
    "_functools.reduce", "torch.compile", "torch.from_file", "torch._C._load_for_lite_interpreter",
    "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "numpy.fromfile", "numpy.save", "numpy.savez",
    "numpy.savetxt", "numpy.memmap", "numpy.fromregex", "numpy.tofile",
    "joblib.load", "joblib.dump", "joblib.numpy_pickle.load", "joblib.numpy_pickle._unpickle",
    "joblib.numpy_pickle.NumpyUnpickler", "joblib.numpy_pickle_utils._read_fileobject",
    "logging.config.listen", "cgi.FieldStorage", "uuid._get_command_stdout", "uuid._popen",
    "pandas.read_pickle", "pandas.io.pickle.read_pickle", "ctypes.util.find_library",
})

DANGEROUS_ATTRIBUTES: frozenset[str] = frozenset({
    "eval", "exec", "execfile", "compile", "system", "popen", "popen2", "popen3", "popen4",
    "spawn", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe", "fork",
    "forkpty", "startfile", "check_output", "check_call", "getstatusoutput", "getoutput",
    "__import__", "import_module", "reload", "_run_code", "_run_module_code", "run_path",
    "run_module", "getattr", "setattr", "delattr", "globals", "locals", "vars", "breakpoint",
    "open", "input", "loads", "load", "attrgetter", "methodcaller", "pipepager", "tempfilepager",
    "write_text", "write_bytes", "unlink", "rmdir", "mkdir", "touch", "rename", "replace",
    "chmod", "symlink_to", "hardlink_to", "rmtree", "remove", "removedirs", "urlopen",
    "urlretrieve", "create_connection", "create_subprocess_shell", "create_subprocess_exec",
    "__globals__", "__builtins__", "__subclasses__", "__code__", "__class__", "__bases__",
    "__base__", "__mro__", "__dict__", "__getattribute__", "__getattr__", "__setattr__",
    "__loader__", "__spec__", "__self__", "__func__", "__closure__", "__init_subclass__",
    "__reduce__", "__reduce_ex__", "__setstate__", "__call__", "__new__", "__init__",
    "__module__", "__defaults__", "__kwdefaults__", "__wrapped__", "f_globals", "f_locals",
    "gi_frame", "tb_frame", "func_globals",
})

DANGEROUS_BUILTINS: frozenset[str] = frozenset({
    "eval", "exec", "execfile", "compile", "open", "__import__", "getattr", "setattr", "delattr",
    "globals", "locals", "vars", "breakpoint", "input", "apply", "reload", "file", "type",
    "help", "exit", "quit", "super", "__build_class__", "__loader__", "__spec__", "memoryview",
})
