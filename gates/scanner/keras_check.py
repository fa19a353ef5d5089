"""Keras models: configs decoded as JSON (as Keras decodes them) and judged object by object.

``.keras`` files are zips whose ``config.json`` is checked here like any JSON member; Keras 2
``.h5`` files keep the same JSON in the ``model_config`` (and ``training_config``) attribute
of the HDF5 root, read with h5py when it is installed (:func:`scan_hdf5`). JSON is parsed
with :func:`json.loads`, so escapes such as ``\\u004cambda`` are seen as Keras sees them.

Findings over the decoded config (:func:`judge_document`):

* ``KERAS-LAMBDA`` (critical): a ``Lambda`` layer (serialised Python bytecode);
* ``KERAS-UNSAFE-OBJECT``: an object Keras imports by module path (``{"module": ...,
  "class_name": ...}``, and ``"class_name": "function"`` whose ``config`` names a function)
  judged by the pickle policy: dangerous callables are critical, names outside ``keras.*``
  and the allow-list are at the unknown-global severity, and Keras' own loaders and
  downloaders (``get_file``, ``load_model``, ``TFSMLayer`` ...) are high;
* ``KERAS-FILE-REFERENCE`` (high): a layer option that names a file or URL (``vocabulary``,
  ``filepath``, ``origin`` ... as a string, or any ``file://``/``http(s)://`` value): loading
  reads or downloads it.

Without h5py, an HDF5 file that mentions a ``model_config``/``training_config`` attribute
gives ``MODEL-NOT-SCANNED`` and is searched byte-wise for Lambda layers (attribute strings
are stored uncompressed); one without such attributes (a weights file) has no config to judge.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

from gates.model import Severity
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer
from gates.scanner.policy import Verdict, classify

MAX_JSON = 64 << 20
_LAMBDA = re.compile(rb'"class_name"\s*:\s*"(Lambda|__lambda__)"')
_CHUNK = 16 << 20
_OVERLAP = 256
_KERAS_MODULES = ("keras", "tf_keras", "keras_hub", "keras_nlp", "keras_cv", "tensorflow.keras")
KERAS_GADGETS = frozenset({
    "get_file", "load_model", "load_weights", "TFSMLayer", "load_img", "save_model", "enable_unsafe_deserialization",
    "deserialize_keras_object", "register_keras_serializable", "import_module",
})
_FILE_KEYS = frozenset({"vocabulary", "vocabulary_file", "filepath", "file_path", "path", "filename", "fname",
                        "origin", "url", "cache_dir", "cache_subdir", "idf_weights", "model_path"})
_URL = re.compile(r"^(file|https?|ftp|gs|s3|hdfs)://", re.I)


def _is_keras(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in _KERAS_MODULES)


def judge_document(document: Any, policy: Any) -> Iterator[tuple[str, Severity, str, str]]:
    """(rule, severity, message, context) for everything unsafe in a decoded Keras config."""
    pending: list[tuple[Any, str]] = [(document, "$")]
    while pending:
        node, path = pending.pop()
        if isinstance(node, dict):
            yield from _judge_object(node, path, policy)
            pending.extend((value, f"{path}.{key}") for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((value, f"{path}[{i}]") for i, value in enumerate(node))


def _judge_object(node: dict[str, Any], path: str, policy: Any) -> Iterator[tuple[str, Severity, str, str]]:
    class_name = node.get("class_name")
    raw = node.get("config")
    config: dict[str, Any] = raw if isinstance(raw, dict) else {}
    name = str(config.get("name") or path)
    if class_name in ("Lambda", "__lambda__"):
        yield ("KERAS-LAMBDA", Severity.CRITICAL,
               f"Keras Lambda layer {name!r} holds serialised Python code that runs when the model is loaded "
               "without safe_mode; replace it with a registered custom layer", name)
    if class_name == "TFSMLayer" or (isinstance(class_name, str) and class_name.split(">")[-1] in KERAS_GADGETS):
        yield ("KERAS-UNSAFE-OBJECT", Severity.HIGH,
               f"Keras object {name!r} is a {class_name}: it loads or downloads other files when the model loads",
               f"{path}|{class_name}")
    module = node.get("module")
    if isinstance(module, str) and isinstance(class_name, str):
        target = node.get("config") if class_name == "function" and isinstance(node.get("config"), str) else class_name
        yield from _judge_import(module, str(target), path, policy)
    for key, value in node.items():
        if not isinstance(value, str):
            continue
        if (key in _FILE_KEYS and value.strip()) or _URL.match(value.strip()):
            yield ("KERAS-FILE-REFERENCE", Severity.HIGH,
                   f"Keras config {path}.{key} names a file or URL ({value[:120]!r}): loading the model reads "
                   "or downloads it; ship the data inside the model instead", f"{path}.{key}")


def _judge_import(module: str, target: str, path: str, policy: Any) -> Iterator[tuple[str, Severity, str, str]]:
    full = f"{module}.{target}"
    verdict = classify(module, target, policy)
    if verdict.verdict is Verdict.DANGEROUS:
        yield ("KERAS-UNSAFE-OBJECT", Severity.CRITICAL,
               f"Keras config {path} imports {full}: {verdict.reason}; loading the model runs it", full)
    elif target.split(".")[-1] in KERAS_GADGETS:
        yield ("KERAS-UNSAFE-OBJECT", Severity.HIGH,
               f"Keras config {path} refers to {full}, which loads or downloads files when the model loads", full)
    elif not _is_keras(module) and verdict.verdict is not Verdict.SAFE:
        yield ("KERAS-UNSAFE-OBJECT", policy.unknown_global_severity,
               f"Keras config {path} imports {full} by module path: Keras imports that module when loading. "
               "If it is your own registered class, add it with --allow-global", full)


def judge_text(ctx: ScanContext, text: str, member: str | None) -> bool:
    """Judge a JSON text; False when it is not JSON."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return False
    for rule_id, severity, message, context in judge_document(document, ctx.policy):
        ctx.add(rule_id, severity, member, message, context, context if rule_id == "KERAS-UNSAFE-OBJECT" else None)
    return True


