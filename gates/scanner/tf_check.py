"""TensorFlow protobufs: SavedModel (``saved_model.pb``), frozen GraphDef (``.pb``),
``keras_metadata.pb`` and ``fingerprint.pb``, read with the minimal wire reader.

Recognition parses the top-level message against each schema (:func:`detect`), never a
first byte or a file name. Every ``NodeDef`` of every graph is judged by its ``op`` (main
graphs of all meta-graphs and every function body of their libraries):

* ``TF-CODE-OP`` (critical): ``PyFunc``, ``PyFuncStateless``, ``EagerPyFunc``: Python code
  registered at save time runs when the graph executes;
* ``TF-FILE-OP`` (high): ops that read, list or write files, open readers and datasets on
  paths, write summaries or debug dumps, or call over the network (:data:`FILE_OPS`), and
  ``PrintV2`` writing to a ``file://`` stream.

Not flagged on purpose: the checkpoint machinery every SavedModel carries in its saver
(``SaveV2``, ``RestoreV2``, ``MergeV2Checkpoints``, ``ShardedFilename``, ``Save``,
``Restore``, ``RestoreSlice``), whose path is fed by the loader, and ops the loader does not
know (loading fails unless the user loads their library). Keras layer configs stored in the
SavedModel's object graph (``SavedUserObject.metadata``) and in ``keras_metadata.pb`` are
judged by :mod:`.keras_check`. Variables and assets are raw data and not read.
"""

from __future__ import annotations

from collections.abc import Iterator

from gates.model import Severity
from gates.scanner import keras_check
from gates.scanner.context import ScanContext
from gates.scanner.opcodes import Buffer
from gates.scanner.protobuf import LENGTH, VARINT, Malformed, conforms, fields, submessages, text

CODE_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})
FILE_OPS = frozenset({
    "ReadFile", "WriteFile", "MatchingFiles", "ImmutableConst", "WholeFileReader", "WholeFileReaderV2",
    "TextLineReader", "TextLineReaderV2", "TFRecordReader", "TFRecordReaderV2", "FixedLengthRecordReader",
    "FixedLengthRecordReaderV2", "LMDBReader", "TextLineDataset", "TFRecordDataset", "TFRecordDatasetV2",
    "FixedLengthRecordDataset", "FixedLengthRecordDatasetV2", "CSVDataset", "CSVDatasetV2",
    "ExperimentalCSVDataset", "SqlDataset", "ExperimentalSqlDataset", "LMDBDataset", "ExperimentalLMDBDataset",
    "SaveDataset", "SaveDatasetV2", "LoadDataset", "DatasetToTFRecord", "ExperimentalDatasetToTFRecord",
    "SnapshotDataset", "SnapshotDatasetV2", "SnapshotDatasetReader", "SnapshotNestedDatasetReader",
    "InitializeTableFromTextFile", "InitializeTableFromTextFileV2", "CreateSummaryFileWriter",
    "CreateSummaryDbWriter", "WriteSummary", "WriteRawProtoSummary", "WriteScalarSummary",
    "WriteHistogramSummary", "WriteImageSummary", "WriteAudioSummary", "WriteGraphSummary", "ImportEvent",
    "DebugIdentity", "DebugIdentityV2", "DebugIdentityV3", "DebugNanCount", "DebugNumericSummary",
    "DebugNumericSummaryV2", "LoadAndRemapMatrix", "GenerateVocabRemapping", "Rpc", "TryRpc",
    "DataServiceDataset", "DataServiceDatasetV2", "DataServiceDatasetV3", "DataServiceDatasetV4",
    "DistributedSave", "DecodeProtoV2", "EncodeProto", "FileSystemSetConfiguration",
})

_SAVED_MODEL = {1: VARINT, 2: LENGTH}
_META_GRAPH = {1: LENGTH, 2: LENGTH, 3: LENGTH, 4: LENGTH, 5: LENGTH, 6: LENGTH, 7: LENGTH}
_GRAPH = {1: LENGTH, 2: LENGTH, 3: VARINT, 4: LENGTH, 5: LENGTH}
_NODE = {1: LENGTH, 2: LENGTH, 3: LENGTH, 4: LENGTH, 5: LENGTH, 6: LENGTH, 7: LENGTH}
_SAVED_OBJECT = {1: VARINT, 2: LENGTH, 3: LENGTH, 4: LENGTH, 5: LENGTH}
_FINGERPRINT = {1: VARINT, 2: VARINT, 3: VARINT, 4: VARINT, 5: VARINT, 6: LENGTH}
_MAX_FUNCTIONS = 100_000


def _all_conform(buf: Buffer, start: int, end: int, number: int, schema: dict[int, int],
                 required: frozenset[int]) -> bool:
    try:
        return all(conforms(buf, lo, hi, schema, required) for lo, hi in submessages(buf, start, end, number))
    except Malformed:
        return False


def detect(buf: Buffer, start: int, end: int) -> tuple[str, ...]:
    """Every reading that parses: "saved-model", "keras-metadata", "graph-def", "fingerprint"
    (all are scanned: a message that fits two schemas is judged under both)."""
    if end - start < 2:
        return ()
    kinds = []
    if conforms(buf, start, end, _SAVED_MODEL, frozenset({2})) \
            and _all_conform(buf, start, end, 2, _META_GRAPH, frozenset()):
        kinds.append("saved-model")
    if conforms(buf, start, end, {1: LENGTH}, frozenset({1})) \
            and _all_conform(buf, start, end, 1, _SAVED_OBJECT, frozenset({3})):
        kinds.append("keras-metadata")
    if conforms(buf, start, end, _GRAPH, frozenset()) and _has_any(buf, start, end, (1, 2, 4)) \
            and _all_conform(buf, start, end, 1, _NODE, frozenset({2})):
        kinds.append("graph-def")
    if not kinds and conforms(buf, start, end, _FINGERPRINT, frozenset({1})):
        kinds.append("fingerprint")
    return tuple(kinds)


