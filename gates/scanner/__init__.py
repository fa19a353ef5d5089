"""Static model-file scanner: finds code that loading a model file would run, without loading it.

Nothing is ever unpickled or imported: pickle streams are walked opcode by opcode with a
symbolic stack and memo (:mod:`.pickle_walk`), archives are indexed from their bytes
(:mod:`.zip_index`), and formats are detected from content, never from file names
(:mod:`.dispatch`).

    from gates.scanner import scan_paths, ScanPolicy
    report = scan_paths([Path("models")], root=workspace, policy=ScanPolicy(frozenset({"mypkg.**"})))
    report.findings, report.files_scanned, report.files[0].format, report.files[0].globals

Formats: plain pickles (protocols 0-5, several back to back), PyTorch zip and legacy
checkpoints, TorchScript archives, joblib (plain and compressed, every member), NumPy
``.npy``/``.npz``, zip/tar/gzip/bzip2/xz/lzma containers, safetensors, Keras ``.keras``/HDF5,
ONNX, TensorFlow SavedModel/GraphDef (:mod:`.tf_check`), TFLite (:mod:`.tflite_check`), GGUF
with its chat templates (:mod:`.gguf_check`, :mod:`.jinja_check`), JSON; 7z is reported as
unscannable. Any range is also walked as a pickle from its first byte (polyglots). A file or
part that cannot be judged is ``MODEL-NOT-SCANNED`` at ``ScanPolicy.not_scanned_severity``.
Allow-list entries: ``module.qualname``, ``module.*``, ``package.**`` (wildcards never admit
:func:`.presets.is_gadget` names) and curated presets (:mod:`.presets`).

Decisions on the corpus edge cases (``/work/shared/data/picklescan-corpus``):

* ``bad_pytorch.pt`` (a PNG named .pt): format ``unknown``, one info
  ``MODEL-UNRECOGNISED-FORMAT`` finding; it cannot execute anything, so it never blocks.
* ``broken_model.pkl`` (``builtins.exec`` called, then the stream is truncated): critical
  ``PICKLE-DANGEROUS-GLOBAL`` plus high ``PICKLE-PARSE-ERROR``: CPython runs the ``exec``
  before it reaches the bad byte.
* ``not_a_pickle.bin`` (``GLOBAL`` whose name is not UTF-8): no pickle loader gets as far as
  an import, so it is not a pickle: format ``unknown`` and the info
  ``MODEL-UNRECOGNISED-FORMAT`` finding (its name ends in .bin).
* ``malicious1.7z``: high ``ARCHIVE-UNSCANNABLE`` (7z needs a dependency we do not take)
  and, because the archive stores the pickle uncompressed, critical ``builtins.eval``.
* ``benign_password_protected.zip``: medium ``ZIP-ENCRYPTED-MEMBER`` for ``test.txt``
  (high when the encrypted member is named like a model file). It fails closed at the
  default threshold (low): the member's content cannot be inspected.

Severities: critical = evidence of code execution on load; high = cannot be shown safe
(unknown global, unparseable stream, unscannable archive, malformed headers); medium =
uninspectable but not loadable (a truly encrypted member, TorchScript code); low = odd but
inert (bytes after the last pickle); info = never blocks (a file named like a model in no
known format). ``ScanPolicy.unknown_global_severity`` changes the unknown-global level.

Not read on purpose (no standard loader unpickles them): PyTorch tensor storages, legacy
PyTorch storage data after its five pickles, ``.npy`` array data without objects, joblib
array bytes (only walked leniently for plain ``pickle.load``), gaps of 24 bytes or less
between zip members (data descriptors).
"""

from gates.scanner.engine import MODEL_SUFFIXES, scan_file, scan_paths
from gates.scanner.policy import ScanPolicy, Verdict, classify
from gates.scanner.report import FileReport, Format, ScanReport
from gates.scanner.rules import RULES, TOOL

__all__ = [
    "FileReport", "Format", "MODEL_SUFFIXES", "RULES", "ScanPolicy", "ScanReport", "TOOL", "Verdict",
    "classify", "scan_file", "scan_paths",
]
