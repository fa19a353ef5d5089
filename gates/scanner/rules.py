"""Rule ids of the model scanner with their titles, CWE numbers and help links."""

from __future__ import annotations

from dataclasses import dataclass

TOOL = "model-scanner"

_PICKLE_HELP = "https://docs.python.org/3/library/pickle.html#restricting-globals"
_ZIP_HELP = "https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT"


@dataclass(frozen=True)
class Rule:
    """Static metadata of one rule."""

    title: str
    help_uri: str
    cwe: tuple[int, ...] = ()


RULES: dict[str, Rule] = {
    "PICKLE-DANGEROUS-GLOBAL": Rule("Pickle imports a dangerous callable", _PICKLE_HELP, (502,)),
    "PICKLE-UNKNOWN-GLOBAL": Rule("Pickle imports a global outside the allow-list", _PICKLE_HELP, (502,)),
    "PICKLE-UNRESOLVED-GLOBAL": Rule("Pickle computes the global it imports", _PICKLE_HELP, (502,)),
    "PICKLE-INDIRECT-CALL": Rule("Pickle calls a computed object", _PICKLE_HELP, (502,)),
    "PICKLE-GLOBAL-MUTATION": Rule("Pickle modifies an imported module or class", _PICKLE_HELP, (502,)),
    "PICKLE-EXTENSION-CODE": Rule("Pickle uses the copyreg extension registry", _PICKLE_HELP, (502,)),
    "PICKLE-PARSE-ERROR": Rule("Pickle stream cannot be parsed", _PICKLE_HELP, (502,)),
    "PICKLE-FRAME-MISMATCH": Rule("Pickle opcode runs past the end of its FRAME", _PICKLE_HELP, (502, 436)),
    "PICKLE-TRAILING-DATA": Rule("Data after the last pickle", _PICKLE_HELP, ()),
    "TORCHSCRIPT-CODE": Rule(
        "TorchScript archive carries code", "https://pytorch.org/docs/stable/jit.html", (94,)),
    "SAFETENSORS-BAD-HEADER": Rule(
        "Malformed safetensors header", "https://github.com/huggingface/safetensors#format", (20,)),
    "KERAS-LAMBDA": Rule(
        "Keras model contains a Lambda layer (serialised Python code)",
        "https://keras.io/api/layers/core_layers/lambda/", (94, 502)),
    "ONNX-EXTERNAL-DATA-ESCAPE": Rule(
        "ONNX external data path escapes the model directory",
        "https://onnx.ai/onnx/repo-docs/ExternalData.html", (22,)),
    "ONNX-PARSE-ERROR": Rule("ONNX model cannot be parsed", "https://onnx.ai/onnx/repo-docs/IR.html", (20,)),
    "KERAS-UNSAFE-OBJECT": Rule(
        "Keras config imports an object by module path, or one that loads files",
        "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/", (94, 502)),
    "KERAS-FILE-REFERENCE": Rule(
        "Keras config names a file or URL that loading reads",
        "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/", (73,)),
    "GGUF-BAD-HEADER": Rule(
        "Malformed GGUF metadata", "https://github.com/ggml-org/ggml/blob/master/docs/gguf.md", (20,)),
    "CHAT-TEMPLATE-CODE": Rule(
        "Chat template reaches Python internals (server-side template injection)",
        "https://nvd.nist.gov/vuln/detail/CVE-2024-34359", (1336, 94)),
    "TF-CODE-OP": Rule(
        "TensorFlow graph calls Python code", "https://www.tensorflow.org/api_docs/python/tf/py_function", (94,)),
    "TF-FILE-OP": Rule(
        "TensorFlow graph reads, writes or lists files or reaches the network",
        "https://www.tensorflow.org/api_docs/python/tf/io/read_file", (73,)),
    "TF-PARSE-ERROR": Rule(
        "TensorFlow protobuf cannot be walked", "https://www.tensorflow.org/guide/saved_model", (20,)),
    "TFLITE-CUSTOM-OP": Rule(
        "TFLite model uses a custom operator", "https://ai.google.dev/edge/litert/models/ops_custom", ()),
    "ZIP-ENCRYPTED-MEMBER": Rule("Archive member is encrypted and cannot be inspected", _ZIP_HELP, ()),
    "ZIP-MALFORMED": Rule("Archive structure is malformed or inconsistent", _ZIP_HELP, (20,)),
    "ZIP-HIDDEN-MEMBER": Rule("Archive holds data outside its central directory", _ZIP_HELP, (20,)),
    "ARCHIVE-UNSCANNABLE": Rule("Archive format cannot be inspected", _ZIP_HELP, ()),
    "ARCHIVE-LIMIT": Rule("Archive exceeds the scanner's bounds", _ZIP_HELP, (409,)),
    "NUMPY-BAD-HEADER": Rule(
        "Malformed NumPy header", "https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html", (20,)),
    "MODEL-UNRECOGNISED-FORMAT": Rule(
        "Model file content matches no known format",
        "https://docs.python.org/3/library/pickle.html", ()),
    "MODEL-POLYGLOT": Rule("File is also a pickle that imports globals", _PICKLE_HELP, (502, 436)),
    "MODEL-NOT-SCANNED": Rule(
        "Model file could not be judged (format or part not inspected)",
        "https://github.com/org/secure-ai-gates#scan-model-the-static-model-file-scanner", ()),
    "MODEL-UNREADABLE": Rule("Model file cannot be read", "https://docs.python.org/3/library/os.html", ()),
}


def rule(rule_id: str) -> Rule:
    """The metadata of ``rule_id`` (KeyError for an unknown id: a programming error)."""
    return RULES[rule_id]
