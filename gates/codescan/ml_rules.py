"""ML-specific rules that block at the gate's default ``fail-on: high``.

Loading a model is running code: a pickle-based checkpoint executes whatever its author put in
it. bandit knows two ML rules, both at medium severity, which the default threshold lets pass
(nanoGPT's ``torch.load(ckpt_path, map_location=device)``):

* B614 ``torch.load`` without ``weights_only=True`` and B615 a Hugging Face download
  (``from_pretrained``, ``hf_hub_download``, ...) without a pinned ``revision``: raised to
  **high** here.

and one rule of our own, over the files bandit analysed (parsed with :mod:`ast`, never run):

* ``ML101`` unsafe deserialisation of a model file: ``pickle``/``dill``/``cloudpickle`` ``load``
  and ``loads``, ``joblib.load``, ``pandas.read_pickle``, ``numpy.load(..., allow_pickle=True)``
  and ``exec``/``eval`` whose arguments name a model path (``model``, ``ckpt``, ``checkpoint``,
  ``weights`` or a ``.pkl .pt .pth .bin .joblib .pickle .ckpt`` file): **high**.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from gates.codescan.issues import Issue
from gates.model import Severity

RAISED = {"B614": Severity.HIGH, "B615": Severity.HIGH}
RULE = "ML101"
TOOL = "secure-ai-gates"
HELP = "https://docs.python.org/3/library/pickle.html#restricting-globals"
_LOADERS = {("pickle", "load"), ("pickle", "loads"), ("dill", "load"), ("dill", "loads"), ("cloudpickle", "load"),
            ("cloudpickle", "loads"), ("joblib", "load"), ("pandas", "read_pickle"), ("pd", "read_pickle"),
            ("_pickle", "load"), ("_pickle", "loads")}
_NUMPY = {("numpy", "load"), ("np", "load")}
_EXEC = {"exec", "eval"}
_MODEL_PATH = re.compile(r"model|ckpt|checkpoint|weights|\.(?:pkl|pickle|pt|pth|bin|joblib|ckpt)\b", re.IGNORECASE)
# a file none of the loaders can be called in is not parsed: every loader module name, and exec/eval
# called as plain names (``model.eval()``, in nearly every ML file, is not one)
_PREFILTER = re.compile(rb"pickle|joblib|\bdill\b|(?<![\w.])(?:exec|eval)\s*\(")


def raise_ml_severities(issues: Iterable[Issue]) -> list[Issue]:
    """bandit's ML rules at the severity this gate gives them."""
    return [replace(i, severity=RAISED[i.rule_id]) if i.tool == "bandit" and i.rule_id in RAISED
            and not i.severity.at_least(RAISED[i.rule_id]) else i for i in issues]


def _dotted(node: ast.expr) -> tuple[str, str] | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    if isinstance(node, ast.Name):
        return "", node.id
    return None


def _is_unsafe(call: ast.Call) -> str | None:
    name = _dotted(call.func)
    if name is None:
        return None
    if name in _LOADERS:
        return f"{name[0]}.{name[1]}"
    if name in _NUMPY and any(k.arg == "allow_pickle" and isinstance(k.value, ast.Constant) and k.value.value is True
                              for k in call.keywords):
        return f"{name[0]}.load(allow_pickle=True)"
    if name[0] == "" and name[1] in _EXEC:
        return name[1]
    return None


def _model_file_handles(tree: ast.AST) -> set[str]:
    """Names bound to ``open(<model path>)``: ``with open(model_path, "rb") as f`` or ``f = open(...)``."""
    out: set[str] = set()
    for node in ast.walk(tree):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, ast.withitem):
            pairs.append((node.context_expr, node.optional_vars))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            pairs.append((node.value, node.targets[0]))
        for value, target in pairs:
            if (isinstance(value, ast.Call) and _dotted(value.func) == ("", "open") and isinstance(target, ast.Name)
                    and _MODEL_PATH.search(" ".join(ast.unparse(a) for a in value.args))):
                out.add(target.id)
    return out


def scan_file(root: Path, path: str, shown_as: str | None = None) -> list[Issue]:
    """ML101 issues in one Python file (``shown_as``: the path to report, e.g. the notebook's)."""
    try:
        data = (root / path).read_bytes()
        if not _PREFILTER.search(data):
            return []
        tree = ast.parse(data)
    except (OSError, SyntaxError, ValueError, RecursionError):
        return []  # bandit reports files it cannot parse
    lines = data.decode("utf-8", errors="replace").splitlines()
    handles = _model_file_handles(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        what = _is_unsafe(node)
        if what is None:
            continue
        args = " ".join(ast.unparse(a) for a in (*node.args, *(k.value for k in node.keywords)))
        names = {n.id for a in (*node.args, *(k.value for k in node.keywords)) for n in ast.walk(a)
                 if isinstance(n, ast.Name)}
        if not _MODEL_PATH.search(args) and not names & handles:
            continue
        line = node.lineno
        out.append(Issue(
            tool=TOOL, rule_id=RULE, title="unsafe-model-deserialization",
            message=f"{what} on a model path ({args[:80]}) runs any code the file carries: load weights with "
                    "safetensors or torch.load(..., weights_only=True), or verify the file (model-integrity) first",
            path=shown_as or path, line=line, severity=Severity.HIGH, confidence="MEDIUM",
            context=lines[line - 1] if 0 < line <= len(lines) else what, column=node.col_offset + 1,
            cwe=(502,), help_uri=HELP))
    return out


def scan_files(root: Path, files: Sequence[str]) -> list[Issue]:
    """ML101 issues in ``files`` (relative to ``root``)."""
    return [issue for path in files for issue in scan_file(root, path)]