def scan_json(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> bool:
    """True when the range is JSON; reports what is unsafe in it as a Keras config."""
    if end - start > MAX_JSON:
        return False
    try:
        text = bytes(buf[start:end]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return judge_text(ctx, text, member)


def scan_hdf5(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None) -> None:
    """Judge the JSON configs in an HDF5 file's attributes (h5py), else search its bytes."""
    try:
        import h5py  # pylint: disable=import-outside-toplevel
    except ImportError:
        _scan_hdf5_bytes(ctx, buf, start, end, member)
        return
    from gates.scanner.archives import View  # pylint: disable=import-outside-toplevel

    try:
        with h5py.File(io.BufferedReader(View(buf, start, end)), "r") as handle:
            texts = [(f"attribute {key}", _attr_text(handle.attrs[key])) for key in handle.attrs]
            texts += _group_attrs(handle)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        ctx.add("MODEL-NOT-SCANNED", ctx.policy.not_scanned_severity, member,
                f"HDF5 file cannot be opened by h5py ({exc}); its configs were not decoded, only searched "
                "byte-wise for Lambda layers", "hdf5-open")
        _scan_hdf5_bytes(ctx, buf, start, end, member, report=False)
        return
    for where, text in texts:
        if text is not None and text.lstrip()[:1] in ("{", "["):
            judge_text(ctx, text, f"{member or ''}[{where}]" if member else where)


def _group_attrs(handle: Any, limit: int = 10_000) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []

    def visit(name: str, obj: Any) -> None:
        if len(out) < limit:
            out.extend((f"attribute {name}/{key}", _attr_text(obj.attrs[key])) for key in obj.attrs)

    handle.visititems(visit)
    return out


def _attr_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _scan_hdf5_bytes(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None,
                     report: bool = True) -> None:
    pos, seen, configs = start, set(), False
    while pos < end:
        chunk = bytes(buf[pos:min(end, pos + _CHUNK + _OVERLAP)])
        configs = configs or b"model_config" in chunk or b"training_config" in chunk
        for match in _LAMBDA.finditer(chunk):
            at = pos + match.start()
            if at in seen:
                continue
            seen.add(at)
            ctx.add("KERAS-LAMBDA", Severity.CRITICAL, member,
                    f"HDF5 Keras model_config declares a {match.group(1).decode()} layer at byte {at - start}: "
                    "serialised Python code that runs when the model is loaded", f"hdf5-lambda-{len(seen)}")
        pos += _CHUNK
    if configs and report:
        ctx.add("MODEL-NOT-SCANNED", ctx.policy.not_scanned_severity, member,
                "HDF5 Keras model config not decoded: h5py is not installed (pip install h5py); only a byte "
                "search for Lambda layers was done", "hdf5-no-h5py")