def _has_any(buf: Buffer, start: int, end: int, numbers: tuple[int, ...]) -> bool:
    return any(n in numbers for n, _w, _a, _b in fields(buf, start, end))


def _graphs(buf: Buffer, start: int, end: int, kind: str) -> Iterator[tuple[int, int]]:
    if kind == "graph-def":
        yield start, end
        return
    for mg_lo, mg_hi in submessages(buf, start, end, 2):
        yield from submessages(buf, mg_lo, mg_hi, 2)


def _nodes(buf: Buffer, lo: int, hi: int) -> Iterator[tuple[str, int, int, str]]:
    """(op, node start, node end, where) of a GraphDef's nodes and its library functions' nodes."""
    for n_lo, n_hi in submessages(buf, lo, hi, 1):
        yield _op(buf, n_lo, n_hi), n_lo, n_hi, "graph"
    for lib_lo, lib_hi in submessages(buf, lo, hi, 2):
        for count, (f_lo, f_hi) in enumerate(submessages(buf, lib_lo, lib_hi, 1)):
            if count >= _MAX_FUNCTIONS:
                raise Malformed(f"more than {_MAX_FUNCTIONS} functions")
            name = "function"
            for s_lo, s_hi in submessages(buf, f_lo, f_hi, 1):
                name = "function " + "".join(text(buf, a, b) for a, b in submessages(buf, s_lo, s_hi, 1))
            for n_lo, n_hi in submessages(buf, f_lo, f_hi, 3):
                yield _op(buf, n_lo, n_hi), n_lo, n_hi, name


def _op(buf: Buffer, lo: int, hi: int) -> str:
    """The node's op: the *last* occurrence of the field wins, as in every protobuf parser."""
    op = ""
    for number, wire, a, b in fields(buf, lo, hi):
        if number == 2 and wire == LENGTH:
            op = bytes(buf[a:b]).decode("utf-8", "replace")
    return op


def _prints_to_file(buf: Buffer, lo: int, hi: int) -> bool:
    for e_lo, e_hi in submessages(buf, lo, hi, 5):  # attr map entries: key=1, AttrValue=2
        key = "".join(text(buf, a, b) for a, b in submessages(buf, e_lo, e_hi, 1))
        if key == "output_stream":
            return any(b"file://" in bytes(buf[a:b]) for a, b in submessages(buf, e_lo, e_hi, 2))
    return False


def _metadata_json(buf: Buffer, start: int, end: int, kind: str) -> Iterator[tuple[int, int]]:
    if kind == "keras-metadata":
        for o_lo, o_hi in submessages(buf, start, end, 1):
            yield from submessages(buf, o_lo, o_hi, 4)
        return
    for mg_lo, mg_hi in submessages(buf, start, end, 2):
        for og_lo, og_hi in submessages(buf, mg_lo, mg_hi, 7):
            for obj_lo, obj_hi in submessages(buf, og_lo, og_hi, 1):
                for u_lo, u_hi in submessages(buf, obj_lo, obj_hi, 4):
                    yield from submessages(buf, u_lo, u_hi, 3)


def scan(ctx: ScanContext, buf: Buffer, start: int, end: int, member: str | None, kind: str) -> None:
    """Flag code and file ops in every graph; judge embedded Keras configs."""
    try:
        if kind in ("saved-model", "graph-def"):
            for g_lo, g_hi in _graphs(buf, start, end, kind):
                for op, n_lo, n_hi, where in _nodes(buf, g_lo, g_hi):
                    _judge(ctx, buf, member, op, n_lo, n_hi, where)
        for j_lo, j_hi in _metadata_json(buf, start, end, kind):
            keras_check.scan_json(ctx, buf, j_lo, j_hi, member)
    except Malformed as exc:
        ctx.add("TF-PARSE-ERROR", Severity.HIGH, member, f"TensorFlow protobuf cannot be walked: {exc}", str(exc))


def _judge(ctx: ScanContext, buf: Buffer, member: str | None, op: str, lo: int, hi: int, where: str) -> None:
    if op not in CODE_OPS and op not in FILE_OPS and op != "PrintV2":
        return  # the common case: no name to decode
    node = ([text(buf, a, b) for a, b in submessages(buf, lo, hi, 1)] or [""])[-1]
    if op in CODE_OPS:
        ctx.add("TF-CODE-OP", Severity.CRITICAL, member,
                f"TensorFlow {where} node {node!r} is a {op} op: it calls Python code when the graph runs. "
                "Do not load this model", f"{op}|{node}", op)
    elif op in FILE_OPS or (op == "PrintV2" and _prints_to_file(buf, lo, hi)):
        ctx.add("TF-FILE-OP", Severity.HIGH, member,
                f"TensorFlow {where} node {node!r} is a {op} op: running the graph reads, writes or lists files "
                "or reaches the network. Remove it from the serving graph", f"{op}|{node}", op)
